/**
 * What a writer does without thinking, in two instances (ann, bob) on one folder — each checked in
 * the FILE ON DISK (the ground truth) first, then in both windows: a heading typed inside a held
 * section, the first keystrokes into a free section, restore then type, the app's shortcuts, undo
 * after Done (closing the window and the host dying: everyday-resilience.spec.ts). Each of these
 * lost or duplicated text before the section-session model.
 *
 * Every test attaches screenshots of the key moment, the pages' uncaught errors and console errors,
 * and fails on an uncaught error in either page.
 */
import type { Page } from '@playwright/test'
import { PLAN, appendToLine } from './documents'
import { expect, test, type Sectioned } from './fixtures'
import { badge, caretAtEndOf, editorText, lastNotice, line, save, typeAtEndOf } from './writer'
import {
  AFTER_AUTOSAVE_MS,
  FILE_LIMIT_MS,
  annAndBob,
  count,
  disk,
  fileHeadings,
  lockHolders,
  outline
} from './everyday'

test('1. a heading typed inside a held section becomes one section, held by its writer, in every window', async ({
  sectioned
}) => {
  const { a, b, errors } = await annAndBob(sectioned)
  await typeAtEndOf(a, 'Money is tight.', ' More.')
  await expect(badge(b, 'budget')).toContainText('ann')
  for (const key of ['Enter', 'Enter']) await a.keyboard.press(key)
  await a.keyboard.type('## Dates')
  for (const key of ['Enter', 'Enter']) await a.keyboard.press(key)
  await a.keyboard.type('Monday is the deadline.')
  // The outline shows the new heading before it is saved.
  await expect(a.getByTestId('outline-item').filter({ hasText: 'Dates' })).toContainText('new')
  await save(a)
  await expect.poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS }).toContain('Monday is the deadline.')
  // Typing goes on in the section the save just created; the autosave writes it.
  await a.keyboard.type(' Tuesday too.')
  const expected = appendToLine(
    PLAN,
    'Money is tight.',
    ' More.\n\n## Dates\n\nMonday is the deadline. Tuesday too.'
  )
  await expect.poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS }).toBe(expected)
  await a.waitForTimeout(AFTER_AUTOSAVE_MS)
  const file = await disk(sectioned)
  expect(count(file, '## Dates')).toBe(1)
  expect(count(file, 'Monday is the deadline.')).toBe(1)
  expect(file).toBe(expected)
  // Both editors and both outlines agree with the file (as the CLI parses it); Dates is ann's.
  await expect.poll(() => editorText(a)).toBe(expected)
  await expect.poll(() => editorText(b)).toBe(expected)
  const headings = await fileHeadings(sectioned)
  expect(headings).toEqual(['Preamble', 'Intro', 'Budget', 'Dates'])
  await expect.poll(() => outline(a)).toEqual(headings)
  await expect.poll(() => outline(b)).toEqual(headings)
  await expect(a.getByTestId('outline-item').filter({ hasText: 'new' })).toHaveCount(0)
  await expect(badge(b, 'dates')).toContainText('ann')
  expect(await lockHolders(sectioned)).toMatchObject({ dates: 'ann' })
  await sectioned.shot(a, '1-new-heading-ann')

  // Nobody slips in: bob's typing into Dates is refused, naming ann; neither editor nor file changes.
  await typeAtEndOf(b, 'Monday is the deadline. Tuesday too.', ' Bob.')
  await expect(lastNotice(b)).toContainText('“Dates” is being edited by ann')
  await sectioned.shot(b, '1-new-heading-bob-refused')
  expect(await editorText(b)).toBe(expected)
  expect(await disk(sectioned)).toBe(expected)

  // After Done (Ctrl+Enter) the section is free: bob takes it and saves.
  await a.keyboard.press('Control+Enter')
  await expect(badge(b, 'dates')).toHaveCount(0)
  expect(await disk(sectioned)).toBe(expected)
  await typeAtEndOf(b, 'Monday is the deadline. Tuesday too.', ' Bob.')
  await expect(badge(a, 'dates')).toContainText('bob')
  const withBob = expected.replace('Tuesday too.', 'Tuesday too. Bob.')
  await expect.poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS }).toBe(withBob)
  await expect.poll(() => editorText(a)).toBe(withBob)
  await errors.check()
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

