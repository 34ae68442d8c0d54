import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Identity } from '../../../shared/types'
import { Workspace } from '../core/workspace'
import { FakeClock } from '../../../test/harness/fake-clock'
import { Metrics, type MetricsSnapshot } from './metrics'
import { aggregate, publishSnapshot, readSnapshots, removeSnapshot } from './metrics-store'

function identity(user: string, instanceId: string): Identity {
  return { ownerId: `${user}@h`, user, host: 'h', hostId: 'h', pid: 1, instanceId }
}

describe('metrics store', () => {
  let root: string
  let ws: Workspace
  let clock: FakeClock

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'metrics-'))
    ws = new Workspace(root)
    clock = new FakeClock(Date.UTC(2026, 3, 1, 8, 0, 0))
  })

  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true })
  })

  it('publishes one file per instance with identity and wall time, replacing the previous one', async () => {
    const m = new Metrics(clock)
    m.observe('save', 12, true)
    const file = await publishSnapshot(ws, identity('ann', '01ANN'), m.snapshot(), clock)
    expect(file).toBe(path.join(ws.metricsDir, '01ANN.json'))
    m.observe('save', 30, false)
    await clock.advance(5000)
    await publishSnapshot(ws, identity('ann', '01ANN'), m.snapshot(), clock)
    expect(await fs.readdir(ws.metricsDir)).toEqual(['01ANN.json'])
    const [published, ...rest] = await readSnapshots(ws)
    expect(rest).toEqual([])
    expect(published?.identity.user).toBe('ann')
    expect(published?.publishedAt).toBe('2026-04-01T08:00:05.000Z')
    expect(published?.snapshot).toEqual(m.snapshot())
  })

  it('reads every instance, skipping malformed files; remove drops one', async () => {
    expect(await readSnapshots(ws)).toEqual([])
    await publishSnapshot(ws, identity('ann', 'A'), new Metrics(clock).snapshot(), clock)
    await publishSnapshot(ws, identity('bob', 'B'), new Metrics(clock).snapshot(), clock)
    await fs.writeFile(path.join(ws.metricsDir, 'C.json'), '{"format":1,')
    await fs.writeFile(path.join(ws.metricsDir, 'D.json'), '{"format":2}')
    expect((await readSnapshots(ws)).map((p) => p.identity.user)).toEqual(['ann', 'bob'])
    await removeSnapshot(ws, 'A')
    expect((await readSnapshots(ws)).map((p) => p.identity.user)).toEqual(['bob'])
  })

  it('refuses an instance id that would escape the metrics folder', async () => {
    await expect(
      publishSnapshot(ws, identity('x', '../evil'), new Metrics(clock).snapshot(), clock)
    ).rejects.toThrow(/instance id/)
    await expect(fs.stat(path.join(ws.hidden, 'evil.json'))).rejects.toThrow()
  })

  it('aggregates: sums counters, max of percentiles as an upper bound, exact max', () => {
    const a = new Metrics(clock)
    const b = new Metrics(clock)
    a.lockActive(2)
    a.contention()
    b.lockActive(1)
    b.waitStart()
    b.timeout()
    for (let i = 1; i <= 100; i++) a.observe('save', i, i !== 1)
    for (let i = 0; i < 10; i++) b.observe('save', 500, true)
    b.observe('acquire', 3, false)
    const total = aggregate([a.snapshot(), b.snapshot()])
    expect(total.locks).toEqual({ active: 3, waiting: 1, timeouts: 1, contentions: 1 })
    expect(Object.keys(total.operations)).toEqual(['acquire', 'save'])
    expect(total.operations.save).toEqual({
      count: 110,
      failures: 1,
      throughputPerMinute: 110,
      latencyMs: { samples: 110, p50: 500, p95: 500, p99: 500, max: 500 }
    })
    expect(total.operations.acquire).toMatchObject({ count: 1, failures: 1, latencyMs: { max: 3 } })
  })

  it('aggregating does not alter the inputs, and nothing sums to zeros', () => {
    const snap: MetricsSnapshot = new Metrics(clock).snapshot()
    const m = new Metrics(clock)
    m.observe('save', 4, true)
    const one = m.snapshot()
    const copy = structuredClone(one)
    aggregate([one, one])
    expect(one).toEqual(copy)
    expect(aggregate([])).toEqual({ locks: snap.locks, operations: {} })
  })
})
