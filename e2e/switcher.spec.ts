/**
 * Several documents (issue 14): the quick switcher (Ctrl+P) finds a document by part of its name,
 * each document comes back at its own scroll position and cursor, text typed before switching is
 * saved to the file, and a restarted host reopens the document shown last at its place.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { journal } from './everyday'
import { expect, test } from './fixtures'
import { caretAtEndOf, scrollSettled, typeAtEndOf } from './writer'

const STORY = Array.from({ length: 40 }, (_, i) => `# Part ${i + 1}\n\nLine of part ${i + 1}.\n`).join('\n')
const BUDGET = '# Budget\n\nMoney is tight.\n'

/**
 * The number of the first editor line shown whole at the top of the view. The writing page has no
 * line numbers, so it is worked out from STORY's shape: part N's heading is line 4N-3 and its text
 * line 4N-1, with blank lines between; a blank line at the top counts back from the next one.
 */
function topLine(page: Page): Promise<number> {
  return page.evaluate(() => {
    const scroller = document.querySelector('.cm-scroller')
    if (!scroller) return 0
    const edge = scroller.getBoundingClientRect().top
    const lines = [...document.querySelectorAll('.cm-content > .cm-line')].filter(
      (l) => l.getBoundingClientRect().top >= edge - 1
    )
    for (let i = 0; i < lines.length; i++) {
      const m = /^(#|Line of) [Pp]art (\d+)/.exec(lines[i].textContent ?? '')
      if (m) return 4 * Number(m[2]) - (m[1] === '#' ? 3 : 1) - i
    }
    return 0
  })
}

/** Ctrl+P, then part of a name, then Enter; resolves once `document` is the one shown. */
async function switchTo(page: Page, typed: string, document: string): Promise<void> {
  await page.keyboard.press('Control+p')
  await expect(page.getByTestId('switcher-input')).toBeFocused()
  await page.keyboard.type(typed)
  await expect(page.getByTestId('switcher-item').first()).toContainText(path.basename(document))
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('switcher')).toBeHidden()
  await expect(page.locator('.editor-toolbar strong')).toHaveText(document)
}

test('Ctrl+P switches documents; each keeps its scroll and cursor, typed text is saved, a restart reopens it', async ({
  sectioned
}) => {
  await sectioned.files({ 'story.md': STORY, 'money/budget.md': BUDGET, 'plan.md': BUDGET })
  const ann = await sectioned.start({ user: 'ann' })
  const page = await ann.open('story.md', 'Line of part 1.')
  // Ctrl+P must be ours: the browser's print dialog never sees it.
  await page.evaluate(() => {
    const w = window as unknown as { printKeys: boolean[] }
    w.printKeys = []
    window.addEventListener(
      'keydown',
      (e) => e.key === 'p' && e.ctrlKey && w.printKeys.push(e.defaultPrevented),
      true
    )
  })

  // Down in the document (the mouse wheel), the cursor in a later section.
  await page.locator('.cm-scroller').hover()
  // The writing page has tall lines (reading font, spaced headings): about 130 px a part.
  await page.mouse.wheel(0, 3900)
  await expect.poll(() => topLine(page)).toBeGreaterThan(60)
  // Where the wheel stops, not where it was passing (CI once read line 81, and the place kept was 114).
  await expect.poll(() => scrollSettled(page, '.cm-scroller'), { timeout: 5_000 }).toBe(true)
  await caretAtEndOf(page, 'Line of part 31.')
  const top = await topLine(page)
  // Well down: past part 15 (the exact line depends on the wheel's step).
  expect(top).toBeGreaterThan(60)
  await expect(page.locator('.cm-activeLine')).toHaveText('Line of part 31.')

  // Esc closes the switcher and the focus is back in the editor, where it was.
  await page.keyboard.press('Control+p')
  await expect(page.getByTestId('switcher-input')).toBeFocused()
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('switcher')).toBeHidden()
  await expect(page.locator('.cm-content')).toBeFocused()
  expect(await page.evaluate(() => (window as unknown as { printKeys: boolean[] }).printKeys)).toEqual([true])

  // To the budget by part of its name; the list, filtered, on screen.
  await page.keyboard.press('Control+p')
  await expect(page.getByTestId('switcher-input')).toBeFocused()
  await page.keyboard.type('budg')
  await expect(page.getByTestId('switcher-item')).toHaveCount(1)
  await sectioned.shot(page, 'switcher-filtered')
  await page.keyboard.press('Enter')
  await expect(page.locator('.cm-content')).toContainText('Money is tight.')
  await expect(page.locator('.editor-toolbar strong')).toHaveText('money/budget.md')

  // Back: the same line at the top, the cursor on the same line.
  const started = Date.now()
  await switchTo(page, 'story', 'story.md')
  await expect.poll(() => topLine(page)).toBe(top)
  console.log(`[switcher] Ctrl+P, “story”, Enter → story.md at its place: ${Date.now() - started} ms`)
  await expect(page.locator('.cm-activeLine')).toHaveText('Line of part 31.')

  // Typing in a section, then switching away: the text is in the file, nothing is lost.
  await typeAtEndOf(page, 'Line of part 31.', ' Typed before switching.')
  await expect(page.getByTestId('editing')).toContainText('Part 31')
  await page.keyboard.press('Control+p')
  await expect(page.getByTestId('switcher-note')).toContainText('saves the section you hold here')
  // With nothing typed, the recently shown documents come first: story, then the budget.
  await expect(page.getByTestId('switcher-item').nth(0)).toContainText('story.md')
  await expect(page.getByTestId('switcher-item').nth(1)).toContainText('budget.md')
  // Chosen: the one before this document (Enter goes back), also with the mouse resting over the list.
  await expect(page.getByTestId('switcher-item').nth(1)).toHaveAttribute('aria-selected', 'true')
  await sectioned.shot(page, 'switcher-open')
  // The mouse works too.
  await page.getByTestId('switcher-item').filter({ hasText: 'plan.md' }).click()
  await expect(page.locator('.editor-toolbar strong')).toHaveText('plan.md')
  await expect
    .poll(async () => (await sectioned.read('story.md')).toString('utf8'))
    .toContain('Line of part 31. Typed before switching.\n')
  await switchTo(page, 'stor', 'story.md')
  await expect(page.locator('.cm-content')).toContainText('Line of part 31. Typed before switching.')
  await expect(page.locator('.cm-activeLine')).toHaveText('Line of part 31. Typed before switching.')
  const topBeforeRestart = await topLine(page)

  // The host remembers it in its settings file (on this machine, not in the shared folder).
  const settingsFile = path.join(ann.configDir, 'settings.json')
  await expect
    .poll(async () => {
      const stored = JSON.parse(await fs.readFile(settingsFile, 'utf8').catch(() => '{}')) as {
        workspaces?: { shown: string; documents: { document: string }[] }[]
        recentFolders?: string[]
      }
      return [
        stored.workspaces?.[0]?.shown,
        stored.workspaces?.[0]?.documents.map((d) => d.document),
        stored.recentFolders
      ]
    })
    .toEqual(['story.md', ['story.md', 'plan.md', 'money/budget.md'], [path.resolve(sectioned.folder)]])

  // Restarted on the same config folder, and the page loaded again: story.md at its place.
  await ann.host.stop()
  await ann.restart()
  await page.goto(ann.host.url)
  await expect(page.getByTestId('connection')).toHaveText('Connected', { timeout: 20_000 })
  await expect(page.locator('.editor-toolbar strong')).toHaveText('story.md', { timeout: 10_000 })
  await expect.poll(() => topLine(page)).toBe(topBeforeRestart)
  await expect(page.locator('.cm-activeLine')).toHaveText('Line of part 31. Typed before switching.')
})

