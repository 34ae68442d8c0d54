/**
 * What a writer does without thinking, in two instances (ann, bob) on one folder — each checked in
 * the FILE ON DISK (the ground truth) and then in the windows: a heading typed inside a held
 * section, the first keystrokes into a free section, restore then type, the app's shortcuts, undo
 * after Done, closing the window right after typing, and the web host dying while typing. (Each of
 * these lost or duplicated text before the section-session model; see the issue of that name.)
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { PLAN, appendToLine } from './documents'
import { expect, test, writersOn, type Instance, type Sectioned } from './fixtures'
import { badge, caretAtEndOf, editorText, lastNotice, line, save, typeAtEndOf } from './writer'

/** The autosave fires 2 s after the last keystroke; this waits it out with room to spare. */
const AFTER_AUTOSAVE_MS = 3_500

async function disk(sectioned: Sectioned, rel = 'plan.md'): Promise<string> {
  return (await sectioned.read(rel)).toString()
}

const count = (text: string, needle: string) => text.split(needle).length - 1

/** Every journal entry's text in an instance's local journal (its config folder, not the share). */
async function journalTexts(instance: Instance): Promise<string[]> {
  const dir = path.join(instance.configDir, 'journal')
  const out: string[] = []
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.json')) continue
    const data = JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')) as {
      entries?: { text: string }[]
    }
    for (const e of data.entries ?? []) out.push(e.text)
  }
  return out
}

async function annAndBob(sectioned: Sectioned, text = PLAN, ready = 'Money is tight.') {
  const { instances, pages } = await writersOn(sectioned, 'plan.md', text, ['ann', 'bob'], ready)
  return { ann: instances[0], bob: instances[1], a: pages[0] as Page, b: pages[1] as Page }
}

test('a heading typed inside a held section becomes one section, held by its writer, in every window', async ({
  sectioned
}) => {
  const { a, b } = await annAndBob(sectioned)
  await typeAtEndOf(a, 'Money is tight.', ' More.')
  await expect(badge(b, 'budget')).toContainText('ann')
  for (const key of ['Enter', 'Enter']) await a.keyboard.press(key)
  await a.keyboard.type('## Dates')
  for (const key of ['Enter', 'Enter']) await a.keyboard.press(key)
  await a.keyboard.type('Monday is the deadline.')
  // The outline shows the new heading before it is saved.
  await expect(a.getByTestId('outline-item').filter({ hasText: 'Dates' })).toContainText('new')
  await save(a)
  await expect.poll(() => disk(sectioned)).toContain('Monday is the deadline.')
  await a.keyboard.type(' Tuesday too.')
  const expected = appendToLine(
    PLAN,
    'Money is tight.',
    ' More.\n\n## Dates\n\nMonday is the deadline. Tuesday too.'
  )
  await expect.poll(() => disk(sectioned), { timeout: 10_000 }).toBe(expected)
  await a.waitForTimeout(AFTER_AUTOSAVE_MS)
  const file = await disk(sectioned)
  expect(count(file, '## Dates')).toBe(1)
  expect(file).toBe(expected)
  await expect.poll(() => editorText(a)).toBe(expected)
  await expect.poll(() => editorText(b)).toBe(expected)
  // Both outlines list the sections of the file; the new one is ann's in bob's window.
  const outline = (p: Page) => p.getByTestId('outline-item').locator('button.heading').allTextContents()
  await expect.poll(() => outline(a)).toEqual(['Preamble', 'Intro', 'Budget', 'Dates'])
  await expect.poll(() => outline(b)).toEqual(['Preamble', 'Intro', 'Budget', 'Dates'])
  await expect(badge(b, 'dates')).toContainText('ann')
  await sectioned.shot(a, 'new-heading-ann')
  await sectioned.shot(b, 'new-heading-bob')
  // Nobody slips in: bob's typing into Dates is refused, naming ann.
  await typeAtEndOf(b, 'Monday is the deadline. Tuesday too.', ' Bob.')
  await expect(lastNotice(b)).toContainText('“Dates” is being edited by ann')
  expect(await disk(sectioned)).toBe(expected)
  // After Done (Ctrl+Enter) the section is free: bob takes it and saves.
  await a.keyboard.press('Control+Enter')
  await expect(badge(b, 'dates')).toHaveCount(0)
  expect(await disk(sectioned)).toBe(expected)
  await typeAtEndOf(b, 'Monday is the deadline. Tuesday too.', ' Bob.')
  await expect(badge(a, 'dates')).toContainText('bob')
  await expect
    .poll(() => disk(sectioned), { timeout: 10_000 })
    .toBe(expected.replace('Tuesday too.', 'Tuesday too. Bob.'))
})

