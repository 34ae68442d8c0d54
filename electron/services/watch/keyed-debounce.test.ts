import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../../test/harness/fake-clock'
import { KeyedDebounce } from './keyed-debounce'
import { SerialRuns } from './serial-runs'

describe('KeyedDebounce', () => {
  it('runs once per key after a quiet period, and no later than the max wait', async () => {
    const clock = new FakeClock()
    const d = new KeyedDebounce(clock, 20, 100)
    const runs: string[] = []
    for (let i = 0; i < 3; i++) {
      d.schedule('a', () => runs.push('a'))
      await clock.advance(10)
    }
    d.schedule('b', () => runs.push('b'))
    await clock.advance(20)
    expect(runs).toEqual(['a', 'b'])

    for (let i = 0; i < 20; i++) {
      d.schedule('busy', () => runs.push('busy'))
      await clock.advance(10)
    }
    expect(runs.filter((r) => r === 'busy')).toHaveLength(2) // at 100 ms and 200 ms, never quiet
    d.schedule('gone', () => runs.push('gone'))
    d.dispose()
    expect(clock.pendingTimers).toBe(0)
    await clock.advance(1000)
    expect(runs).not.toContain('gone')
  })
})

describe('SerialRuns', () => {
  it('runs one task per key at a time and folds a burst of requests into one more run', async () => {
    const errors: unknown[] = []
    const runs = new SerialRuns((err) => errors.push(err))
    let active = 0
    let maxActive = 0
    let count = 0
    const task = async () => {
      active++
      maxActive = Math.max(maxActive, active)
      count++
      await new Promise((r) => setTimeout(r, 5))
      active--
    }
    for (let i = 0; i < 10; i++) runs.request('k', task)
    runs.request('boom', () => Promise.reject(new Error('boom')))
    await runs.idle()
    expect(maxActive).toBe(1)
    expect(count).toBe(2)
    expect(errors).toHaveLength(1)
  })
})
