import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  ErrorCode,
  LimitError,
  LockAcquisitionError,
  LockLostError,
  LockTimeoutError,
  StaleProcessLockError
} from '../../../shared/errors'
import type { Identity } from '../../../shared/types'
import { SystemClock } from '../core/clock'
import { Workspace } from '../core/workspace'
import { FakeClock } from '../../../test/harness/fake-clock'
import { heartbeatFromEnv } from './lock-config'
import { genName, readLockDir, RECORD_FILE } from './lock-dir'
import { MAX_RECORD_BYTES } from './lock-record'
import { LockService, type LockEvents } from './lock-service'
import { cleanupLeftovers, forceRelease } from './lock-admin'

const HB = 1_000
const DOC = 'notes/plan.md'

let root: string
let ws: Workspace
const services: LockService[] = []

function ident(user: string, over: Partial<Identity> = {}): Identity {
  return {
    ownerId: `${user}-owner`,
    user,
    host: `${user}-pc`,
    hostId: `host-of-${user}`,
    pid: process.pid,
    instanceId: `inst-${user}-${Math.random().toString(36).slice(2)}`,
    ...over
  }
}

function service(identity: Identity, clock: FakeClock | SystemClock, settings = {}): LockService {
  const s = new LockService({
    workspace: ws,
    identity,
    clock,
    settings: { heartbeatIntervalMs: HB, idleTimeoutMs: 0, ...settings }
  })
  services.push(s)
  return s
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(child.stdout.toString())
}

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-locks-'))
  ws = new Workspace(root)
})

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.dispose()))
  await fs.rm(root, { recursive: true, force: true })
})

describe('acquire and refuse (L1–L3)', () => {
  it('writes a small human-readable record and refuses a second writer, naming the holder', async () => {
    const clock = new FakeClock()
    const ann = service(ident('Ann'), clock)
    const bob = service(ident('Bob'), clock)
    const lock = await ann.acquireSection(DOC, 'budget', { label: 'Section “Budget”' })

    const dir = ws.sectionLockDir(DOC, 'budget')
    const text = await fs.readFile(path.join(dir, genName(1), RECORD_FILE), 'utf8')
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_RECORD_BYTES)
    const rec = JSON.parse(text)
    expect(rec).toMatchObject({
      kind: 'section',
      document: DOC,
      sectionId: 'budget',
      operation: 'edit',
      generation: 1
    })
    expect(rec.holder).toMatchObject({ user: 'Ann', host: 'Ann-pc', pid: process.pid })
    expect(rec.ttlMs).toBe(3 * HB)

    const err = await bob.acquireSection(DOC, 'budget', { label: 'Section “Budget”' }).catch((e) => e)
    expect(err).toBeInstanceOf(LockAcquisitionError)
    expect(err.code).toBe(ErrorCode.LockHeld)
    expect(err.message).toMatch(/^Section “Budget” is being edited by Ann on Ann-pc, since \d\d:\d\d\.$/)

    expect(await ann.release(lock)).toBe(true)
    const again = await bob.acquireSection(DOC, 'budget')
    expect(again.generation).toBe(3) // 1 = Ann, 2 = Ann's release tombstone, 3 = Bob
  })

  it('keeps records within 1 KiB even with absurdly long names', async () => {
    const s = service(ident('x'.repeat(5000), { host: 'h'.repeat(3000) }), new FakeClock())
    await s.acquireSection(DOC, 'a'.repeat(60))
    const dir = ws.sectionLockDir(DOC, 'a'.repeat(60))
    const text = await fs.readFile(path.join(dir, genName(1), RECORD_FILE), 'utf8')
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_RECORD_BYTES)
    expect((await readLockDir(dir)).kind).toBe('held')
  })

  it('retries with backoff and gets the lock once it is released; gives up with LockTimeoutError', async () => {
    const clock = new SystemClock()
    const ann = service(ident('Ann'), clock)
    const bob = service(ident('Bob'), clock, { minBackoffMs: 5, maxBackoffMs: 20 })
    const lock = await ann.acquireSection(DOC, 's1')
    setTimeout(() => void ann.release(lock), 60)
    const got = await bob.acquireSection(DOC, 's1', { retries: 30 })
    expect(got.sectionId).toBe('s1')

    await ann.acquireSection(DOC, 's2')
    const err = await bob.acquireSection(DOC, 's2', { retries: 3 }).catch((e) => e)
    expect(err).toBeInstanceOf(LockTimeoutError)
    expect(err.code).toBe(ErrorCode.LockTimeout)
    expect(err.message).toContain('after 4 tries')
    expect(err.message).toContain('Ann on Ann-pc')
  })

  it('never hands its own write mutex to a second operation of the same instance', async () => {
    const ann = service(ident('Ann'), new SystemClock())
    const held = await ann.acquireWrite(DOC)
    // A read storing its index during this instance's own save tries once: refused, not given the
    // save's mutex (which it would then release in the middle of the save).
    await expect(ann.acquireWrite(DOC, 0)).rejects.toBeInstanceOf(LockTimeoutError)
    const waiting = ann.acquireWrite(DOC, 5_000)
    await ann.release(held)
    const next = await waiting
    expect(next.token).not.toBe(held.token)
    await ann.release(next)
  })

  it('is re-entrant within one instance and rejects two contenders racing for a free lock', async () => {
    const clock = new FakeClock()
    const ann = service(ident('Ann'), clock)
    const a1 = await ann.acquireSection(DOC, 'x')
    const a2 = await ann.acquireSection(DOC, 'x')
    expect(a2.token).toBe(a1.token)

    for (let round = 0; round < 20; round++) {
      const contenders = Array.from({ length: 6 }, (_, i) => service(ident(`c${i}`), clock))
      const results = await Promise.allSettled(contenders.map((c) => c.acquireSection(DOC, `race-${round}`)))
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    }
  })
})

