/**
 * Issue 10, writes: a link planted where the app writes one of its own files (its metrics, its
 * audit file, a history version, a backup, an edit request) pointing at a decoy outside the
 * workspace. After the operation that writes there, the decoy's bytes (sha256) are unchanged.
 */
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openWorkspace, type AppServices } from './app-services'
import { createExclusive } from './core/share-fs'
import { Workspace } from './core/workspace'
import { FakeClock } from '../../test/harness/fake-clock'
import { testIdentity } from '../../test/harness/test-identity'

const DOC = 'doc.md'
const TEXT = '# A\n\nalpha\n\n# B\n\nbeta\n'
const DECOY = 'export PATH=/usr/bin # victim: do not touch\n'

let base: string
let root: string
let decoy: string
let decoySha: string
const opened: AppServices[] = []

const sha = async (file: string) =>
  createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex')

async function open(user: string, start = true): Promise<AppServices> {
  const clock = new FakeClock()
  const s = await openWorkspace({
    folder: root,
    identity: testIdentity(user),
    clock,
    start,
    lockSettings: { heartbeatIntervalMs: 1000, idleTimeoutMs: 0 }
  })
  opened.push(s)
  return s
}

async function save(s: AppServices, id: string, body: string): Promise<void> {
  const { section } = await s.documents.section(DOC, id)
  const lock = await s.locks.acquireSection(DOC, id)
  try {
    await s.documents.saveSection(lock, section.sha256, `# ${id.toUpperCase()}\n\n${body}\n\n`)
  } finally {
    await s.locks.release(lock)
  }
}

async function plantLink(file: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true })
  await fs.rm(file, { recursive: true, force: true })
  await fs.symlink(decoy, file)
}

beforeEach(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-link-writes-'))
  root = path.join(base, 'workspace')
  decoy = path.join(base, 'home', '.profile')
  await fs.mkdir(root)
  await fs.mkdir(path.dirname(decoy))
  await fs.writeFile(decoy, DECOY)
  await fs.writeFile(path.join(root, DOC), TEXT)
  decoySha = await sha(decoy)
})

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.dispose()))
  await fs.rm(base, { recursive: true, force: true })
})

describe('links planted where the app writes its own files', () => {
  it('metrics: the heartbeat publish replaces the link itself, the decoy keeps its bytes', async () => {
    const ws = new Workspace(root)
    const file = path.join(ws.metricsDir, 'i-bob.json')
    await plantLink(file)
    const bob = await open('bob')
    for (let i = 0; i < 3; i++) {
      await (bob.clock as FakeClock).advance(1000) // a heartbeat: published again
      await new Promise((r) => setTimeout(r, 20))
    }
    // The link was replaced by a file of its own; what it pointed at was never written.
    expect((await fs.lstat(file)).isFile()).toBe(true)
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toMatchObject({ identity: { instanceId: 'i-bob' } })
    expect(await sha(decoy)).toBe(decoySha)
    await bob.dispose()
    expect(await sha(decoy)).toBe(decoySha)
  })

  it('audit file: the line is refused and remembered, the decoy (~/.profile) keeps its bytes', async () => {
    const bob = await open('bob', false)
    await plantLink(bob.audit.file)
    bob.audit.record({ type: 'save', document: DOC, sectionId: 'a' })
    await bob.audit.flush()
    expect(bob.audit.lastError?.message).toContain(bob.audit.file)
    expect(bob.audit.droppedLines).toBe(1)
    await bob.dispose()
    expect(await sha(decoy)).toBe(decoySha)
    expect((await fs.lstat(bob.audit.file)).isSymbolicLink()).toBe(true)
  })

  it('history version: the next version path and a version being pinned, each a link, are never written through', async () => {
    const ann = await open('ann')
    await save(ann, 'b', 'beta 1')
    const ws = new Workspace(root)
    // The path the next save's version goes to.
    // A damaged entry in history is stepped over, not obeyed (issue 11): the save lands with the
    // next number, and the link is neither followed nor replaced.
    const planted = path.join(ws.historyDir(DOC, 'b'), 'v000000002.json')
    await plantLink(planted)
    await save(ann, 'b', 'beta 2')
    expect(await fs.readFile(path.join(root, DOC), 'utf8')).toContain('beta 2')
    const versions = await ann.history.list(DOC, 'b').catch(() => null)
    expect(versions).toBeNull() // the planted link is damage: listing the whole history names it…
    expect((await ann.history.latestValid(DOC, 'b'))?.content).toContain('beta 2') // …the save's version is there
    expect((await fs.lstat(planted)).isSymbolicLink()).toBe(true)
    expect(await sha(decoy)).toBe(decoySha)
    // A version rewritten in place (pin) that is a link now.
    await fs.rm(path.join(ws.historyDir(DOC, 'b'), 'v000000002.json'))
    await plantLink(path.join(ws.historyDir(DOC, 'b'), 'v000000001.json'))
    await expect(ann.history.pin(DOC, 'b', 1, true)).rejects.toThrow(/v000000001\.json/)
    expect(await sha(decoy)).toBe(decoySha)
    // Other sections still save.
    await save(ann, 'a', 'alpha 2')
    expect(await fs.readFile(path.join(root, DOC), 'utf8')).toContain('alpha 2')
  })

  it('backup: a link at a backup path is never written through; a linked backups folder refuses the operation', async () => {
    const ann = await open('ann')
    const ws = new Workspace(root)
    // The backups folder a link to the decoy's folder: the delete is refused before anything is written.
    // (First: share-fs takes a folder it found plain as plain for a second.)
    await fs.mkdir(path.dirname(ws.backupsDir(DOC)), { recursive: true })
    await fs.symlink(path.dirname(decoy), ws.backupsDir(DOC))
    await ann.documents.read(DOC)
    const lock = await ann.locks.acquireDocument(DOC)
    await expect(ann.structure.deleteSection(lock, 'b')).rejects.toThrow(/link planted in the shared folder/)
    await ann.locks.release(lock)
    expect(await sha(decoy)).toBe(decoySha)
    expect(await fs.readdir(path.dirname(decoy))).toEqual(['.profile'])

    // A link at a backup's own path: the exclusive create refuses it (createBackup then retries another name).
    await fs.rm(ws.backupsDir(DOC))
    const file = path.join(
      ws.backupsDir(DOC),
      'doc_delete_20260101T000000.000000Z_01JAAAAAAAAAAAAAAAAAAAAAAA.md'
    )
    await plantLink(file)
    await expect(createExclusive(file, Buffer.from('backup'))).rejects.toThrow(/EEXIST/)
    expect(await sha(decoy)).toBe(decoySha)
    expect(await fs.readFile(path.join(root, DOC), 'utf8')).toBe(TEXT)
  })

  it('edit request: answering a request whose file is a link writes nothing through it', async () => {
    const ann = await open('ann')
    const bob = await open('bob')
    const request = await ann.requests.send(DOC, 'a', 'A', {
      user: 'bob',
      host: 'bob-pc',
      instanceId: 'i-bob'
    })
    const file = path.join(new Workspace(root).requestsDir, `${request.id}.json`)
    await plantLink(file)
    await expect(bob.requests.answer(request.id, 'released')).rejects.toThrow(/withdrawn or already answered/)
    expect(await sha(decoy)).toBe(decoySha)
    expect((await fs.lstat(file)).isSymbolicLink()).toBe(true)
  })
})
