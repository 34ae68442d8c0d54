import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../../test/harness/fake-clock'
import { LATENCY_SAMPLES, Metrics, percentile } from './metrics'

describe('Metrics', () => {
  it('tracks lock gauges and counters, never letting waiting go negative', () => {
    const m = new Metrics(new FakeClock())
    m.lockActive(3)
    m.waitStart()
    m.waitStart()
    m.waitEnd()
    m.timeout()
    m.contention()
    m.contention()
    expect(m.snapshot().locks).toEqual({ active: 3, waiting: 1, timeouts: 1, contentions: 2 })
    m.waitEnd()
    m.waitEnd()
    m.lockActive(-2)
    expect(m.snapshot().locks).toMatchObject({ active: 0, waiting: 0 })
  })

  it('counts throughput over a sliding 60 s window of monotonic time', async () => {
    const clock = new FakeClock()
    const m = new Metrics(clock)
    for (let i = 0; i < 10; i++) m.observe('save', 5, true)
    await clock.advance(30_000)
    for (let i = 0; i < 5; i++) m.observe('save', 5, true)
    expect(m.snapshot().operations.save?.throughputPerMinute).toBe(15)
    await clock.advance(31_000) // t = 61 s: the first ten have left the window
    expect(m.snapshot().operations.save?.throughputPerMinute).toBe(5)
    await clock.advance(30_000) // t = 91 s
    expect(m.snapshot().operations.save?.throughputPerMinute).toBe(0)
    expect(m.snapshot().operations.save?.count).toBe(15)
  })

  it('reuses window buckets correctly after long idle periods', async () => {
    const clock = new FakeClock()
    const m = new Metrics(clock)
    m.observe('op', 1, true)
    await clock.advance(60_000) // same bucket index, one minute later
    m.observe('op', 1, true)
    expect(m.snapshot().operations.op?.throughputPerMinute).toBe(1)
    clock.skewWall(-3_600_000) // a wall-clock jump does not matter
    expect(m.snapshot().operations.op?.throughputPerMinute).toBe(1)
  })

  it('computes nearest-rank percentiles and max over the last 1024 samples', () => {
    const m = new Metrics(new FakeClock())
    for (let i = 1; i <= 100; i++) m.observe('save', i, true)
    expect(m.snapshot().operations.save?.latencyMs).toEqual({
      samples: 100,
      p50: 50,
      p95: 95,
      p99: 99,
      max: 100
    })
    // Push 1024 fast samples: the slow ones fall out of the window.
    for (let i = 0; i < LATENCY_SAMPLES; i++) m.observe('save', 2, true)
    expect(m.snapshot().operations.save?.latencyMs).toEqual({
      samples: LATENCY_SAMPLES,
      p50: 2,
      p95: 2,
      p99: 2,
      max: 2
    })
  })

  it('keeps failures per operation and reports no latency before the first run', () => {
    const m = new Metrics(new FakeClock())
    m.observe('save', 10, false)
    m.observe('save', 10, true)
    m.observe('acquire', Number.NaN, false)
    const ops = m.snapshot().operations
    expect(Object.keys(ops)).toEqual(['acquire', 'save'])
    expect(ops.save).toMatchObject({ count: 2, failures: 1 })
    expect(ops.acquire).toMatchObject({ count: 1, failures: 1, latencyMs: { p50: 0 } })
    expect(new Metrics(new FakeClock()).snapshot()).toEqual({
      format: 1,
      locks: { active: 0, waiting: 0, timeouts: 0, contentions: 0 },
      operations: {}
    })
  })

  it('time() measures with the monotonic clock and counts a throw as a failure', async () => {
    const clock = new FakeClock()
    const m = new Metrics(clock)
    const value = await m.time('save', async () => {
      await clock.advance(40)
      return 'done'
    })
    expect(value).toBe('done')
    const boom = new Error('disk full')
    await expect(
      m.time('save', async () => {
        await clock.advance(250)
        throw boom
      })
    ).rejects.toBe(boom)
    expect(m.snapshot().operations.save).toMatchObject({
      count: 2,
      failures: 1,
      latencyMs: { samples: 2, p50: 40, max: 250 }
    })
  })

  it('snapshots are plain JSON copies', () => {
    const m = new Metrics(new FakeClock())
    m.observe('save', 3, true)
    const snap = m.snapshot()
    m.observe('save', 9, true)
    expect(snap.operations.save?.count).toBe(1)
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap)
  })

  it('percentile handles edge sizes', () => {
    expect(percentile([], 50)).toBeNull()
    expect(percentile([7], 99)).toBe(7)
    expect(percentile([1, 2], 50)).toBe(1)
    expect(percentile([1, 2], 51)).toBe(2)
  })
})