describe('heartbeats and staleness by the observer clock (L4, L5)', () => {
  it('takes over only after 3 missed heartbeats, and the old holder learns it lost the lock', async () => {
    const clock = new FakeClock()
    const ann = service(ident('Ann'), clock)
    const bob = service(ident('Bob'), clock)
    const lost: LockEvents['lost'][] = []
    ann.events.on('lost', (e) => lost.push(e))
    const annLock = await ann.acquireSection(DOC, 'intro')

    // Ann freezes (no heartbeats). Bob's watch starts at his first sighting.
    await expect(bob.acquireSection(DOC, 'intro')).rejects.toBeInstanceOf(LockAcquisitionError)
    await clock.advance(3 * HB - 1)
    await expect(bob.acquireSection(DOC, 'intro')).rejects.toBeInstanceOf(LockAcquisitionError)
    await clock.advance(1)
    const bobLock = await bob.acquireSection(DOC, 'intro')
    expect(bobLock.generation).toBe(2)
    const state = await readLockDir(ws.sectionLockDir(DOC, 'intro'))
    expect(state.kind === 'held' && state.record.tookOverFrom?.user).toBe('Ann')

    // Ann wakes up: her next heartbeat notices, and she may not write.
    await ann.heartbeat()
    expect(lost).toHaveLength(1)
    expect(lost[0].newHolder?.user).toBe('Bob')
    expect(lost[0].reason).toMatch(/taken over/)
    await expect(ann.assertHeld(annLock)).rejects.toBeInstanceOf(LockLostError)
    await bob.assertHeld(bobLock)
  })

  it('never judges a live holder stale, whatever its clock says (±10 minutes)', async () => {
    for (const skew of [-10 * 60_000, 10 * 60_000]) {
      const clock = new FakeClock()
      const skewedClock = new FakeClock()
      skewedClock.skewWall(skew)
      const ann = service(ident('Ann'), skewedClock)
      const bob = service(ident('Bob'), clock)
      await ann.acquireSection(DOC, `skew${skew}`)
      for (let i = 0; i < 20; i++) {
        await clock.advance(HB)
        await skewedClock.advance(HB)
        await ann.heartbeat()
        await expect(bob.acquireSection(DOC, `skew${skew}`)).rejects.toBeInstanceOf(LockAcquisitionError)
      }
      const state = await readLockDir(ws.sectionLockDir(DOC, `skew${skew}`))
      if (state.kind !== 'held') throw new Error('expected held')
      expect(state.record.heartbeatSeq).toBe(20)
      // The record really carries the skewed time: a wall-clock comparison would have been fooled.
      const offset = Date.parse(state.record.lastHeartbeat) - clock.wallNow()
      expect(Math.abs(offset - skew)).toBeLessThan(5_000)
    }
  })

  it('judges a dead process on the same host stale at once', async () => {
    const clock = new FakeClock()
    const ghost = service(ident('Ann', { hostId: 'same-host', pid: deadPid() }), clock)
    const bob = service(ident('Bob', { hostId: 'same-host' }), clock)
    await ghost.acquireSection(DOC, 'dead')
    const got = await bob.acquireSection(DOC, 'dead')
    expect(got.generation).toBe(2)
  })

  it('refuses with StaleProcessLockError when takeover is not wanted', async () => {
    const clock = new FakeClock()
    const ghost = service(ident('Ann', { hostId: 'same-host', pid: deadPid() }), clock)
    const bob = service(ident('Bob', { hostId: 'same-host' }), clock)
    await ghost.acquireSection(DOC, 'dead')
    const err = await bob.acquireSection(DOC, 'dead', { takeOverStale: false }).catch((e) => e)
    expect(err).toBeInstanceOf(StaleProcessLockError)
    expect(err.message).toMatch(/process on this computer has ended/)
  })

  it('lets exactly one of several observers take over a stale lock', async () => {
    const clock = new FakeClock()
    const ann = service(ident('Ann'), clock)
    await ann.acquireSection(DOC, 'contested')
    const observers = Array.from({ length: 8 }, (_, i) => service(ident(`o${i}`), clock))
    await Promise.allSettled(observers.map((o) => o.acquireSection(DOC, 'contested')))
    await clock.advance(3 * HB)
    const results = await Promise.allSettled(observers.map((o) => o.acquireSection(DOC, 'contested')))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
  })

  it('treats a damaged lock file as held until it has been watched unchanged for the stale window', async () => {
    const clock = new FakeClock()
    const bob = service(ident('Bob'), clock)
    const dir = ws.sectionLockDir(DOC, 'broken')
    await fs.mkdir(path.join(dir, genName(4)), { recursive: true })
    await fs.writeFile(path.join(dir, genName(4), RECORD_FILE), '{ not json')
    const err = await bob.acquireSection(DOC, 'broken').catch((e) => e)
    expect(err).toBeInstanceOf(LockAcquisitionError)
    expect(err.message).toContain('damaged lock file')
    await clock.advance(3 * HB)
    expect((await bob.acquireSection(DOC, 'broken')).generation).toBe(5)
  })
})

