/**
 * Links planted in the share by anyone who can write to it (issue: "one guarded door to the share"):
 * nothing the app writes may land outside the workspace, a document swapped for a link mid-save is
 * never written through, and one file under two names is refused instead of locked twice.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PathOutsideError } from '../../../shared/errors'
import type { Identity } from '../../../shared/types'
import { openWorkspace, type AppServices } from '../app-services'
import { Workspace } from '../core/workspace'
import { FakeClock } from '../../../test/harness/fake-clock'
import { testIdentity } from '../../../test/harness/test-identity'

let base: string
let root: string
let decoy: string
let decoyDir: string
const opened: AppServices[] = []
const DOC = 'doc.md'
const TEXT = '# A\n\nalpha\n\n# B\n\nbeta\n'
const DECOY = 'victim: do not touch\n'

const ident = (user: string): Identity => testIdentity(user)

async function open(user: string): Promise<AppServices> {
  const s = await openWorkspace({
    folder: root,
    identity: ident(user),
    clock: new FakeClock(),
    lockSettings: { heartbeatIntervalMs: 1000, idleTimeoutMs: 0 }
  })
  opened.push(s)
  return s
}

const sha = async (file: string) =>
  createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex')

beforeEach(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-links-'))
  root = path.join(base, 'workspace')
  decoyDir = path.join(base, 'victim')
  decoy = path.join(decoyDir, '.bashrc')
  await fs.mkdir(root)
  await fs.mkdir(decoyDir)
  await fs.writeFile(decoy, DECOY)
  await fs.writeFile(path.join(root, DOC), TEXT)
})

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.dispose()))
  await fs.rm(base, { recursive: true, force: true })
})

/** Saves section `id` of DOC with `body` under a fresh lock; returns the error if refused. */
async function saveOnce(s: AppServices, id: string, body: string): Promise<unknown> {
  try {
    const { section } = await s.documents.section(DOC, id)
    const lock = await s.locks.acquireSection(DOC, id)
    try {
      await s.documents.saveSection(lock, section.sha256, `# ${id.toUpperCase()}\n\n${body}\n\n`)
    } finally {
      await s.locks.release(lock)
    }
    return null
  } catch (err) {
    return err
  }
}

describe('links planted in .sectioned/', () => {
  it('an index.json link to a file outside: reading and saving replace the link, the file it points at keeps its bytes', async () => {
    const ann = await open('ann')
    const ws = new Workspace(root)
    await fs.mkdir(path.dirname(ws.indexFile(DOC)), { recursive: true })
    await fs.symlink(decoy, ws.indexFile(DOC))
    await ann.documents.read(DOC)
    expect(await saveOnce(ann, 'a', 'alpha 2')).toBeNull()
    expect(await fs.readFile(decoy, 'utf8')).toBe(DECOY)
    expect((await fs.lstat(ws.indexFile(DOC))).isFile()).toBe(true)
  })

  it('a lock folder and a history folder linked outside: nothing is written there, the refusal names the place', async () => {
    const ann = await open('ann')
    const ws = new Workspace(root)
    await ann.documents.read(DOC)
    await fs.mkdir(ws.sectionLocksDir(DOC), { recursive: true })
    await fs.symlink(decoyDir, ws.sectionLockDir(DOC, 'a'))
    await expect(ann.locks.acquireSection(DOC, 'a')).rejects.toThrow(/link planted in the shared folder/)

    await fs.mkdir(path.dirname(ws.historyDir(DOC, 'b')), { recursive: true })
    await fs.symlink(decoyDir, ws.historyDir(DOC, 'b'))
    const err = await saveOnce(ann, 'b', 'beta 2')
    expect(String(err)).toMatch(/link planted in the shared folder/)
    expect(await fs.readFile(path.join(root, DOC), 'utf8')).toBe(TEXT)
    expect((await fs.readdir(decoyDir)).sort()).toEqual(['.bashrc'])
    expect(await fs.readFile(decoy, 'utf8')).toBe(DECOY)
  })
})

describe('the document swapped for a link during saves', () => {
  let flipper: ChildProcess | null = null
  afterEach(() => {
    flipper?.kill('SIGKILL')
    flipper = null
  })

  it('200 saves while another process flips doc.md between the document and a link to a file outside: the file outside never changes', async () => {
    const ann = await open('ann')
    await ann.documents.read(DOC)
    const file = path.join(root, DOC)
    // A real process, flipping as fast as it can: move the document aside, put a link in its
    // place, then put the document back.
    const script = `
      const fs = require('fs');
      const [file, decoy] = process.argv.slice(1);
      for (;;) {
        try { fs.renameSync(file, file + '.aside'); } catch {}
        try { fs.symlinkSync(decoy, file); } catch {}
        try { fs.unlinkSync(file); } catch {}
        try { fs.renameSync(file + '.aside', file); } catch {}
      }`
    flipper = spawn(process.execPath, ['-e', script, file, decoy], { stdio: 'ignore' })
    const before = await sha(decoy)
    let landed = 0
    let refused = 0
    for (let i = 0; i < 200; i++) {
      const err = await saveOnce(ann, i % 2 ? 'a' : 'b', `round ${i}`)
      if (err) refused++
      else landed++
      expect(await sha(decoy)).toBe(before)
    }
    flipper.kill('SIGKILL')
    flipper = null
    await new Promise((r) => setTimeout(r, 50))
    expect(await fs.readFile(decoy, 'utf8')).toBe(DECOY)
    console.log(`[links] 200 saves under a flipper: landed ${landed}, refused ${refused}; decoy unchanged`)
  }, 60_000)
})

describe('one file under two names', () => {
  it('a link to a document is refused for reading, locking and saving, naming the real document', async () => {
    const ann = await open('ann')
    await fs.symlink(DOC, path.join(root, 'alias.md'))
    await expect(ann.documents.read('alias.md')).rejects.toBeInstanceOf(PathOutsideError)
    await expect(ann.documents.read('alias.md')).rejects.toThrow(/link to “doc\.md”/)
    await expect(ann.locks.acquireSection('alias.md', 'a')).rejects.toBeInstanceOf(PathOutsideError)
    await fs.mkdir(path.join(root, 'sub'))
    await fs.writeFile(path.join(root, 'sub', 'inner.md'), TEXT)
    await fs.symlink('sub', path.join(root, 'linked'))
    await expect(ann.documents.read('linked/inner.md')).rejects.toThrow(/really “sub\/inner\.md”/)
    expect(await ann.documents.listDocuments()).toEqual([DOC, 'sub/inner.md'])
  })

  it('100 racing rounds: ann saves through the real name while bob tries the alias; every save of ann lands, bob never changes the file', async () => {
    const ann = await open('ann')
    const bob = await open('bob')
    await fs.symlink(DOC, path.join(root, 'alias.md'))
    for (let i = 0; i < 100; i++) {
      const [mine, theirs] = await Promise.all([
        saveOnce(ann, 'a', `ann ${i}`),
        (async () => {
          try {
            await bob.locks.acquireSection('alias.md', 'a')
            return null
          } catch (err) {
            return err
          }
        })()
      ])
      expect(mine).toBeNull()
      expect(theirs).toBeInstanceOf(PathOutsideError)
      expect(await fs.readFile(path.join(root, DOC), 'utf8')).toBe(TEXT.replace('alpha', `ann ${i}`))
    }
  }, 60_000)
})
