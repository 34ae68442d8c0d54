/**
 * Several documents keep their held sections (issue 14): a writer who goes to another document
 * (Ctrl+P or the folder tree) has what they typed saved to the file but keeps the lock — the other
 * writers still see the section held — the document is marked “you hold 1 section here” in the
 * tree and the quick switcher, and coming back the section is editable again where the cursor was;
 * Done releases it. A section held in a document not shown that is taken away (force-release) or
 * released for idleness is told to the writer with the document's name.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { PLAN } from './documents'
import { count, disk, lockHolders } from './everyday'
import { expect, test } from './fixtures'
import { badge, editorText, lastNotice, line, typeAtEndOf } from './writer'

const NOTES = '# Notes\n\nNothing yet.\n'

/** Ctrl+P, part of a name, Enter; resolves once `document` is the one shown. */
async function switchTo(page: Page, typed: string, document: string): Promise<void> {
  await page.keyboard.press('Control+p')
  await expect(page.getByTestId('switcher-input')).toBeFocused()
  await page.keyboard.type(typed)
  await expect(page.getByTestId('switcher-item').first()).toContainText(path.basename(document))
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('switcher')).toBeHidden()
  await expect(page.locator('.editor-toolbar strong')).toHaveText(document)
}

/** The folder tree's row of `document`. */
const treeRow = (page: Page, document: string) =>
  page.getByRole('navigation', { name: 'Documents' }).getByRole('button', { name: document, exact: true })

/** Clicks `document` in the folder tree; resolves once it is the one shown. */
async function openFromTree(page: Page, document: string): Promise<void> {
  await treeRow(page, document).click()
  await expect(page.locator('.editor-toolbar strong')).toHaveText(document)
}

/** Presses `key` until the editor's text stops changing (at most `max` times); the number of changes. */
async function pressUntilStill(page: Page, key: string, max = 12): Promise<number> {
  let changes = 0
  for (let i = 0; i < max; i++) {
    const before = await editorText(page)
    await page.keyboard.press(key)
    // An undo step is applied synchronously by CodeMirror; one frame lets the DOM show it.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))))
    if ((await editorText(page)) === before) return changes
    changes++
  }
  return changes
}