describe('document locks (L1)', () => {
  it('blocks section locks, and is refused while another instance holds a section', async () => {
    const clock = new FakeClock()
    const ann = service(ident('Ann'), clock)
    const bob = service(ident('Bob'), clock)
    const docLock = await ann.acquireDocument(DOC)
    const err = await bob.acquireSection(DOC, 'a').catch((e) => e)
    expect(err).toBeInstanceOf(LockAcquisitionError)
    expect(err.message).toMatch(/whole document is locked/)
    await ann.release(docLock)

    await bob.acquireSection(DOC, 'a')
    const err2 = await ann.acquireDocument(DOC).catch((e) => e)
    expect(err2).toBeInstanceOf(LockAcquisitionError)
    expect(err2.message).toMatch(/section “a” is being edited/)
    expect(err2.message).toContain('Bob on Bob-pc')
    // Nothing half-done: Ann's attempt left the document lock free.
    expect((await readLockDir(ws.documentLockDir(DOC))).kind).toBe('released')
    // The holder of a section can take the document lock for its own structure change.
    expect((await bob.acquireDocument(DOC)).kind).toBe('document')
  })
})

describe('limits (L7)', () => {
  it('refuses the lock beyond the per-document limit and leaves nothing behind', async () => {
    const clock = new FakeClock()
    const ann = service(ident('Ann'), clock, { maxLocksPerDocument: 3 })
    for (const id of ['a', 'b', 'c']) await ann.acquireSection(DOC, id)
    const err = await ann.acquireSection(DOC, 'd').catch((e) => e)
    expect(err).toBeInstanceOf(LimitError)
    expect(err.code).toBe(ErrorCode.Limit)
    expect(err.message).toMatch(/already has 3 sections being edited/)
    expect(ann.heldLocks()).toHaveLength(3)
    expect((await readLockDir(ws.sectionLockDir(DOC, 'd'))).kind).toBe('absent')
  })

  it('refuses a new editor beyond the editor limit', async () => {
    const clock = new FakeClock()
    const a = service(ident('A'), clock, { maxEditorsPerDocument: 2 })
    const b = service(ident('B'), clock, { maxEditorsPerDocument: 2 })
    const c = service(ident('C'), clock, { maxEditorsPerDocument: 2 })
    await a.acquireSection(DOC, 'a1')
    await a.acquireSection(DOC, 'a2')
    await b.acquireSection(DOC, 'b1')
    await expect(c.acquireSection(DOC, 'c1')).rejects.toBeInstanceOf(LimitError)
    expect(c.heldLocks()).toHaveLength(0)
    await a.acquireSection(DOC, 'a3') // an existing editor may take more
  })
})

