/**
 * The writing page (issue 15): a reading font in a centred column, headings sized by level, front
 * matter as metadata, no gutters until Settings turn them on (live), outline clicks that put the
 * heading at the top, word counts that match a reference count, the saved / unsaved state of a held
 * section (and the file on disk), and spell checking on the editor's text, off when turned off.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { AFTER_AUTOSAVE_MS, disk } from './everyday'
import { expect, test } from './fixtures'
import { caretAtEndOf, line, typeAtEndOf } from './writer'

/** The prose as a reader sees it, one paragraph per entry; the markdown below adds only syntax. */
const INTRO = 'Notes from the field trip written on the train home.'
const LINKED = 'The full report is on the shared drive for everyone.'
const BUDGET = 'Money is tight this year and we will cut travel.'
const PARTS = Array.from({ length: 30 }, (_, i) => `Part ${i + 1}`)
const partText = (i: number) => `Paragraph ${i + 1} says what happened on day ${i + 1} in a few words.`

const DOC = [
  '---',
  'title: Field notes',
  'tags: [draft, review]',
  '---',
  '# Field notes',
  '',
  // Emphasis and a link: the URL is syntax, not words.
  INTRO.replace('field trip', '*field trip*'),
  '',
  LINKED.replace('full report', '[full report](https://example.com/reports/2024/field-trip-final.pdf)'),
  '',
  '## Budget',
  '',
  BUDGET,
  '',
  ...PARTS.flatMap((p, i) => [`## ${p}`, '', partText(i), ''])
].join('\n')

/** The reference count: the plain text split at white space, front matter and syntax left out. */
const PLAIN = ['Field notes', INTRO, LINKED, 'Budget', BUDGET, ...PARTS.flatMap((p, i) => [p, partText(i)])]
const words = (s: string) => s.split(/\s+/).filter(Boolean).length
const REFERENCE = PLAIN.reduce((n, s) => n + words(s), 0)

async function setSetting(page: Page, testId: string, on: boolean): Promise<void> {
  await page.getByTestId('open-settings').click()
  const box = page.getByTestId(testId)
  await (on ? box.check() : box.uncheck())
  await page.getByTestId('settings').getByRole('button', { name: 'Save' }).click()
  await expect(page.getByTestId('settings')).toBeHidden()
}

/** Width of a string in the editor's font: equal for every letter only in a monospace font. */
function textWidth(page: Page, text: string): Promise<number> {
  return page.locator('.cm-content').evaluate((el, t) => {
    const c = document.createElement('canvas').getContext('2d')
    if (!c) return 0
    const s = getComputedStyle(el)
    c.font = `${s.fontSize} ${s.fontFamily}`
    return c.measureText(t).width
  }, text)
}

test('the writing page: reading font, measure, headings by size, front matter as metadata, gutters on request', async ({
  sectioned
}) => {
  await sectioned.files({ 'notes.md': DOC })
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('notes.md', 'Notes from the')
  await a.setViewportSize({ width: 1920, height: 1200 })

  // A proportional reading font: "iiiiiiii" is much narrower than "MMMMMMMM".
  const family = await a.locator('.cm-content').evaluate((el) => getComputedStyle(el).fontFamily)
  expect(family).not.toMatch(/mono/i)
  expect(await textWidth(a, 'iiiiiiii')).toBeLessThan((await textWidth(a, 'MMMMMMMM')) * 0.6)
  // A measure of about 70 characters, centred in the pane.
  const box = await a.locator('.cm-content').boundingBox()
  const pane = await a.locator('.cm-scroller').boundingBox()
  if (!box || !pane) throw new Error('no editor')
  expect(box.width).toBeLessThan(900)
  expect(Math.abs(box.x - pane.x - (pane.x + pane.width - box.x - box.width))).toBeLessThan(30)

  // No code-editor gutters by default.
  await expect(a.locator('.cm-lineNumbers')).toHaveCount(0)
  await expect(a.locator('.cm-foldGutter')).toHaveCount(0)

  // An H1 line is larger and taller than body text.
  const h1 = line(a, 'Field notes').and(a.locator('.cm-h1'))
  const body = line(a, 'Notes from the')
  const size = (l: typeof body) => l.evaluate((el) => parseFloat(getComputedStyle(el).fontSize))
  const height = async (l: typeof body) => (await l.boundingBox())?.height ?? 0
  expect(await size(h1)).toBeGreaterThan((await size(body)) * 1.4)
  expect(await height(h1)).toBeGreaterThan(await height(body))
  expect(await size(a.locator('.cm-h2', { hasText: 'Budget' }))).toBeGreaterThan(await size(body))

  // Front matter is metadata: small, muted, not a heading (CommonMark alone makes it a setext heading).
  const title = line(a, 'title: Field notes')
  await expect(title).toHaveClass(/cm-frontmatter/)
  await expect(a.locator('.cm-frontmatter')).toHaveCount(4)
  expect(await a.locator('.cm-frontmatter.cm-h2, .cm-frontmatter .cm-h2').count()).toBe(0)
  expect(await size(title)).toBeLessThan(await size(body))
  const weight = await title.evaluate((el) =>
    Math.max(...[el, ...el.querySelectorAll('*')].map((e) => Number(getComputedStyle(e).fontWeight)))
  )
  expect(weight).toBeLessThan(600)

  await sectioned.shot(a, 'writing-page-1920-light')

  // Line numbers and fold markers appear at once when turned on, and go when turned off.
  await setSetting(a, 'setting-line-numbers', true)
  await expect(a.locator('.cm-lineNumbers')).toBeVisible()
  await expect(a.locator('.cm-lineNumbers .cm-gutterElement', { hasText: /^5$/ })).toBeVisible()
  // Beside the text, not at the far edge of a wide pane.
  const gutter = await a.locator('.cm-gutters').boundingBox()
  const text = await a.locator('.cm-content').boundingBox()
  expect((text?.x ?? 0) - ((gutter?.x ?? 0) + (gutter?.width ?? 0))).toBeLessThan(40)
  await setSetting(a, 'setting-fold-gutter', true)
  await expect(a.locator('.cm-foldGutter')).toBeVisible()
  await sectioned.shot(a, 'writing-page-gutters')
  await setSetting(a, 'setting-line-numbers', false)
  await setSetting(a, 'setting-fold-gutter', false)
  await expect(a.locator('.cm-lineNumbers')).toHaveCount(0)
  await expect(a.locator('.cm-foldGutter')).toHaveCount(0)
})