/**
 * Does `act` in a free section: the lock is taken (bob's badge), the autosave alone puts the edit
 * in the file (exactly `expected`), and Done then releases the section without changing the file.
 */
async function firstEdit(
  sectioned: Sectioned,
  a: Page,
  b: Page,
  sectionId: string,
  act: () => Promise<void>,
  expected: string
): Promise<void> {
  await expect(badge(b, sectionId)).toHaveCount(0)
  await act()
  await expect(badge(b, sectionId)).toContainText('ann')
  await expect
    .poll(() => disk(sectioned), { message: `${sectionId}: autosaved`, timeout: FILE_LIMIT_MS })
    .toBe(expected)
  expect(await editorText(a)).toBe(expected)
  // Done saves what the section holds and releases it (also when the search panel has the focus).
  await a.getByTestId('done').click()
  await expect(badge(b, sectionId)).toHaveCount(0)
  await expect(a.getByTestId('done')).toHaveCount(0)
  expect(await disk(sectioned), `${sectionId}: Done changed nothing more`).toBe(expected)
}

test('2. the first keystrokes into a free section are kept: Enter, Backspace, Delete, Ctrl+V, replace all, “(”', async ({
  sectioned
}) => {
  const { a, b, errors } = await annAndBob(sectioned, FREE, 'Note xz')
  await a.context().grantPermissions(['clipboard-read', 'clipboard-write'])
  // Each case: the section, what its text becomes, and what the writer does.
  const cases: { id: string; from: string; to: string; act: () => Promise<void> }[] = [
    {
      id: 'enter',
      from: 'enter-here',
      to: 'enter-here\n',
      act: async () => {
        await caretAtEndOf(a, 'enter-here')
        await a.keyboard.press('Enter')
      }
    },
    {
      id: 'backspace',
      from: 'backspaceX',
      to: 'backspace',
      act: async () => {
        await caretAtEndOf(a, 'backspaceX')
        await a.keyboard.press('Backspace')
      }
    },
    {
      id: 'delete',
      from: 'Xdelete',
      to: 'delete',
      act: async () => {
        await line(a, 'Xdelete').click()
        await a.keyboard.press('Home')
        await a.keyboard.press('Delete')
      }
    },
    {
      // A real paste from the system clipboard: written with navigator.clipboard (permission
      // granted), pasted with Ctrl+V — not an insertText.
      id: 'paste',
      from: 'paste-here',
      to: 'paste-herePASTED',
      act: async () => {
        await a.evaluate(() => navigator.clipboard.writeText('PASTED'))
        await caretAtEndOf(a, 'paste-here')
        await a.keyboard.press('Control+v')
      }
    },
    {
      id: 'replace',
      from: 'replace-me',
      to: 'replaced',
      act: async () => {
        await caretAtEndOf(a, 'replace-me')
        await a.keyboard.press('Control+f')
        await a.locator('.cm-search input[name=search]').fill('replace-me')
        await a.locator('.cm-search input[name=replace]').fill('replaced')
        await a.locator('.cm-search button[name=replaceAll]').click()
      }
    },
    {
      // "(" between two letters does not auto-close: "(y)" typed at once after the click.
      id: 'paren',
      from: 'Note xz',
      to: 'Note x(y)z',
      act: async () => {
        await a.locator('.cm-search button[name=close]').click()
        await line(a, 'Note xz').click()
        await a.keyboard.press('End')
        await a.keyboard.press('ArrowLeft')
        await a.keyboard.type('(y)')
      }
    },
    {
      // The writing page does not close brackets (a code editor's habit): "(y)z" typed right after
      // the click, while the lock is on its way, lands as typed.
      id: 'paren-end',
      from: 'Note x\n',
      to: 'Note x(y)z\n',
      act: async () => {
        await a.locator('.cm-line', { hasText: /^Note x$/ }).click()
        await a.keyboard.type('(y')
        await expect(a.locator('.cm-line', { hasText: /^Note x\(y$/ })).toHaveCount(1)
        await a.keyboard.type(')z')
      }
    }
  ]
  let doc = FREE
  for (const c of cases) {
    doc = doc.replace(c.from, c.to)
    await firstEdit(sectioned, a, b, c.id, c.act, doc)
  }
  await sectioned.shot(a, '2-first-keystrokes-ann')
  // Nothing arrives late: after one more autosave period the file is still exactly that.
  await a.waitForTimeout(AFTER_AUTOSAVE_MS)
  const file = await disk(sectioned)
  expect(file).toBe(doc)
  for (const [word, n] of [
    ['enter-here\n\n\n# Backspace', 1],
    ['PASTED', 1],
    ['replaced', 1],
    ['Note x(y)z\n', 2], // the Paren and Paren end sections
    ['(y))', 0],
    ['((', 0]
  ] as const)
    expect(count(file, word), word).toBe(n)
  await expect.poll(() => editorText(b)).toBe(doc)
  await errors.check()
})

test('3. restore: the restorer’s editor shows the version at once, and typing continues from it', async ({
  sectioned
}) => {
  const { a, b, errors } = await annAndBob(sectioned)
  for (const word of [' One.', ' Two.', ' Three.']) {
    await typeAtEndOf(a, 'Money is tight', word)
    await save(a)
    await expect.poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS }).toContain(word)
  }
  await a.getByTestId('done').click()
  await expect(badge(b, 'budget')).toHaveCount(0)
  await expect(b.locator('.cm-content')).toContainText('One. Two. Three.')
  await b.locator('li[data-section=budget]').hover()
  await b.getByTestId('history-budget').click()
  await expect(b.getByTestId('history-panel')).toContainText('v4')
  await b.getByTestId('version-1').locator('summary').click()
  await b.getByTestId('restore-1').click()
  // The file, the restorer's editor (without any refresh) and the other window all show v1.
  await expect.poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS }).toBe(PLAN)
  await expect.poll(() => editorText(b)).toBe(PLAN)
  await expect.poll(() => editorText(a)).toBe(PLAN)
  await expect(badge(a, 'budget')).toContainText('bob')
  await expect(b.getByTestId('conflict-view')).toHaveCount(0)
  await sectioned.shot(b, '3-restored-bob')
  await typeAtEndOf(b, 'Money is tight.', ' Bob.')
  const expected = appendToLine(PLAN, 'Money is tight.', ' Bob.')
  await expect.poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS }).toBe(expected)
  await expect.poll(() => editorText(b)).toBe(expected)
  await expect.poll(() => editorText(a)).toBe(expected)
  expect(count(await disk(sectioned), 'One.')).toBe(0)
  await sectioned.shot(a, '3-restored-then-typed-ann')
  await errors.check()
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

