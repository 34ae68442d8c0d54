/**
 * Issue 13's proof: 0 double grants over 1,000 contended acquisitions. Real processes (the built
 * lock worker) take one lock over and over; while holding it each creates an exclusive marker
 * (`wx`: fails if the file exists) and removes it before releasing, so two holders at once make
 * the second create fail and its worker exit 9. Every acquisition's asking and granting times show
 * how many processes were waiting at once, i.e. that the lock really was contended.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { killAll, LOCK_WORKER, start } from '../harness/test-processes'

const PROCESSES = 8
const EACH = 125
/** The exit code of a worker that found another holder's marker (see lock-worker.ts). */
const DOUBLE_GRANT = 9

let dir: string

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-contend-'))
  await fs.writeFile(path.join(dir, 'doc.md'), '# Budget\n\nNumbers.\n\n# Plan\n\nWords.\n')
})

afterEach(async () => {
  killAll()
  await fs.rm(dir, { recursive: true, force: true })
})

/** One acquisition: which worker, when it asked and when it got the lock (epoch ms). */
interface Took {
  worker: number
  asked: number
  got: number
}

/** The most acquisitions asked and not yet granted at one moment. */
function maxWaiters(all: Took[]): number {
  // At equal times a grant counts before a new ask, so a hand-over is not counted as two waiters.
  const events = all.flatMap((t) => [
    { at: t.asked, delta: 1 },
    { at: t.got, delta: -1 }
  ])
  events.sort((a, b) => a.at - b.at || a.delta - b.delta)
  let waiting = 0
  let most = 0
  for (const e of events) {
    waiting += e.delta
    most = Math.max(most, waiting)
  }
  return most
}

/** Grants made while another worker was waiting (had asked and not been granted yet). */
function grantedOverWaiters(all: Took[]): number {
  return all.filter((a) => all.some((b) => b.worker !== a.worker && b.asked < a.got && b.got > a.got)).length
}

/** Acquisitions that waited for another worker's grant (someone else got the lock in between). */
function waitedForOthers(all: Took[]): number {
  return all.filter((a) => all.some((b) => b.worker !== a.worker && b.got > a.asked && b.got < a.got)).length
}

/** Runs PROCESSES lock workers × EACH acquisitions of one lock (a section's, or the write mutex). */
async function contend(write: boolean): Promise<Took[]> {
  const markers = path.join(dir, 'markers')
  await fs.mkdir(markers)
  const started = performance.now()
  const workers = Array.from({ length: PROCESSES }, () =>
    start(LOCK_WORKER, [
      dir,
      'doc.md',
      write ? '-' : 'budget',
      String(EACH),
      markers,
      ...(write ? ['write'] : [])
    ])
  )
  const done = await Promise.all(workers.map((w) => w.done))
  const seconds = (performance.now() - started) / 1000
  const took: Took[] = []
  done.forEach((d, worker) => {
    for (const m of d.stdout.matchAll(/^took ([\d.]+) ([\d.]+)$/gm))
      took.push({ worker, asked: Number(m[1]), got: Number(m[2]) })
  })
  const doubleGrants = done.filter((d) => d.code === DOUBLE_GRANT).length
  for (const d of done) if (d.code !== DOUBLE_GRANT) expect(d.code, d.stderr).toBe(0)
  const acquired = done.reduce((n, d) => n + Number(/^acquired (\d+)$/m.exec(d.stdout)?.[1] ?? 0), 0)
  console.log(
    `${write ? 'write mutex' : 'section lock'}: ${acquired} acquisitions by ${PROCESSES} processes in ` +
      `${seconds.toFixed(1)} s (${(acquired / seconds).toFixed(0)}/s); max waiters ${maxWaiters(took)}, ` +
      `granted while others waited ${grantedOverWaiters(took)}, waited for another's grant ` +
      `${waitedForOthers(took)}; double grants ${doubleGrants}`
  )
  expect(doubleGrants).toBe(0)
  expect(acquired).toBe(PROCESSES * EACH)
  expect(took).toHaveLength(PROCESSES * EACH)
  return took
}

describe('one lock, 8 processes, 1,000 acquisitions', () => {
  it('the marker catches two holders at once (two workspaces, so two locks, one marker)', async () => {
    const markers = path.join(dir, 'markers')
    await fs.mkdir(markers)
    const folders = [path.join(dir, 'one'), path.join(dir, 'two')]
    for (const f of folders) {
      await fs.mkdir(f)
      await fs.copyFile(path.join(dir, 'doc.md'), path.join(f, 'doc.md'))
    }
    // The first to finish stops at a collision (2,000 rounds leave room for a late start); the
    // other would go on alone, so it is killed.
    const workers = folders.map((f) => start(LOCK_WORKER, [f, 'doc.md', 'budget', '2000', markers]))
    const first = await Promise.race(workers.map((w) => w.done))
    killAll()
    expect(first.code, first.stdout.slice(-200)).toBe(DOUBLE_GRANT)
    expect(first.stderr).toMatch(/double grant/)
  })

  it('a section lock is never granted twice', { timeout: 180_000 }, async () => {
    const took = await contend(false)
    // Contended for real: several processes waiting at once, most grants made over other waiters.
    expect(maxWaiters(took)).toBeGreaterThanOrEqual(3)
    expect(grantedOverWaiters(took)).toBeGreaterThan(took.length / 2)
  })

  it('the write mutex is never granted twice', { timeout: 180_000 }, async () => {
    const took = await contend(true)
    expect(maxWaiters(took)).toBeGreaterThanOrEqual(3)
    expect(grantedOverWaiters(took)).toBeGreaterThan(took.length / 2)
  })
})
