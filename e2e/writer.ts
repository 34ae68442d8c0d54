/**
 * What a writer does and sees on the screen, by the selectors the renderer keeps stable:
 * `badge-<sectionId>` in the outline, `notice` for messages, CodeMirror's `.cm-content`/`.cm-line`.
 */
import { expect, type Locator, type Page } from '@playwright/test'

/**
 * The document text the editor shows (lines joined with \n), without the holder labels the lock
 * decorations put into locked sections' heading lines (widgets, not document text).
 */
export async function editorText(page: Page): Promise<string> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.cm-content .cm-line')]
      .map((el) => {
        const copy = el.cloneNode(true)
        if (!(copy instanceof Element)) return ''
        copy.querySelectorAll('[contenteditable="false"], .cm-section-holder').forEach((w) => w.remove())
        return copy.textContent ?? ''
      })
      .join('\n')
  )
}

/** Opens `document` from the folder tree and waits until the editor shows `expectText`. */
export async function openDocument(
  page: Page,
  url: string,
  document: string,
  expectText: string
): Promise<void> {
  await page.goto(url)
  await expect(page.getByTestId('connection')).toHaveText('Connected', { timeout: 20_000 })
  await page.getByRole('button', { name: document }).click()
  await expect(page.locator('.cm-content')).toContainText(expectText, { timeout: 20_000 })
}

/** The line of the editor holding `lineText`. */
export function line(page: Page, lineText: string): Locator {
  return page.locator('.cm-line', { hasText: lineText })
}

/** Puts the cursor at the end of the line holding `lineText`. */
export async function caretAtEndOf(page: Page, lineText: string): Promise<void> {
  await line(page, lineText).click()
  await page.keyboard.press('End')
}

/** Types `text` at the end of the line holding `lineText` (typing into a free section takes its lock). */
export async function typeAtEndOf(page: Page, lineText: string, text: string): Promise<void> {
  await caretAtEndOf(page, lineText)
  await page.keyboard.type(text)
}

/** The outline's lock badge of a section. */
export function badge(page: Page, sectionId: string): Locator {
  return page.getByTestId(`badge-${sectionId}`)
}

/** The newest notice. */
export function lastNotice(page: Page): Locator {
  return page.getByTestId('notice').last()
}

/** Ctrl+S in the editor. */
export async function save(page: Page): Promise<void> {
  await page.keyboard.press('Control+s')
}

/**
 * Whether the element `selector` kept its scroll position for 300 ms: a wheel's scrolling goes on
 * for a while after `mouse.wheel` returns (CI read a pane's place mid-scroll, then found it further on).
 */
export function scrollSettled(page: Page, selector: string): Promise<boolean> {
  return page.evaluate(async (selector) => {
    const el = document.querySelector(selector)
    const before = el?.scrollTop
    await new Promise((resolve) => setTimeout(resolve, 300))
    return el !== null && el.scrollTop === before
  }, selector)
}
