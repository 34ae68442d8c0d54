import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FakeClock } from '../../../test/harness/fake-clock'
import { testIdentity } from '../../../test/harness/test-identity'
import type { Identity } from '../../../shared/types'
import { Workspace } from '../core/workspace'
import { presenceFile, type PresenceRecord } from './presence-record'
import { PresenceService } from './presence-service'

const BEAT = 1000
let root: string
let ws: Workspace
const services: PresenceService[] = []

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-presence-'))
  ws = new Workspace(root)
})

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.dispose()))
  await fs.rm(root, { recursive: true, force: true })
})

function service(identity: Identity, clock: FakeClock): PresenceService {
  const s = new PresenceService({
    workspace: ws,
    identity,
    clock,
    heartbeatIntervalMs: BEAT,
    staleAfterBeats: 3
  })
  services.push(s)
  return s
}

async function readRecord(instanceId: string): Promise<PresenceRecord | null> {
  const text = await fs.readFile(presenceFile(ws, instanceId), 'utf8').catch(() => null)
  return text === null ? null : (JSON.parse(text) as PresenceRecord)
}

/** A record another instance wrote and then stopped refreshing (crashed on another computer). */
async function plant(identity: Identity, seq: number, over: Partial<PresenceRecord> = {}): Promise<void> {
  await fs.mkdir(ws.presenceDir, { recursive: true })
  const record: PresenceRecord = {
    format: 1,
    identity,
    seq,
    heartbeatIntervalMs: BEAT,
    // Ten minutes ahead of everyone: never compared with anything.
    refreshedAt: new Date(Date.UTC(2026, 10, 21, 10, 10)).toISOString(),
    documents: [{ document: 'a.md', sectionId: 'budget', heading: 'Budget' }],
    ...over
  }
  await fs.writeFile(presenceFile(ws, identity.instanceId), JSON.stringify(record))
}

describe('this instance’s presence record', () => {
  it('is written at start, rewritten when a window moves (at most once per 500 ms), refreshed every beat and removed at dispose', async () => {
    const clock = new FakeClock()
    const ann = service(testIdentity('ann'), clock)
    await ann.start()
    const first = await readRecord('i-ann')
    expect(first).toMatchObject({ format: 1, seq: 1, documents: [], heartbeatIntervalMs: BEAT })
    expect(first?.identity.user).toBe('ann')

    ann.set('w1', { document: 'a.md', sectionId: 'intro', heading: 'Intro' })
    ann.set('w1', { document: 'a.md', sectionId: 'budget', heading: 'Budget' })
    ann.set('w2', { document: 'b.md', sectionId: null, heading: null })
    await clock.advance(499)
    expect((await readRecord('i-ann'))?.seq).toBe(1) // not yet: one write per 500 ms
    await clock.advance(1)
    const moved = await readRecord('i-ann')
    expect(moved?.seq).toBe(2) // three changes, one write
    expect(moved?.documents).toEqual([
      { document: 'a.md', sectionId: 'budget', heading: 'Budget' },
      { document: 'b.md', sectionId: null, heading: null }
    ])

    await clock.advance(BEAT)
    expect((await readRecord('i-ann'))?.seq).toBe(3) // the heartbeat refresh
    ann.clientClosed('w2')
    await clock.advance(500)
    expect((await readRecord('i-ann'))?.documents.map((d) => d.document)).toEqual(['a.md'])

    await ann.dispose()
    expect(await readRecord('i-ann')).toBeNull()
    expect(clock.pendingTimers).toBe(0)
  })
})

