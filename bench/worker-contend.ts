/**
 * Contention worker (benchmark 2): one app instance that, after `go <ms>` on stdin, loops for that
 * long over random sections of one document — acquire (retrying a held section with the service's
 * backoff), create an exclusive marker file, save, remove the marker, release — and then reports
 * every latency, every save it was told succeeded, and every marker collision (a double grant).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { LockAcquisitionError, SectionedError } from '../shared/errors'
import { openWorkspace, type AppServices } from '../electron/services/app-services'
import type { LockHandle } from '../electron/services/locks/lock-service'
import { sectionText } from './docs'
import { sleep } from './timing'
import { nextCommand, send } from './worker-io'

/** A save the service reported as done: the parent checks it is in history and the file. */
export interface ReportedSave {
  sectionId: string
  version: number
  sha256: string
}

/** What a contender reports when its time is up. */
export interface ContenderReport {
  type: 'done'
  attempts: number[]
  waits: number[]
  saveTimes: number[]
  saves: ReportedSave[]
  refusals: number
  /** Rounds that were still waiting for a held section when the time was over. */
  gaveUp: number
  doubleGrants: number
  errors: Record<string, number>
  /** Document writes this instance made, and the saves they carried (group commit: more than one each). */
  writes: number
  writtenSaves: number
}

/** A report with nothing in it yet. */
export function emptyReport(): ContenderReport {
  return {
    type: 'done',
    attempts: [],
    waits: [],
    saveTimes: [],
    saves: [],
    refusals: 0,
    gaveUp: 0,
    doubleGrants: 0,
    errors: {},
    writes: 0,
    writtenSaves: 0
  }
}

interface Loop {
  s: AppServices
  doc: string
  sections: number
  markerDir: string
  /** The writer's name in its texts: `<process>` or `<process>.<window>`. */
  index: string
  /** When the run's time is over (performance.now()). */
  end: number
  /**
   * Sections a writer of this process holds. The app refuses a section another window of the same
   * instance holds (the contract's lock registry, per window), not the lock service: so does this.
   */
  heldHere: Set<string>
  report: ContenderReport
}

/**
 * Takes the section, retrying while someone else holds it with the service's own backoff (doubling
 * from minBackoffMs to maxBackoffMs, ±50 % jitter) — retried here so each attempt is timed. Gives
 * up (null) once the run's time is over, so the run ends on time even behind a slow holder.
 */
async function acquire(loop: Loop, sectionId: string): Promise<LockHandle | null> {
  const { minBackoffMs, maxBackoffMs } = loop.s.locks.settings
  const first = performance.now()
  for (let attempt = 0; performance.now() < loop.end; attempt++) {
    if (loop.heldHere.has(sectionId)) {
      // Refused by this instance's own registry, with no lock-service call to time.
      loop.report.refusals++
      await sleep(Math.min(maxBackoffMs, minBackoffMs * 2 ** attempt) * (0.5 + Math.random()))
      continue
    }
    const start = performance.now()
    try {
      const lock = await loop.s.locks.acquireSection(loop.doc, sectionId, { retries: 0 })
      if (loop.heldHere.has(sectionId)) {
        // Another window of this instance got it meanwhile (the service hands the owner its own lock).
        loop.report.attempts.push(performance.now() - start)
        loop.report.refusals++
        continue
      }
      loop.heldHere.add(sectionId)
      loop.report.attempts.push(performance.now() - start)
      loop.report.waits.push(performance.now() - first)
      return lock
    } catch (err) {
      loop.report.attempts.push(performance.now() - start)
      if (err instanceof LockAcquisitionError) loop.report.refusals++
      else count(loop, err)
      await sleep(Math.min(maxBackoffMs, minBackoffMs * 2 ** attempt) * (0.5 + Math.random()))
    }
  }
  loop.report.gaveUp++
  return null
}

function count(loop: Loop, err: unknown): void {
  const code = err instanceof SectionedError ? err.code : err instanceof Error ? err.name : 'unknown'
  loop.report.errors[code] = (loop.report.errors[code] ?? 0) + 1
}

/** One acquire → marker → save → release round on a random section. */
async function round(loop: Loop, n: number): Promise<void> {
  const i = 1 + Math.floor(Math.random() * loop.sections)
  const sectionId = `section-${i}`
  const lock = await acquire(loop, sectionId)
  if (!lock) return
  const marker = path.join(loop.markerDir, `${sectionId}.held`)
  let markerMine = true
  try {
    await fs.writeFile(marker, String(process.pid), { flag: 'wx' })
  } catch {
    markerMine = false
    loop.report.doubleGrants++
  }
  try {
    const { section } = await loop.s.documents.section(loop.doc, sectionId)
    const start = performance.now()
    const result = await loop.s.documents.saveSection(
      lock,
      section.sha256,
      sectionText(i, `Saved by writer ${loop.index}, round ${n}.`)
    )
    loop.report.saveTimes.push(performance.now() - start)
    if (result.version) {
      loop.report.saves.push({ sectionId, version: result.version.version, sha256: result.section.sha256 })
    }
  } catch (err) {
    count(loop, err)
  } finally {
    if (markerMine) await fs.unlink(marker)
    loop.heldHere.delete(sectionId)
    await loop.s.locks.release(lock)
  }
}

/**
 * `contend <folder> <doc> <sections> <markerDir> <index> [windows] [group|one-by-one]`: `windows`
 * writers (default 1) loop side by side on this one instance, as windows of one app do; with
 * `one-by-one` the instance writes their saves one at a time (group commit off: the control).
 */
export async function runContender([
  folder,
  doc,
  sections,
  markerDir,
  index,
  windows,
  commit
]: string[]): Promise<void> {
  const s = await openWorkspace({ folder, user: `writer${index}`, lockSettings: { idleTimeoutMs: 0 } })
  const report = emptyReport()
  send({ type: 'ready' })
  try {
    const [, ms] = await nextCommand('go')
    const end = performance.now() + Number(ms)
    const k = Number(windows ?? '1')
    if (commit === 'one-by-one') s.documents.writer.maxBatch = 1
    const heldHere = new Set<string>()
    await Promise.all(
      Array.from({ length: k }, async (_, w) => {
        const name = k === 1 ? index : `${index}.${w + 1}`
        const loop: Loop = {
          s,
          doc,
          sections: Number(sections),
          markerDir,
          index: name,
          end,
          report,
          heldHere
        }
        for (let n = 0; performance.now() < end; n++) await round(loop, n)
      })
    )
    report.writes = s.documents.writer.stats.batches
    report.writtenSaves = s.documents.writer.stats.plans
    send(report)
  } finally {
    await s.dispose()
  }
}
