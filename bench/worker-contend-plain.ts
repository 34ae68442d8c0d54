/**
 * The contention benchmark's anchor (benchmark 2): the plainest protected save, in one of the same
 * number of separate processes on the same document. After `go <ms>` it loops: lock the whole
 * document with proper-lockfile (an attempt of its own, retried after ELOCKED with the same backoff
 * the contenders use, each attempt timed), create an exclusive marker file (a double grant if it is
 * there), read the file, replace one random section's text, write it with write-file-atomic (the
 * file fsynced, then renamed), remove the marker, unlock. No services, no history, no index.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import lockfile from 'proper-lockfile'
import writeFileAtomic from 'write-file-atomic'
import { DEFAULT_LOCK_SETTINGS } from '../electron/services/locks/lock-config'
import { sectionText } from './docs'
import { epochNow, sleep } from './timing'
import { nextCommand, send } from './worker-io'

/** A save the anchor finished (its unlock included): the parent checks the newest per section is in the file. */
export interface PlainSave {
  section: number
  body: string
  /** Epoch ms when the write had landed (before the unlock): saves under one lock are ordered by it. */
  at: number
}

/** What an anchor process reports when its time is up. */
export interface PlainReport {
  type: 'done'
  attempts: number[]
  /** From the first lock attempt until the document is written and unlocked: the lock is the write mutex. */
  saveTimes: number[]
  saves: PlainSave[]
  refusals: number
  doubleGrants: number
  errors: Record<string, number>
}

const HEADING = /^## Section (\d+)\n/gm

/**
 * `text` with section `i` of a {@link sectionedDoc} (from its `## Section i` line to the next
 * `## Section` line or the end) replaced by `replacement`. Throws if the section is not there.
 */
export function replaceSection(text: string, i: number, replacement: string): string {
  const start = text.indexOf(`## Section ${i}\n`)
  if (start < 0 || (start > 0 && text[start - 1] !== '\n')) throw new Error(`no section ${i}`)
  const next = text.indexOf('\n## Section ', start)
  const end = next < 0 ? text.length : next + 1
  return text.slice(0, start) + replacement + text.slice(end)
}

/** Each section's text in a {@link sectionedDoc}, by section number. */
export function sectionsOf(text: string): Map<number, string> {
  const starts = [...text.matchAll(HEADING)].map((m) => ({ i: Number(m[1]), at: m.index }))
  return new Map(starts.map((s, k) => [s.i, text.slice(s.at, starts[k + 1]?.at ?? text.length)]))
}

/**
 * Reported saves that are not in the file: for each section, the save that landed last must be its
 * text; two saves of one section that landed at the same instant count as a loss (one of them is gone).
 */
export function plainLostSaves(text: string, saves: readonly PlainSave[]): number {
  const newest = new Map<number, PlainSave>()
  let lost = 0
  for (const s of saves) {
    const before = newest.get(s.section)
    if (before?.at === s.at) lost++
    if (!before || before.at < s.at) newest.set(s.section, s)
  }
  const sections = sectionsOf(text)
  for (const [i, s] of newest) if (sections.get(i) !== sectionText(i, s.body)) lost++
  return lost
}

interface PlainLoop {
  file: string
  marker: string
  sections: number
  index: string
  end: number
  report: PlainReport
}

function count(report: PlainReport, err: unknown): void {
  const code = (err as NodeJS.ErrnoException)?.code ?? (err instanceof Error ? err.name : 'unknown')
  report.errors[code] = (report.errors[code] ?? 0) + 1
}

/** Locks the document, retrying ELOCKED as the contenders retry a held section; null once time is up. */
async function lock(loop: PlainLoop): Promise<(() => Promise<void>) | null> {
  const { minBackoffMs, maxBackoffMs } = DEFAULT_LOCK_SETTINGS
  for (let attempt = 0; performance.now() < loop.end; attempt++) {
    const start = performance.now()
    try {
      const release = await lockfile.lock(loop.file, {
        realpath: false,
        retries: 0,
        onCompromised: (err) => count(loop.report, err)
      })
      loop.report.attempts.push(performance.now() - start)
      return release
    } catch (err) {
      loop.report.attempts.push(performance.now() - start)
      if ((err as NodeJS.ErrnoException).code === 'ELOCKED') loop.report.refusals++
      else count(loop.report, err)
      await sleep(Math.min(maxBackoffMs, minBackoffMs * 2 ** attempt) * (0.5 + Math.random()))
    }
  }
  return null
}

async function round(loop: PlainLoop, n: number): Promise<void> {
  const i = 1 + Math.floor(Math.random() * loop.sections)
  const body = `Saved by plain writer ${loop.index}, round ${n}.`
  const first = performance.now()
  const release = await lock(loop)
  if (!release) return
  let markerMine = true
  try {
    await fs.writeFile(loop.marker, String(process.pid), { flag: 'wx' })
  } catch {
    markerMine = false
    loop.report.doubleGrants++
  }
  let at = 0
  try {
    const text = await fs.readFile(loop.file, 'utf8')
    await writeFileAtomic(loop.file, replaceSection(text, i, sectionText(i, body)))
    at = epochNow()
  } catch (err) {
    count(loop.report, err)
  } finally {
    if (markerMine) await fs.unlink(loop.marker)
    await release().catch((err: unknown) => count(loop.report, err))
  }
  if (at) {
    loop.report.saveTimes.push(performance.now() - first)
    loop.report.saves.push({ section: i, body, at })
  }
}

/** A report with nothing in it yet (one process's, or the sum of several). */
export function emptyPlainReport(): PlainReport {
  return { type: 'done', attempts: [], saveTimes: [], saves: [], refusals: 0, doubleGrants: 0, errors: {} }
}

/** `contend-plain <folder> <doc> <sections> <markerDir> <index>`: one anchor process. */
export async function runPlainContender([folder, doc, sections, markerDir, index]: string[]): Promise<void> {
  const report = emptyPlainReport()
  send({ type: 'ready' })
  const [, ms] = await nextCommand('go')
  const loop: PlainLoop = {
    file: path.join(folder, doc),
    marker: path.join(markerDir, `${doc}.held`),
    sections: Number(sections),
    index,
    end: performance.now() + Number(ms),
    report
  }
  for (let n = 0; performance.now() < loop.end; n++) await round(loop, n)
  send(report)
}