const FREE = [
  'Preamble.',
  '',
  '# Enter',
  '',
  'enter-here',
  '',
  '# Backspace',
  '',
  'backspaceX',
  '',
  '# Delete',
  '',
  'Xdelete',
  '',
  '# Paste',
  '',
  'paste-here',
  '',
  '# Replace',
  '',
  'replace-me',
  '',
  '# Paren',
  '',
  'Note xz',
  '',
  '# Paren end',
  '',
  'Note x',
  ''
].join('\n')

/** Does `act` in a free section, then Done: the lock was taken, and the file ends as `expected`. */
async function firstEdit(
  sectioned: Sectioned,
  a: Page,
  b: Page,
  sectionId: string,
  act: () => Promise<void>,
  expected: string
): Promise<void> {
  await act()
  await expect(badge(b, sectionId)).toContainText('ann')
  // Done saves what the section holds and releases it (also when the search panel has the focus).
  await a.getByTestId('done').click()
  await expect(badge(b, sectionId)).toHaveCount(0)
  await expect.poll(() => disk(sectioned), { message: sectionId }).toBe(expected)
}

test('the first keystrokes into a free section are applied: Enter, Backspace, Delete, paste, replace all, “(”', async ({
  sectioned
}) => {
  const { a, b } = await annAndBob(sectioned, FREE, 'Note xz')
  await a.context().grantPermissions(['clipboard-read', 'clipboard-write'])
  let doc = FREE.replace('enter-here', 'enter-here\n')
  await firstEdit(
    sectioned,
    a,
    b,
    'enter',
    async () => {
      await caretAtEndOf(a, 'enter-here')
      await a.keyboard.press('Enter')
    },
    doc
  )
  doc = doc.replace('backspaceX', 'backspace')
  await firstEdit(
    sectioned,
    a,
    b,
    'backspace',
    async () => {
      await caretAtEndOf(a, 'backspaceX')
      await a.keyboard.press('Backspace')
    },
    doc
  )
  doc = doc.replace('Xdelete', 'delete')
  await firstEdit(
    sectioned,
    a,
    b,
    'delete',
    async () => {
      await line(a, 'Xdelete').click()
      await a.keyboard.press('Home')
      await a.keyboard.press('Delete')
    },
    doc
  )
  // A real paste from the system clipboard (Ctrl+V), not an insertText.
  doc = doc.replace('paste-here', 'paste-herePASTED')
  await firstEdit(
    sectioned,
    a,
    b,
    'paste',
    async () => {
      await a.evaluate(() => navigator.clipboard.writeText('PASTED'))
      await caretAtEndOf(a, 'paste-here')
      await a.keyboard.press('Control+v')
    },
    doc
  )
  doc = doc.replace('replace-me', 'replaced')
  await firstEdit(
    sectioned,
    a,
    b,
    'replace',
    async () => {
      await caretAtEndOf(a, 'replace-me')
      await a.keyboard.press('Control+f')
      await a.locator('.cm-search input[name=search]').fill('replace-me')
      await a.locator('.cm-search input[name=replace]').fill('replaced')
      await a.locator('.cm-search button[name=replaceAll]').click()
    },
    doc
  )
  await a.locator('.cm-search button[name=close]').click()
  // "(" auto-closes at a line end: typed at once after the click, while the lock is on its way.
  doc = doc.replace('Note xz', 'Note x(y)z')
  await firstEdit(
    sectioned,
    a,
    b,
    'paren',
    async () => {
      await line(a, 'Note xz').click()
      await a.keyboard.press('End')
      await a.keyboard.press('ArrowLeft')
      await a.keyboard.type('(y)')
    },
    doc
  )
  doc = doc.replace('Note x\n', 'Note x(y)z\n')
  await firstEdit(
    sectioned,
    a,
    b,
    'paren-end',
    async () => {
      await a.locator('.cm-line', { hasText: /^Note x$/ }).click()
      await a.keyboard.press('End')
      await a.keyboard.type('(y)z')
    },
    doc
  )
  await expect.poll(() => editorText(b)).toBe(doc)
})

