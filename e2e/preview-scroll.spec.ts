/**
 * Scroll sync from the preview back to the editor (issue 15): the writer scrolls the preview and
 * the editor shows the same place; the panes do not bounce each other back. And the other way: the
 * preview follows the editor.
 */
import type { Page } from '@playwright/test'
import { LONG_PARTS } from './documents'
import { expect, test } from './fixtures'
import { scrollSettled } from './writer'

/** The first “Part n” heading whose top is inside the pane `pane` (matched by `selector`). */
function firstHeading(page: Page, selector: string, pane: string): Promise<string | null> {
  return page.evaluate(
    ([selector, pane]) => {
      const top = document.querySelector(pane)?.getBoundingClientRect().top ?? 0
      const seen = Array.from(document.querySelectorAll(selector)).find(
        (e) => e.getBoundingClientRect().top >= top - 4 && /^(# )?Part \d+$/.test(e.textContent ?? '')
      )
      return seen?.textContent?.replace(/^#\s*/, '') ?? null
    },
    [selector, pane]
  )
}

test('the editor follows the preview’s scrolling', async ({ sectioned }) => {
  await sectioned.files({ 'long.md': LONG_PARTS })
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('long.md', 'Part 1')
  await a.getByTestId('toggle-preview').click()
  await expect(a.getByTestId('preview').locator('h1')).toHaveCount(40)
  expect(await firstHeading(a, '.cm-line', '.cm-scroller')).toBe('Part 1')

  // The writer scrolls the preview most of the way down (a wheel, as a writer does).
  await a.locator('.preview').hover()
  for (let i = 0; i < 12; i++) await a.mouse.wheel(0, 400)
  await expect
    .poll(() => firstHeading(a, '.preview-doc h1', '.preview'), { timeout: 5_000 })
    .toMatch(/^Part ([2-3]\d)$/)
  // The wheel's scrolling may still be under way (CI saw the preview read at Part 24 and then
  // move on to 27): take the preview's place once it has stopped moving.
  await expect.poll(() => scrollSettled(a, '.preview'), { timeout: 5_000 }).toBe(true)
  const previewTop = await firstHeading(a, '.preview-doc h1', '.preview')
  // The editor shows the same heading first (CodeMirror draws the lines in its next frames).
  await expect.poll(() => firstHeading(a, '.cm-line', '.cm-scroller'), { timeout: 5_000 }).toBe(previewTop)
  // And neither pane pushed the other back: a moment later both are where they were.
  await a.waitForTimeout(500)
  expect(await firstHeading(a, '.preview-doc h1', '.preview')).toBe(previewTop)
  expect(await firstHeading(a, '.cm-line', '.cm-scroller')).toBe(previewTop)
  await sectioned.shot(a, 'preview-scroll-back')
})

test('the preview follows the editor’s scrolling', async ({ sectioned }) => {
  await sectioned.files({ 'long.md': LONG_PARTS })
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('long.md', 'Part 1')
  await a.getByTestId('toggle-preview').click()
  const preview = a.getByTestId('preview')
  await expect(preview.locator('h1')).toHaveCount(40)
  // Scroll the editor most of the way down: the first heading at the top of each pane is the same.
  await a.locator('.cm-scroller').evaluate((scroller) => (scroller.scrollTop = scroller.scrollHeight * 0.7))
  // CodeMirror draws the lines scrolled to in its next frames: wait for them.
  await expect
    .poll(() => firstHeading(a, '.cm-line', '.cm-scroller'), { timeout: 5_000 })
    .toMatch(/^Part (2\d|3\d)$/)
  const editorTop = await firstHeading(a, '.cm-line', '.cm-scroller')
  await expect.poll(() => firstHeading(a, '.preview-doc h1', '.preview'), { timeout: 5_000 }).toBe(editorTop)
  await sectioned.shot(a, 'preview-scroll-sync')
})
