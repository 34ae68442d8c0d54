/**
 * The write queue's order and its recovery from waiters that went away (real folders, the real
 * clock). The mutex is played by a flag: the queue only decides who tries it when.
 */
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SystemClock } from '../core/clock'
import { testIdentity } from '../../../test/harness/test-identity'
import { genName } from './lock-dir'
import { WriteQueue } from './write-queue'

let dir: string
let queueDir: string
let mutexDir: string
const clock = new SystemClock()

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-queue-'))
  queueDir = path.join(dir, 'write-queue')
  mutexDir = path.join(dir, 'write')
  await fs.mkdir(mutexDir)
})

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

/** Puts a ticket in the queue as another waiter would (its record as given). */
async function plantTicket(k: number, record: object): Promise<string> {
  const t = path.join(queueDir, genName(k))
  await fs.mkdir(t, { recursive: true })
  await fs.writeFile(path.join(t, 'ticket.json'), JSON.stringify({ format: 1, beat: 0, ...record }))
  return t
}

async function tickets(): Promise<string[]> {
  return (await fs.readdir(queueDir).catch(() => [])).filter((n) => /^g\d{9}$/.test(n))
}

/** A pid that no process has now: a child that already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number
}

describe('WriteQueue', () => {
  it('serves waiters in the order they queued, each woken when the one ahead is done', async () => {
    let holder: string | null = 'someone' // the mutex starts taken
    const order: string[] = []
    const waiters = ['ann', 'bob', 'cy', 'dee'].map((user) => ({
      user,
      queue: new WriteQueue({ clock, self: testIdentity(user), events: true })
    }))
    const runs: Promise<unknown>[] = []
    for (const w of waiters) {
      const before = (await tickets()).length
      runs.push(
        w.queue.take(queueDir, mutexDir, clock.monotonicNow() + 10_000, async () => {
          if (holder !== null) return null
          holder = w.user
          order.push(w.user)
          await new Promise((r) => setTimeout(r, 5))
          holder = null
          await fs.writeFile(path.join(mutexDir, 'released'), w.user) // what a release does: a change here
          return w.user
        })
      )
      while ((await tickets()).length === before) await new Promise((r) => setTimeout(r, 2))
    }
    holder = null
    await fs.writeFile(path.join(mutexDir, 'released'), 'someone')
    await Promise.all(runs)
    expect(order).toEqual(['ann', 'bob', 'cy', 'dee'])
    expect(await tickets()).toEqual([])
  })

  it('skips and removes the ticket of a waiter whose process ended on this machine', async () => {
    const self = testIdentity('ann')
    const planted = await plantTicket(1, { hostId: self.hostId, pid: deadPid(), instanceId: 'gone' })
    const queue = new WriteQueue({ clock, self, events: true })
    const start = clock.monotonicNow()
    const got = await queue.take(queueDir, mutexDir, start + 10_000, () => Promise.resolve('mine'))
    expect(got).toBe('mine')
    expect(clock.monotonicNow() - start).toBeLessThan(5_000)
    await expect(fs.stat(planted)).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await tickets()).toEqual([])
  })

  it('clears several dead tickets in a row, each judged by the waiter behind it', async () => {
    const self = testIdentity('ann')
    // Two waiters of a machine that went away (silent), and behind them one whose process ended here.
    const gone = await plantTicket(1, { hostId: 'elsewhere', pid: 1, instanceId: 'gone-1' })
    await plantTicket(2, { hostId: 'elsewhere', pid: 1, instanceId: 'gone-2' })
    await plantTicket(3, { hostId: self.hostId, pid: deadPid(), instanceId: 'gone-3' })
    const queue = new WriteQueue({ clock, self, events: true, beatMs: 100 })
    const start = clock.monotonicNow()
    const got = await queue.take(queueDir, mutexDir, start + 20_000, () => Promise.resolve('mine'))
    expect(got).toBe('mine')
    expect(clock.monotonicNow() - start).toBeLessThan(15_000)
    await expect(fs.stat(gone)).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await tickets()).toEqual([])
  })

  it('skips the ticket of a waiter on another machine once it stops beating, never while it beats', async () => {
    const self = testIdentity('ann')
    // Three silent beats (1.2 s) judge a ticket abandoned: a loaded machine's timer can slip a few
    // hundred ms (at 100 ms beats this test once judged the live waiter dead at load 9).
    const beatMs = 400
    // A live waiter elsewhere: its ticket is rewritten every beat, so it is waited for.
    const live = await plantTicket(1, { hostId: 'elsewhere', pid: 1, instanceId: 'live' })
    let beats = 0
    const beating = setInterval(() => {
      void fs.writeFile(
        path.join(live, 'ticket.json'),
        JSON.stringify({ beat: ++beats, hostId: 'elsewhere' })
      )
    }, beatMs)
    const queue = new WriteQueue({ clock, self, events: true, beatMs })
    const start = clock.monotonicNow()
    let tried = false
    const run = queue.take(queueDir, mutexDir, start + 20_000, () => {
      tried = true
      return Promise.resolve('mine')
    })
    try {
      await new Promise((r) => setTimeout(r, 2_500))
      expect(tried).toBe(false) // still behind the beating ticket
    } finally {
      clearInterval(beating)
    }
    // It stops beating (its machine went away): skipped after three silent beats and a stall.
    expect(await run).toBe('mine')
    expect(clock.monotonicNow() - start).toBeLessThan(8_000)
    expect(await tickets()).toEqual([])
  })

  it('times out (null) at the deadline while the mutex stays taken, and leaves no ticket', async () => {
    await plantTicket(1, { hostId: 'elsewhere', pid: 1, instanceId: 'x' }) // someone waiting: no fast path
    const queue = new WriteQueue({ clock, self: testIdentity('ann'), events: true, beatMs: 10_000 })
    const got = await queue.take(queueDir, mutexDir, clock.monotonicNow() + 300, () => Promise.resolve(null))
    expect(got).toBeNull()
    expect(await tickets()).toEqual([genName(1)])
  })
})
