/**
 * File operations from the folder tree (issue 14): the context menu and the keyboard (F2, Delete)
 * rename, move, create, duplicate and delete to the trash — checked on disk, in another instance's
 * tree, and with the admin CLI's view of the trash.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test, type Sectioned } from './fixtures'
import { badge, typeAtEndOf } from './writer'

/** Ann's and Bob's windows (two instances) on a one-section `plan.md`. */
async function annAndBobOnPlan(sectioned: Sectioned): Promise<{ a: Page; b: Page }> {
  await sectioned.files({ 'plan.md': '# Plan\n\nThe plan.\n' })
  const ann = await sectioned.start({ user: 'ann' })
  const bob = await sectioned.start({ user: 'bob' })
  return { a: await ann.open('plan.md', 'The plan.'), b: await bob.open('plan.md', 'The plan.') }
}

const exists = (folder: string, rel: string) =>
  fs.lstat(path.join(folder, rel)).then(
    () => true,
    () => false
  )

test('rename, create, duplicate and delete from the folder tree, by menu and by keyboard', async ({
  sectioned
}) => {
  const { a, b } = await annAndBobOnPlan(sectioned)
  const tree = a.getByRole('navigation', { name: 'Documents' })

  // Rename (a move into a new folder) from the context menu; the open editor follows it.
  await tree.getByRole('button', { name: 'plan.md' }).click({ button: 'right' })
  await a.getByRole('menuitem', { name: 'Rename… (F2)' }).click()
  await tree.getByLabel('New name for plan.md').fill('notes/plan-v2.md')
  await tree.getByLabel('New name for plan.md').press('Enter')
  await expect(tree.getByRole('button', { name: 'notes/plan-v2.md' })).toBeVisible()
  expect(await exists(sectioned.folder, 'plan.md')).toBe(false)
  expect((await sectioned.read('notes/plan-v2.md')).toString()).toBe('# Plan\n\nThe plan.\n')
  await expect(a.locator('.cm-content')).toContainText('The plan.')
  // The other instance's tree follows through its watcher.
  const bobTree = b.getByRole('navigation', { name: 'Documents' })
  await expect(bobTree.getByRole('button', { name: 'notes/plan-v2.md' })).toBeVisible()
  await expect(bobTree.getByRole('button', { name: 'plan.md', exact: true })).toHaveCount(0)
  // Bob had it open: his watcher tells a rename from a delete, and his editor follows the new name.
  await expect(b.locator('.editor-toolbar strong')).toHaveText('notes/plan-v2.md')
  await expect(b.locator('.cm-content')).toContainText('The plan.')
  await expect(b.getByText(/moved away/)).toHaveCount(0)

  // A bad name is refused with the reason, and nothing changes.
  await tree.getByRole('button', { name: 'notes/plan-v2.md' }).focus()
  await a.keyboard.press('F2')
  await tree.getByLabel('New name for notes/plan-v2.md').fill('notes/CON.md')
  await a.keyboard.press('Enter')
  await expect(a.getByText(/device name on Windows/)).toBeVisible()
  await a.keyboard.press('Escape')
  expect(await exists(sectioned.folder, 'notes/plan-v2.md')).toBe(true)

  // New document from the tree's background menu.
  await tree.getByRole('heading', { name: 'Documents' }).click({ button: 'right' })
  await a.getByRole('menuitem', { name: 'New document' }).click()
  await tree.getByLabel('New document name').fill('ideas')
  await a.keyboard.press('Enter')
  await expect(tree.getByRole('button', { name: 'ideas.md' })).toBeVisible()
  expect((await sectioned.read('ideas.md')).length).toBe(0)

  // Duplicate from the menu opened with the keyboard (Shift+F10).
  await tree.getByRole('button', { name: 'notes/plan-v2.md' }).focus()
  await a.keyboard.press('Shift+F10')
  await a.getByRole('menuitem', { name: 'Duplicate' }).click()
  await expect(tree.getByRole('button', { name: 'notes/plan-v2 copy.md' })).toBeVisible()
  expect((await sectioned.read('notes/plan-v2 copy.md')).toString()).toBe('# Plan\n\nThe plan.\n')

  // Delete (to the trash) with the Delete key; the CLI lists it and restores it.
  await tree.getByRole('button', { name: 'notes/plan-v2 copy.md' }).focus()
  await a.keyboard.press('Delete')
  await expect(tree.getByRole('button', { name: 'notes/plan-v2 copy.md' })).toHaveCount(0)
  expect(await exists(sectioned.folder, 'notes/plan-v2 copy.md')).toBe(false)
  const trash = await sectioned.cli('trash', sectioned.folder, '--json')
  const [entry] = JSON.parse(trash.stdout) as { id: string; original: string; by: string }[]
  expect(entry).toMatchObject({ original: 'notes/plan-v2 copy.md', by: 'ann' })
  await sectioned.shot(a, 'folder-tree-file-ops')
  expect((await sectioned.cli('restore', sectioned.folder, entry.id)).code).toBe(0)
  await expect(tree.getByRole('button', { name: 'notes/plan-v2 copy.md' })).toBeVisible()
})

