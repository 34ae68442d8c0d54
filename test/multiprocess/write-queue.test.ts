/**
 * The write mutex is first come, first served across processes (SPEC L3; locks/write-queue.ts):
 * real processes contend for one document's mutex, and every acquisition is checked against the
 * others' — who asked later but got it first — and against an exclusive marker (no double grant).
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { killAll, LOCK_WORKER, start } from '../harness/test-processes'

let dir: string

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-wq-'))
  await fs.writeFile(path.join(dir, 'doc.md'), '# One\n\nText.\n')
})

afterEach(async () => {
  killAll()
  await fs.rm(dir, { recursive: true, force: true })
})

interface Took {
  worker: number
  asked: number
  got: number
}

/** For each acquisition, how many acquisitions by other workers asked after it and got it before. */
export function overtakes(all: Took[]): number[] {
  return all.map((a) => all.filter((b) => b.worker !== a.worker && b.asked > a.asked && b.got < a.got).length)
}

describe('write mutex fairness across processes', () => {
  it('8 processes × 25 acquisitions: no double grant, and no waiter overtaken more than twice', async () => {
    const markers = path.join(dir, 'markers')
    await fs.mkdir(markers)
    const workers = Array.from({ length: 8 }, () =>
      start(LOCK_WORKER, [dir, 'doc.md', '-', '25', markers, 'write'])
    )
    const done = await Promise.all(workers.map((w) => w.done))
    const all: Took[] = []
    done.forEach((d, worker) => {
      expect(d.code, d.stderr).toBe(0)
      for (const m of d.stdout.matchAll(/^took ([\d.]+) ([\d.]+)$/gm))
        all.push({ worker, asked: Number(m[1]), got: Number(m[2]) })
    })
    expect(all).toHaveLength(200)
    const o = overtakes(all)
    const worst = Math.max(...o)
    console.log(
      `write-queue fairness: 200 acquisitions, overtaken: max ${worst}, ` +
        `mean ${(o.reduce((a, b) => a + b, 0) / o.length).toFixed(2)}, more than once ${o.filter((x) => x > 1).length}`
    )
    expect(worst).toBeLessThanOrEqual(2)
    // Every waiter left: no ticket is left behind in the queue.
    const queues = await fs.readdir(path.join(dir, '.sectioned', 'docs'))
    for (const q of queues) {
      const left = await fs
        .readdir(path.join(dir, '.sectioned', 'docs', q, 'locks', 'write-queue'))
        .catch(() => [])
      expect(left.filter((n) => /^g\d{9}$/.test(n))).toEqual([])
    }
  })
})
