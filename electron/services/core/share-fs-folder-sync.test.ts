/**
 * writeFileAtomic opens the folder for its fsync beside writing the file and syncs it after the
 * rename (share-fs/write.ts). The folder synced must be the one the rename went into: one re-made
 * after the early open failed, or one that replaced the folder opened early (found by review,
 * 2026-11-30: both were acknowledged with no fsync of the folder the file landed in).
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { registerShareRoot, writeFileAtomic } from './share-fs'

let base: string
let dir: string

beforeEach(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'fsync-'))
  const root = path.join(base, 'share')
  await fs.mkdir(root)
  registerShareRoot(root)
  dir = path.join(root, '.sectioned', 'docs', 'd', 'history', 's1')
})

afterEach(async () => {
  vi.restoreAllMocks()
  await fs.rm(base, { recursive: true, force: true })
})

/**
 * Records the inode of every file or folder fsynced through fs.open; `beforeOpen` may hold an open
 * (by path) until the test has done something.
 */
function recordSyncs(beforeOpen: (p: string) => Promise<void> = async () => undefined): number[] {
  const synced: number[] = []
  const realOpen = fs.open.bind(fs)
  vi.spyOn(fs, 'open').mockImplementation(async (...args: Parameters<typeof fs.open>) => {
    await beforeOpen(String(args[0]))
    const h = await realOpen(...args)
    const realSync = h.sync.bind(h)
    h.sync = async () => {
      synced.push((await h.stat()).ino)
      return realSync()
    }
    return h
  })
  return synced
}

it('a folder seen plain <1 s ago, removed and made again by writeFileAtomic, is fsynced after the rename', async () => {
  await writeFileAtomic(path.join(dir, 'v000000001.json'), 'one') // dir now "seen plain"
  await fs.rm(dir, { recursive: true })
  const synced = recordSyncs()
  const file = path.join(dir, 'v000000002.json')
  await writeFileAtomic(file, 'two')
  expect(await fs.readFile(file, 'utf8')).toBe('two')
  expect(synced).toContain((await fs.stat(file)).ino) // the temp file, now the version
  expect(synced).toContain((await fs.stat(dir)).ino) // and the folder it was renamed into
})

it('a folder replaced between its early open and the temp file’s open: the new one is fsynced', async () => {
  await fs.mkdir(dir, { recursive: true })
  const file = path.join(dir, 'v000000001.json')
  let replaced!: () => void
  const folderReplaced = new Promise<void>((r) => (replaced = r))
  const synced = recordSyncs(async (p) => {
    if (p.startsWith(`${file}.`)) await folderReplaced // the temp file opens in the new folder
  })
  const write = writeFileAtomic(file, 'one')
  // Once the old folder is open (the spy is entered for it first), it is moved away and made anew.
  await vi.waitFor(() => expect(vi.mocked(fs.open).mock.calls.length).toBeGreaterThan(0))
  expect(String(vi.mocked(fs.open).mock.calls[0][0])).toBe(dir)
  const old = (await fs.stat(dir)).ino
  await vi.waitFor(() => expect(vi.mocked(fs.open).mock.results[0]?.type).toBe('return'))
  await vi.mocked(fs.open).mock.results[0].value
  await fs.rename(dir, `${dir}-old`)
  await fs.mkdir(dir)
  replaced()
  await write
  expect(await fs.readFile(file, 'utf8')).toBe('one')
  expect(synced).toContain((await fs.stat(dir)).ino)
  expect((await fs.stat(dir)).ino).not.toBe(old)
})