test('a remembered document that is gone opens nothing and shows no error', async ({ sectioned }) => {
  await sectioned.files({ 'story.md': STORY, 'gone.md': BUDGET })
  const ann = await sectioned.start({ user: 'ann' })
  const page = await ann.open('gone.md', 'Money is tight.')
  const settingsFile = path.join(ann.configDir, 'settings.json')
  await expect
    .poll(async () =>
      (await fs.readFile(settingsFile, 'utf8').catch(() => '')).includes('"shown": "gone.md"')
    )
    .toBe(true)
  await ann.host.stop()
  await fs.rm(path.join(sectioned.folder, 'gone.md'))
  // A folder opened once that is gone now, and an entry broken by hand.
  const goneFolder = path.join(sectioned.root, 'old-folder')
  const stored = JSON.parse(await fs.readFile(settingsFile, 'utf8')) as Record<string, unknown>
  await fs.writeFile(settingsFile, JSON.stringify({ ...stored, recentFolders: [goneFolder, 42] }))
  await ann.restart()
  await page.goto(ann.host.url)
  await expect(page.getByTestId('connection')).toHaveText('Connected', { timeout: 20_000 })
  await expect(page.getByRole('button', { name: 'story.md' })).toBeVisible()
  await expect(page.getByText('Open a document on the left.')).toBeVisible()
  await expect(page.getByTestId('notice')).toHaveCount(0)

  // The Settings dialog lists the recent folders, this one first; the one that is gone greyed.
  await page.getByTestId('open-settings').click()
  const recent = page.getByTestId('recent-folders').locator('li')
  await expect(recent).toHaveText([path.resolve(sectioned.folder), `${goneFolder} (not found)`])
  await expect(recent.nth(1)).toHaveClass('gone')
  await sectioned.shot(page, 'settings-recent-folders')
})

test('switching while the host is down: the document stays, with the unsaved text; once back, the switch saves it', async ({
  sectioned
}) => {
  await sectioned.files({ 'story.md': STORY, 'plan.md': BUDGET })
  const ann = await sectioned.start({ user: 'ann' })
  const page = await ann.open('story.md', 'Line of part 1.')
  await typeAtEndOf(page, 'Line of part 3.', ' Typed, then the host died.')
  // In the local journal (a file on this machine) before the crash.
  await expect
    .poll(async () => (await journal(ann)).map((e) => e.text).join(''))
    .toContain('Typed, then the host died.')
  await ann.host.kill()
  await expect(page.getByTestId('connection')).not.toHaveText('Connected', { timeout: 10_000 })

  await page.keyboard.press('Control+p')
  await expect(page.getByTestId('switcher-input')).toBeFocused()
  await page.keyboard.type('plan')
  await page.keyboard.press('Enter')
  // The open cannot be answered: story.md stays, with the text.
  await expect(page.getByTestId('notice').last()).toBeVisible({ timeout: 15_000 })
  await expect(page.locator('.editor-toolbar strong')).toHaveText('story.md')
  await expect(page.locator('.cm-content')).toContainText('Line of part 3. Typed, then the host died.')
  console.log(
    `[switcher] switching while the host is down says: ${await page.getByTestId('notice').last().innerText()}`
  )

  await ann.restart()
  await expect(page.getByTestId('connection')).toHaveText('Connected', { timeout: 15_000 })
  await switchTo(page, 'plan', 'plan.md')
  await expect
    .poll(async () => (await sectioned.read('story.md')).toString('utf8'))
    .toContain('Line of part 3. Typed, then the host died.\n')
})