test('restore: the restorer’s editor shows the version at once, and typing continues from it', async ({
  sectioned
}) => {
  const { a, b } = await annAndBob(sectioned)
  for (const word of [' One.', ' Two.', ' Three.']) {
    await typeAtEndOf(a, 'Money is tight', word)
    await save(a)
    await expect.poll(() => disk(sectioned)).toContain(word)
  }
  await a.getByTestId('done').click()
  await expect(badge(b, 'budget')).toHaveCount(0)
  await expect(b.locator('.cm-content')).toContainText('One. Two. Three.')
  await b.locator('li[data-section=budget]').hover()
  await b.getByTestId('history-budget').click()
  await expect(b.getByTestId('history-panel')).toContainText('v4')
  await b.getByTestId('version-1').locator('summary').click()
  await b.getByTestId('restore-1').click()
  await expect.poll(() => disk(sectioned)).toBe(PLAN)
  await expect.poll(() => editorText(b)).toBe(PLAN)
  await expect.poll(() => editorText(a)).toBe(PLAN)
  await expect(badge(a, 'budget')).toContainText('bob')
  await expect(b.getByTestId('conflict-view')).toHaveCount(0)
  await typeAtEndOf(b, 'Money is tight.', ' Bob.')
  const expected = appendToLine(PLAN, 'Money is tight.', ' Bob.')
  await expect.poll(() => disk(sectioned), { timeout: 10_000 }).toBe(expected)
  await expect.poll(() => editorText(a)).toBe(expected)
  await sectioned.shot(b, 'restore-then-type')
})

const SHORTCUTS = [
  '# Intro',
  '',
  'first line',
  'second line',
  '',
  '# Budget',
  '',
  'Money is tight.',
  'Costs are high.',
  ''
].join('\n')

test('Ctrl+Enter is Done; Alt+↓/↑ move the cursor between sections and change no text, take no lock', async ({
  sectioned
}) => {
  const { a, b } = await annAndBob(sectioned, SHORTCUTS, 'Costs are high.')
  // Ctrl+Enter in a held section: saves and releases, inserts nothing.
  await typeAtEndOf(a, 'Money is tight.', ' Edit.')
  await expect(badge(b, 'budget')).toContainText('ann')
  await a.keyboard.press('Control+Enter')
  await expect(badge(b, 'budget')).toHaveCount(0)
  const afterDone = appendToLine(SHORTCUTS, 'Money is tight.', ' Edit.')
  await expect.poll(() => disk(sectioned)).toBe(afterDone)
  await a.waitForTimeout(AFTER_AUTOSAVE_MS)
  expect(await disk(sectioned)).toBe(afterDone)

  // Alt+↑ in a held section: the cursor goes to the previous section's heading; no line moves.
  await typeAtEndOf(a, 'Costs are high.', ' Held.')
  await expect(badge(b, 'budget')).toContainText('ann')
  await a.keyboard.press('Alt+ArrowUp')
  await a.keyboard.press('Control+s')
  const afterUp = appendToLine(afterDone, 'Costs are high.', ' Held.')
  await expect.poll(() => disk(sectioned)).toBe(afterUp)
  await a.getByTestId('done').click()
  await expect(badge(b, 'budget')).toHaveCount(0)

  // Alt+↓ in a free section: no lock, no change.
  await line(a, 'second line').click()
  await a.keyboard.press('Alt+ArrowDown')
  await a.waitForTimeout(1_500)
  await expect(badge(b, 'intro')).toHaveCount(0)
  expect(await editorText(a)).toBe(afterUp)
  expect(await disk(sectioned)).toBe(afterUp)
  const status = await sectioned.cli('status', sectioned.folder, '--json')
  expect(status.stdout).not.toContain('"intro"')
})

