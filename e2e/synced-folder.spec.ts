/**
 * A workspace kept by a sync client (here Syncthing, known by its `.stfolder` marker): both
 * instances poll, the status bar warns that locks are only as good as the client, and a save still
 * reaches the other writer.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { expect, test } from './fixtures'
import { disk, FILE_LIMIT_MS } from './everyday'
import { save, typeAtEndOf } from './writer'

test('a Syncthing folder is polled, the status bar warns, and a save reaches the other writer', async ({
  sectioned
}) => {
  await fs.mkdir(path.join(sectioned.folder, '.stfolder'))
  await sectioned.files({ 'plan.md': '# Plan\n\nMoney is tight.\n\n# Risks\n\nRain.\n' })
  const ann = await sectioned.start({ user: 'ann' })
  const bob = await sectioned.start({ user: 'bob' })
  const a = await ann.open('plan.md', 'Money is tight.')
  const b = await bob.open('plan.md', 'Money is tight.')
  for (const p of [a, b]) {
    await expect(p.getByTestId('watch-mode')).toContainText('polling')
    await expect(p.getByTestId('synced-warning')).toContainText('kept by Syncthing')
    await expect(p.getByTestId('synced-warning')).toHaveAttribute('title', /only as good as Syncthing/)
  }
  await typeAtEndOf(a, 'Money is tight.', ' Synced note.')
  await save(a)
  await expect
    .poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS })
    .toContain('Money is tight. Synced note.')
  await expect(b.locator('.cm-content')).toContainText('Synced note.', { timeout: FILE_LIMIT_MS })
  await sectioned.shot(b, 'synced-folder-warning')
})