describe('idle release, exit and start-up cleanup (L6)', () => {
  it('warns before the idle release, and edits postpone it', async () => {
    const clock = new FakeClock()
    const ann = service(ident('Ann'), clock, { idleTimeoutMs: 10_000, idleWarningMs: 3_000 })
    ann.start()
    const warnings: number[] = []
    const released: string[] = []
    ann.events.on('idle-warning', (e) => warnings.push(e.releaseInMs))
    ann.events.on('idle-released', (e) => released.push(e.lock.sectionId ?? ''))
    const lock = await ann.acquireSection(DOC, 'idle')
    await clock.advance(6_000)
    ann.touch(lock)
    await clock.advance(6_500)
    expect(warnings).toHaveLength(0)
    await clock.advance(1_000)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toBeLessThanOrEqual(3_000)
    expect(released).toHaveLength(0)
    await clock.advance(3_000)
    expect(released).toEqual(['idle'])
    expect((await readLockDir(ws.sectionLockDir(DOC, 'idle'))).kind).toBe('released')
  })

  it('releases everything on dispose and leaves no timers running', async () => {
    const clock = new FakeClock()
    const ann = new LockService({
      workspace: ws,
      identity: ident('Ann'),
      clock,
      settings: { heartbeatIntervalMs: HB }
    })
    ann.start()
    expect(clock.pendingTimers).toBe(2)
    await ann.acquireSection(DOC, 'p')
    await ann.acquireDocument('other.md')
    await ann.dispose()
    expect(clock.pendingTimers).toBe(0)
    expect((await readLockDir(ws.sectionLockDir(DOC, 'p'))).kind).toBe('released')
    expect((await readLockDir(ws.documentLockDir('other.md'))).kind).toBe('released')
  })

  it('clears this writer’s leftovers from a crashed run but not a live twin’s', async () => {
    const clock = new FakeClock()
    const crashed = service(ident('Ann', { ownerId: 'ann', hostId: 'h', pid: deadPid() }), clock)
    const twin = service(ident('Ann', { ownerId: 'ann', hostId: 'h' }), clock)
    await crashed.acquireSection(DOC, 'old')
    await twin.acquireSection(DOC, 'live')
    const restarted = service(ident('Ann', { ownerId: 'ann', hostId: 'h' }), clock)
    expect(await cleanupLeftovers(restarted, ws)).toBe(1)
    expect((await readLockDir(ws.sectionLockDir(DOC, 'old'))).kind).toBe('released')
    expect((await readLockDir(ws.sectionLockDir(DOC, 'live'))).kind).toBe('held')
    expect(restarted.heldLocks()).toHaveLength(0) // nothing resurrected
  })
})