test('a document renamed outside the app (a file manager, mv): the open editor follows it, not "deleted"', async ({
  sectioned
}) => {
  await sectioned.files({ 'plan.md': '# Plan\n\nThe plan.\n' })
  const bob = await sectioned.start({ user: 'bob' })
  const b = await bob.open('plan.md', 'The plan.')
  await fs.mkdir(path.join(sectioned.folder, 'archive'))
  await fs.rename(path.join(sectioned.folder, 'plan.md'), path.join(sectioned.folder, 'archive', 'plan.md'))
  await expect(b.locator('.editor-toolbar strong')).toHaveText('archive/plan.md')
  await expect(b.locator('.cm-content')).toContainText('The plan.')
  await expect(b.getByText(/moved away/)).toHaveCount(0)
  const tree = b.getByRole('navigation', { name: 'Documents' })
  await expect(tree.getByRole('button', { name: 'plan.md', exact: true })).toHaveCount(0)
  await sectioned.shot(b, 'renamed-outside-followed')
})

test('folders are rows (a new empty one too); drag a document onto a folder, a document in it or the heading to move it; restore from the trash', async ({
  sectioned
}) => {
  await sectioned.files({ 'plan.md': '# Plan\n\nThe plan.\n', 'notes/ideas.md': '# Ideas\n\nSome.\n' })
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('plan.md', 'The plan.')
  const tree = a.getByRole('navigation', { name: 'Documents' })
  const bob = await sectioned.start({ user: 'bob' })
  const b = await bob.open('notes/ideas.md', 'Some.')
  const bobTree = b.getByRole('navigation', { name: 'Documents' })
  await expect(bobTree.locator('.tree-folder', { hasText: 'notes/' })).toBeVisible()
  // A saved version first, to see the history follow the moves; then Done (a held section refuses a move).
  await typeAtEndOf(a, 'The plan.', ' Saved.')
  await expect(badge(a, 'plan')).toContainText('You')
  await a.keyboard.press('Control+Enter')
  await expect
    .poll(async () => (await sectioned.read('plan.md')).toString())
    .toBe('# Plan\n\nThe plan. Saved.\n')
  await expect(badge(a, 'plan')).toHaveCount(0)

  // Onto a document in notes/: moved into notes/, with its text; the open editor follows.
  await tree
    .getByRole('button', { name: 'plan.md', exact: true })
    .dragTo(tree.getByRole('button', { name: 'notes/ideas.md' }))
  await expect(tree.getByRole('button', { name: 'notes/plan.md' })).toBeVisible()
  expect(await exists(sectioned.folder, 'plan.md')).toBe(false)
  expect((await sectioned.read('notes/plan.md')).toString()).toBe('# Plan\n\nThe plan. Saved.\n')
  await expect(a.locator('.editor-toolbar strong')).toHaveText('notes/plan.md')

  // Onto a document of its own folder: nothing happens. Onto the heading: back to the top.
  await tree
    .getByRole('button', { name: 'notes/plan.md' })
    .dragTo(tree.getByRole('button', { name: 'notes/ideas.md' }))
  expect(await exists(sectioned.folder, 'notes/plan.md')).toBe(true)
  await tree
    .getByRole('button', { name: 'notes/plan.md' })
    .dragTo(tree.getByRole('heading', { name: 'Documents' }))
  await expect(tree.getByRole('button', { name: 'plan.md', exact: true })).toBeVisible()
  expect((await sectioned.read('plan.md')).toString()).toBe('# Plan\n\nThe plan. Saved.\n')
  expect(await exists(sectioned.folder, 'notes/plan.md')).toBe(false)
  // The history came along both moves: the version saved before them is listed under the new name.
  const history = await sectioned.cli('history', path.join(sectioned.folder, 'plan.md'), 'plan', '--json')
  expect(history.code, history.stderr).toBe(0)
  const { versions } = JSON.parse(history.stdout) as { versions: { version: number }[] }
  expect(versions.map((v) => v.version)).toContain(1)

  // A new folder from a folder's menu: an empty folder is a row, and a drop target.
  await tree.locator('.tree-folder', { hasText: 'notes/' }).click({ button: 'right' })
  await a.getByRole('menuitem', { name: 'New folder' }).click()
  await expect(tree.getByLabel('New folder name')).toHaveValue('notes/')
  await tree.getByLabel('New folder name').fill('archive')
  await a.keyboard.press('Enter')
  const archive = tree.locator('.tree-folder', { hasText: 'archive/' })
  await expect(archive).toBeVisible()
  expect((await fs.stat(path.join(sectioned.folder, 'archive'))).isDirectory()).toBe(true)
  // Bob's tree shows the empty folder before anything is in it; one made and removed outside the
  // app comes and goes in both trees.
  await expect(bobTree.locator('.tree-folder', { hasText: 'archive/' })).toBeVisible()
  await fs.mkdir(path.join(sectioned.folder, 'outside'))
  for (const t of [tree, bobTree])
    await expect(t.locator('.tree-folder', { hasText: 'outside/' })).toBeVisible()
  await fs.rmdir(path.join(sectioned.folder, 'outside'))
  for (const t of [tree, bobTree])
    await expect(t.locator('.tree-folder', { hasText: 'outside/' })).toHaveCount(0)
  await tree.getByRole('button', { name: 'plan.md', exact: true }).dragTo(archive)
  await expect(tree.getByRole('button', { name: 'archive/plan.md' })).toBeVisible()
  expect((await sectioned.read('archive/plan.md')).toString()).toBe('# Plan\n\nThe plan. Saved.\n')
  // Bob's tree follows: the folder and the document in it.
  await expect(bobTree.locator('.tree-folder', { hasText: 'archive/' })).toBeVisible()
  await expect(bobTree.getByRole('button', { name: 'archive/plan.md' })).toBeVisible()
  await sectioned.shot(a, 'folder-tree-folders')

  // Delete, then restore from the trash dialog: the file is back with its bytes.
  await tree.getByRole('button', { name: 'notes/ideas.md' }).focus()
  await a.keyboard.press('Delete')
  await expect(tree.getByRole('button', { name: 'notes/ideas.md' })).toHaveCount(0)
  expect(await exists(sectioned.folder, 'notes/ideas.md')).toBe(false)
  await tree.getByRole('heading', { name: 'Documents' }).click({ button: 'right' })
  await a.getByRole('menuitem', { name: 'Trash…' }).click()
  const dialog = a.getByRole('dialog', { name: 'Trash' })
  await expect(dialog).toContainText('notes/ideas.md')
  await expect(dialog).toContainText('deleted by ann')
  await sectioned.shot(a, 'trash-dialog')
  await dialog.getByRole('button', { name: 'Restore notes/ideas.md' }).click()
  await expect(dialog).toContainText('The trash is empty.')
  expect((await sectioned.read('notes/ideas.md')).toString()).toBe('# Ideas\n\nSome.\n')
  await a.keyboard.press('Escape')
  await expect(dialog).toHaveCount(0)
  await expect(tree.getByRole('button', { name: 'notes/ideas.md' })).toBeVisible()
})

test('a rename while another writer holds a section is refused, naming the writer; nothing moves and the writer keeps typing', async ({
  sectioned
}) => {
  const { a, b } = await annAndBobOnPlan(sectioned)
  await typeAtEndOf(b, 'The plan.', ' Bob types.')
  await expect(badge(a, 'plan')).toContainText('bob')

  const tree = a.getByRole('navigation', { name: 'Documents' })
  await tree.getByRole('button', { name: 'plan.md' }).focus()
  await a.keyboard.press('F2')
  await tree.getByLabel('New name for plan.md').fill('renamed.md')
  await a.keyboard.press('Enter')
  await expect(a.getByTestId('notice').last()).toContainText('being edited by bob')
  expect(await exists(sectioned.folder, 'renamed.md')).toBe(false)

  // Bob's section is still his: Done saves it under the old name.
  await expect(badge(b, 'plan')).toContainText('You')
  await b.keyboard.type(' More.')
  await b.keyboard.press('Control+Enter')
  await expect
    .poll(async () => (await sectioned.read('plan.md')).toString())
    .toBe('# Plan\n\nThe plan. Bob types. More.\n')
})