test('switching documents keeps the held section: the file has the text, the others see it held, it is editable on return, Done releases', async ({
  sectioned
}) => {
  await sectioned.files({ 'plan.md': PLAN, 'notes.md': NOTES })
  const [ann, bob] = await Promise.all([sectioned.start({ user: 'ann' }), sectioned.start({ user: 'bob' })])
  const a = await ann.open('plan.md', 'Money is tight.')
  const b = await bob.open('plan.md', 'Money is tight.')

  await typeAtEndOf(a, 'Money is tight.', ' Ann typed this.')
  await expect(badge(a, 'budget')).toHaveText(/^You\b/)
  await expect(badge(b, 'budget')).toContainText('ann')

  // Away by Ctrl+P: the switcher says the section is kept; the file has the text at once.
  await a.keyboard.press('Control+p')
  await expect(a.getByTestId('switcher-note')).toContainText('you keep holding it')
  await a.keyboard.press('Escape')
  await switchTo(a, 'notes', 'notes.md')
  expect(await disk(sectioned)).toContain('Money is tight. Ann typed this.\n')
  // Still held: the admin's view, Bob's badge, and Bob's typing is refused with Ann's name.
  expect(await lockHolders(sectioned)).toMatchObject({ budget: 'ann' })
  await expect(badge(b, 'budget')).toContainText('ann')
  await typeAtEndOf(b, 'Money is tight. Ann typed this.', ' Bob?')
  await expect(lastNotice(b)).toContainText('is being edited by ann')
  await expect(line(b, 'Bob?')).toHaveCount(0)

  // The mark: in the tree and in the switcher, on plan.md only.
  const mark = treeRow(a, 'plan.md').getByTestId('held-away')
  await expect(mark).toHaveText('✎ 1')
  await expect(mark).toHaveAttribute('title', 'You hold “Budget” here')
  await expect(treeRow(a, 'notes.md').getByTestId('held-away')).toHaveCount(0)
  const shots = test.info().outputPath()
  await fs.mkdir(shots, { recursive: true })
  await a.locator('.tree').screenshot({ path: path.join(shots, 'held-away-tree.png') })
  await a.keyboard.press('Control+p')
  await expect(
    a.getByTestId('switcher-item').filter({ hasText: 'plan.md' }).getByTestId('held-away')
  ).toHaveText('✎ you hold 1 section here')
  await a.screenshot({ path: path.join(shots, 'held-away-switcher.png') })
  await sectioned.shot(a, 'held-away-switcher')
  await expect(a.getByTestId('status-bar')).toContainText('You hold 0 (+1 in other documents)')
  await a.keyboard.press('Escape')

  // Back by the tree: held again (the lock colour bar, the toolbar), the cursor where it was.
  await openFromTree(a, 'plan.md')
  await expect(badge(a, 'budget')).toHaveText(/^You\b/)
  await expect(a.getByTestId('editing')).toContainText('Budget')
  await expect(line(a, 'Money is tight. Ann typed this.')).toHaveClass(/cm-section-mine/)
  await expect(treeRow(a, 'plan.md').getByTestId('held-away')).toHaveCount(0)
  await expect(a.locator('.cm-activeLine')).toHaveText('Money is tight. Ann typed this.')

  // Typing goes on where the cursor is: Enter, a new line; undo stops at the return (the text
  // typed before leaving is in the file, not in this editor's history); redo brings it back once.
  await a.locator('.cm-content').focus()
  await a.keyboard.press('End')
  await a.keyboard.press('Enter')
  await a.keyboard.type('Second line.')
  await expect(line(a, 'Second line.')).toHaveCount(1)
  expect(await pressUntilStill(a, 'Control+z')).toBeGreaterThan(0)
  let text = await editorText(a)
  expect(count(text, 'Second line.')).toBe(0)
  expect(count(text, 'Money is tight. Ann typed this.')).toBe(1)
  // Ctrl+Y: Ctrl+Shift+Z with nothing left to redo falls back to CodeMirror's Ctrl+Z (an undo).
  expect(await pressUntilStill(a, 'Control+y')).toBeGreaterThan(0)
  text = await editorText(a)
  expect(count(text, 'Second line.')).toBe(1)
  expect(count(text, 'Ann typed this.')).toBe(1)
  await expect(badge(b, 'budget')).toContainText('ann')

  // Away again by the tree, and back by Ctrl+P: the file has both lines, once each.
  await openFromTree(a, 'notes.md')
  await expect.poll(() => disk(sectioned)).toContain('Money is tight. Ann typed this.\nSecond line.\n')
  expect(count(await disk(sectioned), 'Second line.')).toBe(1)
  await switchTo(a, 'plan', 'plan.md')
  await expect(badge(a, 'budget')).toHaveText(/^You\b/)
  await typeAtEndOf(a, 'Second line.', ' Third.')
  await expect.poll(() => disk(sectioned), { timeout: 15_000 }).toContain('Second line. Third.\n')

  // Done: saved and released; Bob sees it free and can type.
  await a.getByTestId('done').click()
  await expect(badge(b, 'budget')).toHaveCount(0, { timeout: 10_000 }) // free: no badge
  await expect.poll(() => lockHolders(sectioned)).toEqual({})
  const file = await disk(sectioned)
  expect(count(file, 'Ann typed this.')).toBe(1)
  expect(count(file, 'Second line. Third.')).toBe(1)
  expect(count(file, 'Bob?')).toBe(0)
  await typeAtEndOf(b, 'Second line. Third.', ' Bob now.')
  await expect(badge(b, 'budget')).toHaveText(/^You\b/)
  await expect.poll(() => disk(sectioned), { timeout: 15_000 }).toContain('Second line. Third. Bob now.\n')
})