test('4. Ctrl+Enter is Done; Alt+↓/↑ move the cursor between sections and change no text, take no lock', async ({
  sectioned
}) => {
  const { a, b, errors } = await annAndBob(sectioned, SHORTCUTS, 'Costs are high.')
  const activeLine = a.locator('.cm-activeLine')
  // Ctrl+Enter in a held section: saves and releases, inserts nothing.
  await typeAtEndOf(a, 'Money is tight.', ' Edit.')
  await expect(badge(b, 'budget')).toContainText('ann')
  await a.keyboard.press('Control+Enter')
  await expect(badge(b, 'budget')).toHaveCount(0)
  const afterDone = appendToLine(SHORTCUTS, 'Money is tight.', ' Edit.')
  await expect.poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS }).toBe(afterDone)
  await a.waitForTimeout(AFTER_AUTOSAVE_MS)
  expect(await disk(sectioned)).toBe(afterDone)
  expect(await editorText(a)).toBe(afterDone)
  expect(await lockHolders(sectioned)).toEqual({})

  // Alt+↑ in a held section: the cursor goes to the previous section's heading; no line moves.
  await typeAtEndOf(a, 'Costs are high.', ' Held.')
  await expect(badge(b, 'budget')).toContainText('ann')
  await a.keyboard.press('Alt+ArrowUp')
  await expect(activeLine).toHaveText('# Intro')
  await sectioned.shot(a, '4-alt-up-in-held-section')
  await a.keyboard.press('Control+s')
  const afterUp = appendToLine(afterDone, 'Costs are high.', ' Held.')
  await expect.poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS }).toBe(afterUp)
  expect(await editorText(a)).toBe(afterUp)
  // The cursor is in the free Intro now: the save did not take it.
  await expect(badge(b, 'intro')).toHaveCount(0)
  await a.getByTestId('done').click()
  await expect(badge(b, 'budget')).toHaveCount(0)

  // Alt+↓ in a free section: the cursor moves to the next heading; no lock, no change.
  await line(a, 'second line').click()
  await a.keyboard.press('Alt+ArrowDown')
  await expect(activeLine).toHaveText('# Budget')
  await a.keyboard.press('Alt+ArrowUp')
  await expect(activeLine).toHaveText('# Intro')
  await a.waitForTimeout(1_500)
  await expect(badge(b, 'intro')).toHaveCount(0)
  await expect(badge(b, 'budget')).toHaveCount(0)
  await expect(a.getByTestId('done')).toHaveCount(0)
  expect(await lockHolders(sectioned)).toEqual({})
  expect(await editorText(a)).toBe(afterUp)
  expect(await disk(sectioned)).toBe(afterUp)
  await sectioned.shot(b, '4-bob-after-alt-keys')
  await errors.check()
})

