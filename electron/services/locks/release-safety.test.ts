/**
 * A release writes its tombstone only onto its own lock: its record must still be its generation's,
 * and the top, when the tombstone is renamed in (lock-service.ts release). Found by a review of the
 * lock paths (2026-11-30).
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { LockAcquisitionError } from '../../../shared/errors'
import type { Identity } from '../../../shared/types'
import { Workspace } from '../core/workspace'
import { FakeClock } from '../../../test/harness/fake-clock'
import { genName, listGenerations, readLockDir, RECORD_FILE } from './lock-dir'
import { LockService } from './lock-service'

const DOC = 'notes/plan.md'
let root: string
let ws: Workspace
const services: LockService[] = []
const ident = (user: string): Identity => ({
  ownerId: `${user}-owner`,
  user,
  host: `${user}-pc`,
  hostId: `host-of-${user}`,
  pid: process.pid,
  instanceId: `inst-${user}-${Math.random().toString(36).slice(2)}`
})
const service = (id: Identity, clock: FakeClock) => {
  const s = new LockService({
    workspace: ws,
    identity: id,
    clock,
    settings: { heartbeatIntervalMs: 1000, idleTimeoutMs: 0 }
  })
  services.push(s)
  return s
}
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'review-rel-'))
  ws = new Workspace(root)
})
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.dispose()))
  await fs.rm(root, { recursive: true, force: true })
})

it('a holder taken over long ago (its next generation compacted away) learns at release that it had lost the lock', async () => {
  const clock = new FakeClock()
  const ann = service(ident('Ann'), clock)
  const released: unknown[] = []
  ann.events.on('released', (e) => released.push(e))
  const lock = await ann.acquireSection(DOC, 'budget')
  const dir = ws.sectionLockDir(DOC, 'budget')
  const rec = JSON.parse(await fs.readFile(path.join(dir, genName(1), RECORD_FILE), 'utf8'))
  // Others took it over and changed hands 300 times; compaction removed generations 2..43.
  for (let g = 44; g <= 301; g++) {
    await fs.mkdir(path.join(dir, genName(g)))
    await fs.writeFile(
      path.join(dir, genName(g), RECORD_FILE),
      JSON.stringify(
        {
          ...rec,
          holder: { ...rec.holder, user: 'Bob', instanceId: 'bob' },
          token: `01J${String(g).padStart(23, '0')}`,
          generation: g
        },
        null,
        1
      )
    )
  }
  expect(await ann.release(lock, 'window closed')).toBe(false)
  const top = await fs.readdir(dir)
  expect(top).not.toContain(genName(2)) // no tombstone of Ann's left in the middle of someone else's history
  expect(released).toEqual([]) // no `released` for a lock Bob holds
  expect((await readLockDir(dir)).kind).toBe('held')
})

it('(pre-existing) a release after the lock folder was reset does not free the lock someone holds there now', async () => {
  const clock = new FakeClock()
  const ann = service(ident('Ann'), clock)
  const bob = service(ident('Bob'), clock)
  const carol = service(ident('Carol'), clock)
  for (let i = 0; i < 4; i++) await ann.release(await ann.acquireDocument(DOC, { retries: 0 }))
  const annLock = await ann.acquireDocument(DOC, { retries: 0 }) // generation 9
  expect(annLock.generation).toBe(9)
  await fs.rename(ws.docDir(DOC), `${ws.docDir(DOC)}-moved`) // the lock folder is reset
  const bobLock = await bob.acquireDocument(DOC, { retries: 0 }) // generation 1 of the new folder
  expect(bobLock.generation).toBe(1)
  expect(await ann.release(annLock)).toBe(false) // Ann closes her window: her lock was lost
  expect(await listGenerations(ws.documentLockDir(DOC))).toEqual([1]) // no tombstone of hers
  // Bob still holds generation 1 (he was never told otherwise) ...
  expect(bob.heldLocks().some((h) => h.kind === 'document')).toBe(true)
  // ... yet Carol is granted the same document lock at once:
  await expect(carol.acquireDocument(DOC, { retries: 0 })).rejects.toThrow()
})

it('a lock folder deleted while a release of this instance is remembered is not made again by a refused acquire', async () => {
  const clock = new FakeClock()
  const ann = service(ident('Ann'), clock)
  const bob = service(ident('Bob'), clock)
  await ann.release(await ann.acquireSection(DOC, 'budget')) // remembered: the next claim is guessed
  const dir = ws.sectionLockDir(DOC, 'budget')
  await fs.rm(dir, { recursive: true })
  await bob.acquireDocument(DOC, { retries: 0 }) // the section's checks refuse Ann now
  await expect(ann.acquireSection(DOC, 'budget', { retries: 0 })).rejects.toBeInstanceOf(LockAcquisitionError)
  await expect(fs.lstat(dir)).rejects.toThrow(/ENOENT/) // a refusal leaves nothing behind
})