describe('force-release (A5)', () => {
  it('releases a stale lock without --force, refuses a live one, and --force needs a reason', async () => {
    const clock = new SystemClock()
    const ann = service(ident('Ann'), clock, { heartbeatIntervalMs: 100 })
    const admin = service(ident('Admin'), clock, { heartbeatIntervalMs: 100 })
    const lost: string[] = []
    ann.events.on('lost', (e) => lost.push(e.reason))
    ann.start()
    await ann.acquireSection(DOC, 'live')
    const dir = ws.sectionLockDir(DOC, 'live')
    await expect(forceRelease(admin, dir, { force: false, watchMs: 600 })).rejects.toBeInstanceOf(
      LockAcquisitionError
    )
    await expect(forceRelease(admin, dir, { force: true, watchMs: 0 })).rejects.toThrow(/--reason/)
    const released = await forceRelease(admin, dir, { force: true, reason: 'Ann is on holiday', watchMs: 0 })
    expect(released?.holder.user).toBe('Ann')
    // Ann's timer beats every 100 ms: a beat already under way read the lock before the release,
    // and `heartbeat()` joins it. The next one starts after it and must find the lock gone.
    await ann.heartbeat()
    await ann.heartbeat()
    expect(lost[0]).toMatch(/released by Admin .*Ann is on holiday/)
  })

  it('releases a lock whose holder stopped heartbeating after watching it', async () => {
    const clock = new SystemClock()
    const ann = service(ident('Ann'), clock, { heartbeatIntervalMs: 50 })
    const admin = service(ident('Admin'), clock, { heartbeatIntervalMs: 50 })
    await ann.acquireSection(DOC, 'frozen') // never started: no heartbeats
    let watched = -1
    const released = await forceRelease(admin, ws.sectionLockDir(DOC, 'frozen'), {
      force: false,
      watchMs: 2_000,
      onWatch: (ms) => (watched = ms)
    })
    expect(watched).toBeGreaterThan(0)
    expect(released?.holder.user).toBe('Ann')
  })
})

describe('LOCK_HEARTBEAT_INTERVAL', () => {
  it('accepts 5–120 seconds and refuses anything else with a clear message', () => {
    expect(heartbeatFromEnv({})).toBeUndefined()
    expect(heartbeatFromEnv({ LOCK_HEARTBEAT_INTERVAL: '30' })).toBe(30_000)
    expect(heartbeatFromEnv({ LOCK_HEARTBEAT_INTERVAL: '5' })).toBe(5_000)
    for (const bad of ['4', '121', 'soon', '-1']) {
      expect(() => heartbeatFromEnv({ LOCK_HEARTBEAT_INTERVAL: bad })).toThrow(
        /LOCK_HEARTBEAT_INTERVAL must be .* 5 to 120/
      )
    }
  })
})

/**
 * A lock this instance released last is claimed at the next generation without reading the folder
 * first (lock-acquire.ts) — only while that generation still holds the very tombstone it wrote. A
 * lock folder replaced meanwhile (deleted to reset it, an older copy put back by a sync tool or a
 * restore) may hold someone's live lock at a lower generation: claiming above it would overtake it.
 */