test('5. undo after Done: editor and file agree (the section is taken again or the undo refused), also after a reload', async ({
  sectioned
}) => {
  const { a, b, errors } = await annAndBob(sectioned)
  // One input, so one undo step whatever the machine's load: typed key by key, CodeMirror starts a
  // new undo step after a 500 ms pause, and at load 25–44 one Ctrl+Z took back only "pt." or ".".
  await caretAtEndOf(a, 'Money is tight.')
  await a.keyboard.insertText(' Kept.')
  await expect(badge(b, 'budget')).toContainText('ann')
  await a.getByTestId('done').click()
  await expect(badge(b, 'budget')).toHaveCount(0)
  const kept = appendToLine(PLAN, 'Money is tight.', ' Kept.')
  await expect.poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS }).toBe(kept)
  await line(a, 'Hello from the intro.').click()
  await a.keyboard.press('Control+z')
  await a.waitForTimeout(AFTER_AUTOSAVE_MS)
  // Either outcome is allowed, as long as the editor never disagrees with the file.
  const retaken = (await badge(b, 'budget').count()) > 0
  test.info().annotations.push({ type: 'undo after Done', description: retaken ? 'taken again' : 'refused' })
  console.log(`[everyday] 5: undo after Done ${retaken ? 'took Budget again' : 'was refused'}`)
  if (retaken) {
    await expect(badge(b, 'budget')).toContainText('ann')
    await expect.poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS }).toBe(PLAN)
  } else {
    await expect(lastNotice(a)).toBeVisible()
    expect(await disk(sectioned)).toBe(kept)
  }
  expect(await editorText(a)).toBe(await disk(sectioned))
  await expect.poll(() => editorText(b)).toBe(await disk(sectioned))
  await sectioned.shot(a, '5-after-undo')
  await a.reload()
  await a.getByRole('button', { name: 'plan.md' }).click()
  await expect(a.locator('.cm-content')).toContainText('Money is tight')
  expect(await editorText(a)).toBe(await disk(sectioned))

  // Undo into a section someone else holds now is refused with a notice, and changes nothing.
  await typeAtEndOf(a, 'Hello from the intro.', ' Mine.')
  await a.getByTestId('done').click()
  await expect.poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS }).toContain(' Mine.')
  await typeAtEndOf(b, 'Hello from the intro. Mine.', ' Bob.')
  await expect(badge(a, 'intro')).toContainText('bob')
  const before = await editorText(a)
  await line(a, 'Money is tight.').click()
  await a.keyboard.press('Control+z')
  await expect(lastNotice(a)).toContainText('“Intro” is being edited by bob')
  await sectioned.shot(a, '5-undo-refused')
  expect(await editorText(a)).toBe(before)
  await expect
    .poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS })
    .toContain('Hello from the intro. Mine. Bob.')
  await a.waitForTimeout(AFTER_AUTOSAVE_MS)
  expect(await editorText(a)).toBe(await disk(sectioned))
  await errors.check()
})
