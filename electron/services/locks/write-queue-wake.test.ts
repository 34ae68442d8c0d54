/**
 * A waiter is woken by its predecessor's leaving on every platform: libuv reports no event for a
 * watched folder's own removal on macOS (FSEvents) and Windows gives an error instead, so the queue
 * must not rely on one. Here the events of a folder's own name are dropped, as there; a hand-off
 * that waited for the safety poll (125 ms at the least) instead of the event shows in the median.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { testIdentity } from '../../../test/harness/test-identity'
import { SystemClock } from '../core/clock'
import { WriteQueue } from './write-queue'

vi.mock('../core/share-fs', async (original) => {
  const m = await original<typeof import('../core/share-fs')>()
  return {
    ...m,
    watchNames: (dir: string, onName: (name: string) => void) =>
      m.watchNames(dir, (name) => {
        if (name !== path.basename(dir)) onName(name) // as libuv on darwin and win32
      })
  }
})

const clock = new SystemClock()

describe('write queue wake-ups without a folder’s own removal event (macOS, Windows)', () => {
  it('hands the mutex on at the release, not at the next safety poll', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-wake-'))
    const queueDir = path.join(dir, 'write-queue')
    const mutexDir = path.join(dir, 'write')
    await fs.mkdir(mutexDir)
    let holder: string | null = null
    let releasedAt = 0
    const handoffs: number[] = []
    try {
      await Promise.all(
        Array.from({ length: 6 }, async (_, i) => {
          const queue = new WriteQueue({ clock, self: testIdentity(`w${i}`), events: true })
          for (let round = 0; round < 4; round++) {
            const got = await queue.take(queueDir, mutexDir, clock.monotonicNow() + 60_000, async () => {
              if (holder !== null) return null
              holder = `w${i}`
              if (releasedAt) handoffs.push(performance.now() - releasedAt)
              await fs.writeFile(path.join(mutexDir, 'taken'), holder)
              return holder
            })
            expect(got).toBe(`w${i}`)
            await new Promise((resolve) => setTimeout(resolve, 10)) // the save
            holder = null
            releasedAt = performance.now()
            await fs.writeFile(path.join(mutexDir, 'released'), `w${i}`) // the release, seen in the mutex folder
          }
        })
      )
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
    handoffs.sort((a, b) => a - b)
    const median = handoffs[handoffs.length >> 1]
    console.log(
      `[wake] ${handoffs.length} hand-offs, median ${median.toFixed(1)} ms, max ${handoffs.at(-1)?.toFixed(0)} ms`
    )
    expect(median).toBeLessThan(100)
  }, 60_000)
})