test('an outline click puts the heading at the top of the view', async ({ sectioned }) => {
  await sectioned.files({ 'notes.md': DOC })
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('notes.md', 'Notes from the')
  await a.setViewportSize({ width: 1024, height: 700 })
  for (const part of ['Part 20', 'Part 7', 'Part 30']) {
    await a
      .getByTestId('outline-item')
      .locator('button.heading', { hasText: new RegExp(`^${part}$`) })
      .click()
    const heading = line(a, `## ${part}`)
    await expect(heading).toBeVisible()
    // The heading's line at the top of the editor (within CodeMirror's 5 px margin), not the bottom.
    await expect
      .poll(async () => {
        const top = (await a.locator('.cm-scroller').boundingBox())?.y ?? 0
        return Math.abs(((await heading.boundingBox())?.y ?? 0) - top)
      })
      .toBeLessThan(10)
    await expect(a.locator('.cm-activeLine')).toHaveText(`## ${part}`)
  }
})

test('word counts match a reference count; the saved state follows typing and autosave; spelling follows Settings', async ({
  sectioned
}) => {
  await sectioned.files({ 'notes.md': DOC })
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('notes.md', 'Notes from the')
  await a.setViewportSize({ width: 1024, height: 700 })

  // The document: every word of the prose, no front matter, no URL, no markdown marks.
  await expect(a.getByTestId('words-document')).toHaveText(String(REFERENCE))
  await expect(a.getByTestId('word-count')).toContainText(
    `${Math.max(1, Math.round(REFERENCE / 230))} min read`
  )
  // The section the cursor is in, and a selection.
  await caretAtEndOf(a, BUDGET)
  await expect(a.getByTestId('words-section')).toHaveText(String(words('Budget') + words(BUDGET)))
  await expect(a.getByTestId('words-selection')).toHaveCount(0)
  await a.keyboard.press('Shift+Home')
  await expect(a.getByTestId('words-selection')).toHaveText(String(words(BUDGET)))
  await a.keyboard.press('End')
  await expect(a.getByTestId('words-selection')).toHaveCount(0)

  // Typing: the section is unsaved (by its heading and in the status bar), then saved, and on disk.
  const states: string[] = []
  await a.exposeFunction('savedStateSeen', (s: string) => void states.push(s))
  await a.evaluate(() => {
    const seen = (window as unknown as { savedStateSeen(s: string): void }).savedStateSeen
    new MutationObserver(() => {
      const s = document.querySelector('[data-testid="saved-state"]')?.getAttribute('data-state')
      if (s) seen(s)
    }).observe(document.body, { subtree: true, attributes: true, childList: true })
  })
  await typeAtEndOf(a, BUDGET, ' Trains only.')
  await expect(a.getByTestId('held-state')).toHaveAttribute('data-state', 'unsaved')
  await expect(a.getByTestId('saved-state')).toHaveText('Unsaved changes')
  await expect(line(a, '## Budget').locator('.cm-section-saved')).toHaveAttribute('data-saved', 'unsaved')
  await expect(a.getByTestId('words-document')).toHaveText(String(REFERENCE + 2))
  await sectioned.shot(a, 'writing-page-1024-unsaved')
  await expect(a.getByTestId('saved-state')).toHaveText('All changes saved', {
    timeout: AFTER_AUTOSAVE_MS + 5_000
  })
  await expect(a.getByTestId('held-state')).toHaveAttribute('data-state', 'saved')
  await expect(line(a, '## Budget').locator('.cm-section-saved')).toHaveAttribute('data-saved', 'saved')
  expect(await disk(sectioned, 'notes.md')).toContain(`${BUDGET} Trains only.`)
  const seen = [...new Set(states)].join(' → ')
  test.info().annotations.push({ type: 'saved states seen', description: seen })
  console.log(`[writing-page] status bar states while typing and autosaving: ${seen}`)

  // Spelling: on the editor's text by default, off at once when Settings turn it off; a language.
  const content = a.locator('.cm-content')
  await expect(content).toHaveAttribute('spellcheck', 'true')
  await a.getByTestId('open-settings').click()
  await a.getByTestId('setting-spell-language').fill('en-GB')
  await sectioned.shot(a, 'writing-page-settings-1024')
  await a.getByTestId('settings').getByRole('button', { name: 'Save' }).click()
  await expect(content).toHaveAttribute('lang', 'en-GB')
  await setSetting(a, 'setting-spellcheck', false)
  await expect(content).toHaveAttribute('spellcheck', 'false')
  await expect(content).toHaveAttribute('autocorrect', 'off')
  const settings = JSON.parse(await fs.readFile(path.join(ann.configDir, 'settings.json'), 'utf8'))
  expect(settings).toMatchObject({ spellcheck: false, spellLanguage: 'en-GB' })
})

