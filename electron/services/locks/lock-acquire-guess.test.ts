/**
 * A lock this instance released last is claimed at the next generation without reading the folder
 * first (lock-acquire.ts) — but only while that generation still holds the very tombstone it wrote.
 * A lock folder replaced meanwhile (deleted to reset it, an older copy put back by a sync tool or a
 * restore) may hold someone's live lock at a lower generation: claiming above it would overtake it.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Identity } from '../../../shared/types'
import { FakeClock } from '../../../test/harness/fake-clock'
import { Workspace } from '../core/workspace'
import { readLockDir } from './lock-dir'
import { LockService } from './lock-service'

const DOC = 'notes/plan.md'
let root: string
let ws: Workspace
const services: LockService[] = []

function identity(user: string): Identity {
  return {
    ownerId: `${user}-owner`,
    user,
    host: `${user}-pc`,
    hostId: `host-of-${user}`,
    pid: process.pid,
    instanceId: `inst-${user}`
  }
}

function service(user: string, clock: FakeClock): LockService {
  const s = new LockService({
    workspace: ws,
    identity: identity(user),
    clock,
    settings: { heartbeatIntervalMs: 1000, idleTimeoutMs: 0 }
  })
  services.push(s)
  return s
}

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-guess-'))
  ws = new Workspace(root)
})

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.dispose()))
  await fs.rm(root, { recursive: true, force: true })
})

describe('claiming again a lock this instance released last', () => {
  for (const kind of ['document', 'write'] as const) {
    const take = (s: LockService) =>
      kind === 'document' ? s.acquireDocument(DOC, { retries: 0 }) : s.acquireWrite(DOC, 0)
    const dir = () => (kind === 'document' ? ws.documentLockDir(DOC) : ws.writeLockDir(DOC))

    it(`${kind}: takes the next generation while the folder is as it left it`, async () => {
      const ann = service('ann', new FakeClock())
      await ann.release(await take(ann))
      const again = await take(ann)
      expect(again.generation).toBe(3) // 1 her claim, 2 her tombstone
      expect(await readLockDir(dir())).toMatchObject({ kind: 'held', top: 3 })
    })

    it(`${kind}: is refused when the folder was replaced and someone holds the lock there now`, async () => {
      const clock = new FakeClock()
      const ann = service('ann', clock)
      const bob = service('bob', clock)
      for (let i = 0; i < 3; i++) await ann.release(await take(ann)) // her tombstone: generation 6
      await fs.rename(ws.docDir(DOC), `${ws.docDir(DOC)}-moved`) // a fresh lock folder
      await take(bob) // generation 1 of the new folder
      await expect(take(ann)).rejects.toThrow()
      expect(await readLockDir(dir())).toMatchObject({ kind: 'held', top: 1 })
      expect(bob.heldLocks().some((h) => h.kind === kind)).toBe(true)
    })
  }
})