describe('claiming again a lock this instance released last', () => {
  for (const kind of ['document', 'write'] as const) {
    const take = (s: LockService) =>
      kind === 'document' ? s.acquireDocument(DOC, { retries: 0 }) : s.acquireWrite(DOC, 0)
    const dir = () => (kind === 'document' ? ws.documentLockDir(DOC) : ws.writeLockDir(DOC))

    it(`${kind}: takes the next generation while the folder is as it left it`, async () => {
      const ann = service(ident('Ann'), new FakeClock())
      await ann.release(await take(ann))
      const again = await take(ann)
      expect(again.generation).toBe(3) // 1 her claim, 2 her tombstone
      expect(await readLockDir(dir())).toMatchObject({ kind: 'held', top: 3 })
    })

    it(`${kind}: is refused when the folder was replaced and someone holds the lock there now`, async () => {
      const clock = new FakeClock()
      const ann = service(ident('Ann'), clock)
      const bob = service(ident('Bob'), clock)
      for (let i = 0; i < 3; i++) await ann.release(await take(ann)) // her tombstone: generation 6
      await fs.rename(ws.docDir(DOC), `${ws.docDir(DOC)}-moved`) // a fresh lock folder
      await take(bob) // generation 1 of the new folder
      await expect(take(ann)).rejects.toThrow()
      expect(await readLockDir(dir())).toMatchObject({ kind: 'held', top: 1 })
      expect(bob.heldLocks().some((h) => h.kind === kind)).toBe(true)
    })
  }
})

/**
 * A held lock is confirmed (assertHeld: a save checks its sections' locks under the write mutex) by
 * comparing the record this instance wrote last, byte for byte, beside listing the generations
 * (lock-dir.ts stillHolds); anything else there is read and judged as before.
 */
describe('confirming a lock this instance holds', () => {
  const recordOf = (gen: number) => path.join(ws.sectionLockDir(DOC, 'budget'), genName(gen), RECORD_FILE)

  it('holds while its generation is the top with the record it wrote, also after a heartbeat', async () => {
    const clock = new FakeClock()
    const ann = service(ident('Ann'), clock)
    const lock = await ann.acquireSection(DOC, 'budget')
    await ann.assertHeld(lock)
    await clock.advance(HB)
    await ann.heartbeat()
    expect(JSON.parse(await fs.readFile(recordOf(1), 'utf8')).heartbeatSeq).toBe(1)
    await ann.assertHeld(lock)
  })

  it('is lost when its generation holds another writer’s record (same generation, another token)', async () => {
    const ann = service(ident('Ann'), new FakeClock())
    const lock = await ann.acquireSection(DOC, 'budget')
    const rec = JSON.parse(await fs.readFile(recordOf(1), 'utf8'))
    await fs.writeFile(recordOf(1), JSON.stringify({ ...rec, token: '01J00000000000000000000000' }, null, 1))
    await expect(ann.assertHeld(lock)).rejects.toBeInstanceOf(LockLostError)
  })

  it('is lost when a tombstone was put in its generation beside its unchanged record', async () => {
    const ann = service(ident('Ann'), new FakeClock())
    const lock = await ann.acquireSection(DOC, 'budget')
    const tombstone = path.join(path.dirname(recordOf(1)), 'released.json')
    await fs.writeFile(
      tombstone,
      '{"format":1,"released":true,"by":"admin","at":"2026-01-01T00:00:00.000Z","reason":"reset"}'
    )
    await expect(ann.assertHeld(lock)).rejects.toBeInstanceOf(LockLostError)
  })

  it('is lost when a generation above it was put in place (its record unchanged)', async () => {
    const ann = service(ident('Ann'), new FakeClock())
    const lock = await ann.acquireSection(DOC, 'budget')
    const above = path.join(ws.sectionLockDir(DOC, 'budget'), genName(2))
    await fs.mkdir(above)
    await fs.writeFile(path.join(above, 'released.json'), '{"format":1,"released":true}')
    await expect(ann.assertHeld(lock)).rejects.toBeInstanceOf(LockLostError)
  })
})