test('a section held in a document not shown: its loss (force-release) and its idle release are told with the document’s name', async ({
  sectioned
}) => {
  test.setTimeout(120_000)
  await sectioned.files({ 'plan.md': PLAN, 'notes.md': NOTES })
  // A short idle timeout (30 s; warned 15 s before) and heartbeat (5 s: a lost lock is noticed soon).
  const configDir = path.join(sectioned.root, 'config', 'ann-idle')
  await fs.mkdir(configDir, { recursive: true })
  await fs.writeFile(path.join(configDir, 'settings.json'), JSON.stringify({ idleTimeoutMinutes: 0.5 }))
  const ann = await sectioned.start({ user: 'ann', heartbeatSeconds: 5, configDir })
  const a = await ann.open('plan.md', 'Money is tight.')
  await typeAtEndOf(a, 'Hello from the intro.', ' Intro words.')
  await typeAtEndOf(a, 'Money is tight.', ' Budget words.')
  await expect(badge(a, 'intro')).toHaveText(/^You\b/)
  await expect(badge(a, 'budget')).toHaveText(/^You\b/)
  await switchTo(a, 'notes', 'notes.md')
  await expect(treeRow(a, 'plan.md').getByTestId('held-away')).toHaveText('✎ 2')
  const saved = await disk(sectioned)
  expect(saved).toContain('Hello from the intro. Intro words.\n')
  expect(saved).toContain('Money is tight. Budget words.\n')

  // An administrator takes “Budget” away: Ann's heartbeat notices, and she is told where.
  const r = await sectioned.cli(
    'force-release',
    `${sectioned.folder}/plan.md`,
    'budget',
    '--force',
    '--reason',
    'the e2e test takes it'
  )
  expect(r.code, r.stderr).toBe(0)
  const lost = a.getByTestId('notice').filter({ hasText: 'You no longer hold “Budget” in plan.md' })
  await expect(lost).toContainText('Everything you typed there was saved.', { timeout: 20_000 })
  await expect(treeRow(a, 'plan.md').getByTestId('held-away')).toHaveText('✎ 1')

  // “Intro” goes idle: a warning naming the document, then the release, then no mark.
  const warned = a
    .getByTestId('notice')
    .filter({ hasText: '“Intro” in plan.md (not shown) will be released' })
  await expect(warned).toHaveCount(1, { timeout: 30_000 })
  const released = a.getByTestId('notice').filter({
    hasText: 'You no longer hold “Intro” in plan.md: it was released after a long time without edits'
  })
  await expect(released).toHaveCount(1, { timeout: 30_000 })
  await expect(warned).toHaveCount(0)
  await expect(treeRow(a, 'plan.md').getByTestId('held-away')).toHaveCount(0)
  await expect.poll(() => lockHolders(sectioned)).toEqual({})
  // Back in plan.md: nothing held, the saved text there, nothing lost.
  await openFromTree(a, 'plan.md')
  await expect(badge(a, 'intro')).toHaveCount(0) // free: no badge
  expect(await editorText(a)).toContain('Hello from the intro. Intro words.')
  expect(await editorText(a)).toContain('Money is tight. Budget words.')
})

test('a colleague’s request for a section held in a document not shown reaches the writer; the tree releases the rest', async ({
  sectioned
}) => {
  await sectioned.files({ 'plan.md': PLAN, 'notes.md': NOTES })
  const [ann, bob] = await Promise.all([sectioned.start({ user: 'ann' }), sectioned.start({ user: 'bob' })])
  const a = await ann.open('plan.md', 'Money is tight.')
  const b = await bob.open('plan.md', 'Money is tight.')
  await typeAtEndOf(a, 'Hello from the intro.', ' Ann on the intro.')
  await typeAtEndOf(a, 'Money is tight.', ' Ann on the budget.')
  await expect(badge(b, 'intro')).toContainText('ann')
  await expect(badge(b, 'budget')).toContainText('ann')
  await openFromTree(a, 'notes.md')
  await expect(treeRow(a, 'plan.md').getByTestId('held-away')).toHaveText('✎ 2')

  // Bob asks for the intro: Ann, in notes.md, sees the request naming plan.md and hands it over.
  await b.locator('li[data-section=intro]').hover()
  await b.getByTestId('request-intro').click()
  const request = a.getByTestId('edit-request')
  await expect(request).toContainText('bob')
  await expect(request).toContainText('plan.md')
  await request.getByTestId('release-request').click()
  await expect(badge(b, 'intro')).toHaveText(/^You\b/, { timeout: 10_000 })
  await expect(treeRow(a, 'plan.md').getByTestId('held-away')).toHaveText('✎ 1')
  await typeAtEndOf(b, 'Hello from the intro. Ann on the intro.', ' Bob follows.')
  await expect
    .poll(() => disk(sectioned), { timeout: 15_000 })
    .toContain('Hello from the intro. Ann on the intro. Bob follows.\n')

  // The budget from the tree's menu: released, its text already in the file.
  await treeRow(a, 'plan.md').click({ button: 'right' })
  await a.getByTestId('release-away').click()
  await expect(lastNotice(a)).toContainText('Released “Budget” in plan.md.')
  await expect(treeRow(a, 'plan.md').getByTestId('held-away')).toHaveCount(0)
  await expect(badge(b, 'budget')).toHaveCount(0, { timeout: 10_000 }) // free: no badge
  expect(await disk(sectioned)).toContain('Money is tight. Ann on the budget.\n')
  expect(await lockHolders(sectioned)).toEqual({ intro: 'bob' })
})
