/**
 * A stored index checked once is trusted again only while its file is unchanged (CheckedIndexes in
 * index-store.ts): every instance must name the sections as the stored index does. Rewritten in
 * place — same size, same inode, its modification time put back — it is read and checked again,
 * and the ids it gives are taken (a lying one is rebuilt as before: index-check.test.ts).
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openWorkspace, type AppServices } from '../app-services'
import { FakeClock } from '../../../test/harness/fake-clock'
import { testIdentity } from '../../../test/harness/test-identity'

const DOC = 'plan.md'
let root = ''
let s: AppServices | null = null

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-checked-'))
  await fs.writeFile(path.join(root, DOC), 'Intro\n\n# Bee\n\nB\n\n# Cee\n\nC\n')
})
afterEach(async () => {
  await s?.dispose()
  await fs.rm(root, { recursive: true, force: true })
})

describe('a checked index is trusted again only while its file is unchanged', () => {
  it('an index rewritten in place, its time put back, is read again: the ids it gives are taken', async () => {
    s = await openWorkspace({ folder: root, identity: testIdentity('ann'), clock: new FakeClock() })
    const ids = async () => (await s!.documents.read(DOC)).sections.map((x) => [x.id, x.heading])
    expect(await ids()).toEqual([
      ['preamble', ''],
      ['bee', 'Bee'],
      ['cee', 'Cee']
    ])
    expect(await ids()).toEqual((await ids()).slice()) // read again: trusted from memory
    const file = s.workspace.indexFile(DOC)
    const rewrite = async (edit: (json: string) => string) => {
      const before = await fs.stat(file)
      const json = await fs.readFile(file, 'utf8')
      const next = edit(json)
      expect(next).not.toBe(json)
      expect(next.length).toBe(json.length)
      await fs.writeFile(file, next) // in place: same inode, same size
      await fs.utimes(file, before.atime, before.mtime)
      expect((await fs.stat(file)).ino).toBe(before.ino)
    }
    // Another instance's index names the first section otherwise: this one follows it.
    await rewrite((json) => json.replace(/"bee"/g, '"bex"'))
    expect(await ids()).toEqual([
      ['preamble', ''],
      ['bex', 'Bee'],
      ['cee', 'Cee']
    ])
  })
})
