/**
 * The history panel as a writer uses it: it follows saves while open (a colleague's too), shows a
 * change word by word, and reaches the versions of a section the document no longer has.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { expect, test } from './fixtures'
import { annAndBob } from './everyday'
import { PLAN } from './documents'
import { badge, save, typeAtEndOf } from './writer'

test('the open history follows a colleague’s saves; a changed word is marked as one word', async ({
  sectioned
}) => {
  const { a, b } = await annAndBob(sectioned)
  await b.locator('li[data-section=budget]').hover()
  await b.getByTestId('history-budget').click()
  await expect(b.getByTestId('history-panel')).toContainText('No versions yet.')
  await typeAtEndOf(a, 'Money is tight.', ' Alpha plan.')
  await save(a)
  await expect.poll(async () => (await sectioned.read('plan.md')).toString()).toContain('tight. Alpha plan.')
  // Bob did nothing: the panel lists the new versions by itself.
  await expect(b.getByTestId('version-2')).toBeVisible()
  for (let i = 0; i < 'Alpha plan.'.length; i++) await a.keyboard.press('Backspace')
  await a.keyboard.type('Omega plan.')
  await save(a)
  await expect.poll(async () => (await sectioned.read('plan.md')).toString()).toContain('tight. Omega plan.')
  await expect(b.getByTestId('version-3')).toBeVisible()
  await b.getByTestId('version-2').locator('summary').click()
  const diff = b.getByTestId('version-2').getByTestId('history-diff')
  await expect(diff.locator('del')).toHaveText(['Alpha'])
  await expect(diff.locator('ins')).toHaveText(['Omega'])
  await expect(diff).toContainText('Money is tight. ')
  await sectioned.shot(b, 'history-word-diff')
})

test('a section deleted from the file keeps its versions, reachable from the history panel', async ({
  sectioned
}) => {
  const { a, b } = await annAndBob(sectioned)
  await typeAtEndOf(a, 'Hello from the intro.', ' Kept words.')
  await save(a)
  await expect.poll(async () => (await sectioned.read('plan.md')).toString()).toContain('intro. Kept words.')
  await a.getByTestId('done').click()
  await expect(badge(b, 'intro')).toHaveCount(0)
  // Someone removes the Intro section outside the app.
  const without = PLAN.replace('# Intro\n\nHello from the intro.\n\n', '')
  await fs.writeFile(path.join(sectioned.folder, 'plan.md'), without)
  await expect(b.locator('li[data-section=intro]')).toHaveCount(0)
  await b.locator('li[data-section=budget]').hover()
  await b.getByTestId('history-budget').click()
  await b.getByTestId('show-deleted-sections').click()
  const list = b.getByTestId('deleted-sections')
  await expect(list).toContainText('Intro')
  await expect(list).toContainText('2 versions')
  await list.getByRole('button', { name: 'Intro' }).click()
  await expect(b.getByTestId('history-panel')).toContainText('History of “Intro” (deleted)')
  await b.getByTestId('version-2').locator('summary').click()
  await expect(b.getByTestId('version-2')).toContainText('Hello from the intro. Kept words.')
  await expect(b.getByTestId('version-2').getByRole('button', { name: 'Copy this version' })).toBeVisible()
  await expect(b.getByTestId('restore-2')).toHaveCount(0)
  await sectioned.shot(b, 'history-deleted-section')
  // The file was not touched by looking.
  expect((await sectioned.read('plan.md')).toString()).toBe(without)
})
