/**
 * The main screen with two writers' locks, as the README shows it: ann and bob on the sample
 * workspace, each holding a section of "Team notes.md", ann's preview open. The screenshot goes to
 * the report; `UPDATE_SCREENSHOT=1 npm run test:e2e -- e2e/readme-screenshot.spec.ts` also writes
 * it to docs/screenshot.png.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { REPO } from './host-process'
import { expect, test } from './fixtures'
import { badge, save, typeAtEndOf } from './writer'

test('the main screen with two writers’ locks', async ({ sectioned }) => {
  await fs.cp(path.join(REPO, 'resources', 'sample-workspace'), sectioned.folder, { recursive: true })
  const [ann, bob] = await Promise.all([
    sectioned.start({ user: 'ann', hostName: 'ann-laptop' }),
    sectioned.start({ user: 'bob', hostName: 'bob-desktop' })
  ])
  const a = await ann.open('Team notes.md', 'Ann drafts')
  const b = await bob.open('Team notes.md', 'Ann drafts')
  await a.setViewportSize({ width: 1400, height: 760 })
  await typeAtEndOf(a, 'Ben reviews chapter one.', ' Ann adds the budget table.')
  await typeAtEndOf(b, 'arrive from the other side.', ' Bob checks the dates.')
  await save(b)
  await expect(badge(a, 'tuesday')).toContainText('bob')
  await expect(badge(b, 'monday')).toContainText('ann')
  await expect(a.locator('.cm-content')).toContainText('Bob checks the dates.')
  await a.getByTestId('toggle-preview').click()
  await expect(a.getByTestId('preview')).toContainText('Bob checks the dates.')
  await a.locator('.cm-line', { hasText: 'Ann adds the budget table.' }).click()
  await sectioned.shot(a, 'main-screen')
  if (process.env.UPDATE_SCREENSHOT === '1') {
    await a.screenshot({ path: path.join(REPO, 'docs', 'screenshot.png') })
  }
})
