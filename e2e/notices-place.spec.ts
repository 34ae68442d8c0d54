/**
 * Notices never cover the text being edited (issue 15): a notice sits in its own strip under the
 * editor, which the editor's scroll area leaves free — at 1024×700 and at 200 % zoom (the 512×350
 * CSS-pixel viewport such a window lays out) — and the writer's caret line stays visible beside it.
 */
import type { Page } from '@playwright/test'
import { annAndBob } from './everyday'
import { expect, test } from './fixtures'
import { badge, caretAtEndOf, typeAtEndOf } from './writer'

type Box = { x: number; y: number; width: number; height: number }

const overlap = (a: Box, b: Box) =>
  Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) *
  Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y))

/** The part of the editor's text a writer sees: `.cm-content` clipped by the scroll area. */
async function visibleText(page: Page): Promise<Box> {
  return page.locator('.cm-content').evaluate((el) => {
    const c = el.getBoundingClientRect()
    const scroller = el.closest('.cm-scroller')?.getBoundingClientRect() ?? c
    const x = Math.max(c.left, scroller.left)
    const y = Math.max(c.top, scroller.top)
    const right = Math.min(c.right, scroller.right, window.innerWidth)
    const bottom = Math.min(c.bottom, scroller.bottom, window.innerHeight)
    return { x, y, width: Math.max(0, right - x), height: Math.max(0, bottom - y) }
  })
}

for (const size of [
  { name: '1024x700', width: 1024, height: 700 },
  { name: '200pct', width: 512, height: 350 }
]) {
  test(`a notice does not cover the editor's text or the caret line at ${size.name}`, async ({
    sectioned
  }) => {
    const { a, b } = await annAndBob(sectioned)
    await b.setViewportSize({ width: size.width, height: size.height })
    await typeAtEndOf(a, 'Money is tight.', ' Ann writes.')
    await expect(badge(b, 'budget')).toBeVisible()
    // Bob tries to type into Ann's section, near the bottom of what he sees: refused, with a notice.
    await typeAtEndOf(b, 'Money is tight.', 'x')
    await typeAtEndOf(b, 'Money is tight.', 'x')
    const notices = b.getByTestId('notice')
    await expect(notices).toHaveCount(1)
    await expect(notices).toContainText('is being edited by ann')
    await caretAtEndOf(b, 'Money is tight.')
    await sectioned.shot(b, `notice-place-${size.name}`)

    const text = await visibleText(b)
    expect(text.height, 'some of the text is on screen').toBeGreaterThan(20)
    const notice = await b.getByTestId('notices').boundingBox()
    if (!notice) throw new Error('no notice area')
    expect(overlap(notice, text), 'the notices overlap the visible text').toBe(0)
    // The caret's line is visible and not under a notice.
    const caret = await b.locator('.cm-activeLine').boundingBox()
    if (!caret) throw new Error('no caret line')
    expect(overlap(caret, notice)).toBe(0)
    expect(overlap(caret, text)).toBeGreaterThan(0)
  })
}