describe('the others’ presence', () => {
  it('shows another instance, follows its cursor, and drops it when it leaves', async () => {
    const annClock = new FakeClock()
    const bobClock = new FakeClock()
    const ann = service(testIdentity('ann'), annClock)
    const bob = service(testIdentity('bob'), bobClock)
    const seen: string[][] = []
    ann.events.on('changed', ({ others }) =>
      seen.push(others.flatMap((o) => o.documents.map((d) => `${o.user}:${d.document}#${d.sectionId}`)))
    )
    await ann.start()
    await bob.start()
    bob.set('w', { document: 'a.md', sectionId: 'intro', heading: 'Intro' })
    await bobClock.advance(500)
    await ann.rescan()
    expect(ann.others().map((o) => o.user)).toEqual(['bob'])
    expect(bob.others().map((o) => o.user)).toEqual(['ann']) // never himself
    bob.set('w', { document: 'a.md', sectionId: 'budget', heading: 'Budget' })
    await bobClock.advance(500)
    await ann.rescan()
    await bob.dispose()
    await ann.rescan()
    expect(ann.others()).toEqual([])
    expect(seen).toEqual([['bob:a.md#intro'], ['bob:a.md#budget'], []])
  })

  it('drops a record that stood still for 3 beats of the observer’s own clock, whatever the writer’s clock says', async () => {
    const clock = new FakeClock()
    const ann = service(testIdentity('ann'), clock)
    await ann.start()
    // Another computer (its own host id): no pid check, only the heartbeats tell.
    await plant(testIdentity('bob'), 7)
    await ann.rescan()
    expect(ann.others().map((o) => o.user)).toEqual(['bob'])
    await clock.advance(2 * BEAT)
    await plant(testIdentity('bob'), 8) // a refresh restarts the watch (the watcher reports it)
    await ann.rescan()
    await clock.advance(2 * BEAT + 900)
    await ann.rescan()
    expect(ann.others().map((o) => o.user)).toEqual(['bob']) // 2.9 beats unchanged: still there
    // The scan timer set for the stale moment drops it without any file event.
    await clock.advance(200)
    expect(ann.others()).toEqual([])
    // A writer whose wall clock is far behind is judged the same way.
    await plant(testIdentity('cat'), 1, { refreshedAt: new Date(0).toISOString() })
    await ann.rescan()
    expect(ann.others().map((o) => o.user)).toEqual(['cat'])
  })

  it('drops a record of this machine whose process has ended at once', async () => {
    const clock = new FakeClock()
    const me = testIdentity('ann')
    const ann = service(me, clock)
    await ann.start()
    const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
    const deadPid = Number(ended.stdout.toString())
    await plant(testIdentity('bob', { hostId: me.hostId, pid: deadPid }), 1)
    await plant(testIdentity('cat', { hostId: me.hostId }), 1) // alive: this very process
    await ann.rescan()
    expect(ann.others().map((o) => o.user)).toEqual(['cat'])
    // The next instance started on this machine removes the ended one's leftover; cat's stays.
    await service(testIdentity('zed', { hostId: me.hostId }), clock).start()
    expect(await readRecord('i-bob')).toBeNull()
    expect(await readRecord('i-cat')).not.toBeNull()
    // The next instance started on this machine removes the ended one's leftover; cat's stays.
    await service(testIdentity('zed', { hostId: me.hostId }), clock).start()
    expect(await readRecord('i-bob')).toBeNull()
    expect(await readRecord('i-cat')).not.toBeNull()
  })

  it('ignores hostile files — huge, a link, not JSON, not a record, someone else’s name, a folder, a pipe — and keeps the good ones', async () => {
    const clock = new FakeClock()
    const ann = service(testIdentity('ann'), clock)
    await ann.start()
    await plant(testIdentity('bob'), 1)
    const dir = ws.presenceDir
    const valid = await fs.readFile(presenceFile(ws, 'i-bob'), 'utf8')
    const huge = JSON.parse(valid) as PresenceRecord
    huge.identity = testIdentity('huge')
    huge.refreshedAt = 'x'.repeat(5 * 1024 * 1024)
    await fs.writeFile(path.join(dir, 'i-huge.json'), JSON.stringify(huge))
    const outside = path.join(root, 'elsewhere.json')
    await fs.writeFile(outside, valid.replaceAll('i-bob', 'i-link'))
    await fs.symlink(outside, path.join(dir, 'i-link.json'))
    await fs.writeFile(path.join(dir, 'i-bad.json'), '{"format":1, "identity": ')
    await fs.writeFile(path.join(dir, 'i-shape.json'), JSON.stringify({ format: 1, identity: 'me' }))
    await fs.writeFile(path.join(dir, 'i-spoof.json'), valid) // bob's record under another name
    await fs.mkdir(path.join(dir, 'i-dir.json'))
    spawnSync('mkfifo', [path.join(dir, 'i-fifo.json')])
    await ann.rescan()
    expect(ann.others().map((o) => o.instanceId)).toEqual(['i-bob'])
  })
})