for (const scheme of ['light', 'dark'] as const)
  for (const [width, height] of [
    [1024, 700],
    [1920, 1200]
  ])
    test(`screenshot: ${scheme}, ${width}×${height}, a held section`, async ({ sectioned }) => {
      await sectioned.files({ 'notes.md': DOC })
      const ann = await sectioned.start({ user: 'ann' })
      const bob = await sectioned.start({ user: 'bob' })
      const a = await ann.open('notes.md', 'Notes from the')
      const b = await bob.open('notes.md', 'Notes from the')
      await a.emulateMedia({ colorScheme: scheme })
      await a.setViewportSize({ width, height })
      await typeAtEndOf(b, partText(0), ' Bob was here.')
      await typeAtEndOf(a, BUDGET, ' Trains only.')
      await expect(a.getByTestId('held-state')).toHaveAttribute('data-state', /unsaved|saving|saved/)
      await expect(line(a, '## Part 1').locator('.cm-section-holder')).toContainText('bob')
      await caretAtEndOf(a, INTRO.split(' ').slice(-2).join(' '))
      await a.keyboard.press('Shift+Home')
      await expect(a.getByTestId('words-selection')).toBeVisible()
      await sectioned.shot(a, `writing-page-${scheme}-${width}x${height}`)
    })

test('word counts stay cheap on a 5 MB document: one full count at open, then only what changed', async ({
  sectioned
}) => {
  const part = (i: number) => `## Part ${i}\n\n${partText(i % 30)} ${BUDGET} ${INTRO}\n\n`
  const parts: string[] = []
  let size = 0
  for (let i = 0; size < 5_000_000; i++) {
    parts.push(part(i))
    size += parts[i].length
  }
  await sectioned.files({ 'big.md': parts.join('') })
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('big.md', 'Part 0')
  const reference = parts.reduce((n, p) => n + words(p.replace(/^## /, '')), 0)
  await expect(a.getByTestId('words-document')).toHaveText(reference.toLocaleString('en-US'), {
    timeout: 20_000
  })
  const durations = (name = 'sectioned:word-count') =>
    a.evaluate((n) => performance.getEntriesByName(n).map((e) => e.duration), name)
  // The first count is made in small tasks (the text tree warmed piece by piece), then read from it.
  const warm = await durations('sectioned:word-count-warm')
  const warmTotal = warm.reduce((x, y) => x + y, 0)
  const [first] = await durations()
  // The paragraph wraps: End goes to the next wrap point, so press it until the line's end.
  await caretAtEndOf(a, 'Paragraph 1 says')
  for (let i = 0; i < 3; i++) await a.keyboard.press('End')
  await a.keyboard.type(' Two more.')
  await expect(a.getByTestId('words-document')).toHaveText((reference + 2).toLocaleString('en-US'))
  const later = (await durations()).slice(1)
  const worst = Math.max(...later)
  console.log(
    `[writing-page] 5 MB word count: first count in ${warm.length} tasks (${warmTotal.toFixed(0)} ms in all, the longest ${Math.max(...warm).toFixed(0)} ms) + ${first.toFixed(1)} ms, then ${later.length} counts while typing, the slowest ${worst.toFixed(1)} ms`
  )
  // The first count is spread over several tasks, none of them most of it (each piece is at most
  // ~100 kB of text). Relative, not in ms: a loaded machine slows every task alike.
  expect(warm.length).toBeGreaterThan(3)
  expect(Math.max(...warm)).toBeLessThan(warmTotal / 2)
  // A count after an edit reads a few lines; a generous bound that load on the machine cannot reach.
  expect(worst).toBeLessThan(50)
})