test('undo after Done takes the section again and saves: editor and file agree, also after a reload', async ({
  sectioned
}) => {
  const { a, b } = await annAndBob(sectioned)
  await typeAtEndOf(a, 'Money is tight.', ' Kept.')
  await expect(badge(b, 'budget')).toContainText('ann')
  await a.getByTestId('done').click()
  await expect(badge(b, 'budget')).toHaveCount(0)
  await expect.poll(() => disk(sectioned)).toContain(' Kept.')
  await line(a, 'Hello from the intro.').click()
  await a.keyboard.press('Control+z')
  await expect(badge(b, 'budget')).toContainText('ann')
  await expect.poll(() => disk(sectioned), { timeout: 10_000 }).toBe(PLAN)
  expect(await editorText(a)).toBe(await disk(sectioned))
  await a.reload()
  await a.getByRole('button', { name: 'plan.md' }).click()
  await expect(a.locator('.cm-content')).toContainText('Money is tight')
  expect(await editorText(a)).toBe(await disk(sectioned))
  // Undo into a section someone else now holds is refused with a notice, and changes nothing.
  await typeAtEndOf(a, 'Hello from the intro.', ' Mine.')
  await a.getByTestId('done').click()
  await expect.poll(() => disk(sectioned)).toContain(' Mine.')
  await typeAtEndOf(b, 'Hello from the intro. Mine.', ' Bob.')
  await expect(badge(a, 'intro')).toContainText('bob')
  const before = await editorText(a)
  await line(a, 'Money is tight.').click()
  await a.keyboard.press('Control+z')
  await expect(lastNotice(a)).toContainText('“Intro” is being edited by bob')
  expect(await editorText(a)).toBe(before)
})

for (const runBeforeUnload of [false, true]) {
  test(`closing the window 300 ms after typing keeps the typing (${runBeforeUnload ? 'with' : 'without'} beforeunload)`, async ({
    sectioned
  }) => {
    const { ann, a, b } = await annAndBob(sectioned)
    await typeAtEndOf(a, 'Money is tight.', ' First.')
    await expect(badge(b, 'budget')).toContainText('ann')
    await a.keyboard.type(' Last words.')
    await a.waitForTimeout(300)
    await a.close({ runBeforeUnload })
    await expect(badge(b, 'budget')).toHaveCount(0, { timeout: 10_000 })
    const file = await disk(sectioned)
    const journal = await journalTexts(ann)
    // In the file, or in this computer's journal (never only in a closed window).
    expect(file.includes('First. Last words.') || journal.some((t) => t.includes('First. Last words.'))).toBe(
      true
    )
    // The next window of the same instance offers journalled text the file lacks; Re-apply saves it.
    const a2 = await ann.open('plan.md', 'Money is tight.')
    if (!file.includes('First. Last words.')) {
      const offer = a2.locator('[data-testid=notice][data-key="journal:budget"]')
      await expect(offer).toBeVisible()
      await sectioned.shot(a2, 'journal-offered')
      await offer.getByText('Your text (kept as a draft)').click()
      await offer.getByTestId('reapply-draft').click()
    }
    await expect
      .poll(() => disk(sectioned), { timeout: 10_000 })
      .toContain('Money is tight. First. Last words.')
    expect(count(await disk(sectioned), 'Last words.')).toBe(1)
  })
}

test('the web host dies while typing: read-only at once, nothing lost, back by itself when it restarts', async ({
  sectioned
}) => {
  const { ann, a, b } = await annAndBob(sectioned)
  await typeAtEndOf(a, 'Money is tight.', ' Before kill.')
  await expect(badge(b, 'budget')).toContainText('ann')
  await a.waitForTimeout(300) // the journal is written at most 100 ms after a keystroke
  await ann.host.kill()
  await expect(a.getByTestId('offline-banner')).toBeVisible({ timeout: 3_000 })
  await expect(a.getByTestId('done')).toHaveCount(0)
  await expect(a.getByTestId('save')).toHaveCount(0)
  await expect(a.getByTestId('editing')).not.toContainText('Editing')
  const before = await editorText(a)
  await typeAtEndOf(a, 'Before kill.', ' After kill.')
  expect(await editorText(a)).toBe(before)
  await sectioned.shot(a, 'host-killed')
  const file = await disk(sectioned)
  expect(
    file.includes('Before kill.') ||
      (await journalTexts(ann)).some((t) => t.includes('Money is tight. Before kill.'))
  ).toBe(true)
  // The host comes back on the same address: the page reconnects, takes the section again, saves.
  await ann.restart()
  await expect(a.getByTestId('connection')).toHaveText('Connected', { timeout: 20_000 })
  await expect(a.getByTestId('offline-banner')).toHaveCount(0)
  const expected = appendToLine(PLAN, 'Money is tight.', ' Before kill.')
  await expect.poll(() => disk(sectioned), { timeout: 15_000 }).toBe(expected)
  await expect(badge(b, 'budget')).toContainText('ann')
  await typeAtEndOf(a, 'Before kill.', ' Back.')
  await expect
    .poll(() => disk(sectioned), { timeout: 10_000 })
    .toBe(appendToLine(PLAN, 'Money is tight.', ' Before kill. Back.'))
  await sectioned.shot(a, 'host-restarted')
})
