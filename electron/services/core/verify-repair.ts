/**
 * `verify` and `verify --repair` over a whole workspace, document by document (a few at once): the
 * shared files first, then each document's data folder (and temp files beside the document), with
 * the checks and repairs other modules plug in. Progress is reported after each document and a stop
 * is honoured between documents, so a cancelled run has finished whole documents and left the
 * rest untouched.
 *
 * What `--repair` fixes is what is safe while instances of the app go on working: leftovers past
 * their grace period by the share's own clock (never this machine's clock against a file server's
 * mtimes) — temp files that no rename will ever take, `.claim-*` folders never put in place, and
 * record-less lock generations, which are cleared the way the app clears them: by claiming a
 * tombstone generation above them, an atomic step that fails if anyone else acts first. A lock
 * with a valid record is never touched; damaged records and planted files are left for a person.
 */
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { genName, readLockDir, type LockDirState } from '../locks/lock-dir'
import { checkDocumentData, isTempName, leftover } from './doc-data-check'
import { findDamagedSharedFiles } from './share-damage'
import { fileSystemNow, listEntries, lstatOrNull, removeFile, removeTree } from './share-fs'
import {
  describeAge,
  isYoung,
  type DocumentCheck,
  type DocumentContext,
  type DocumentRepair,
  type Finding,
  type RepairOutcome
} from './verify-findings'
import type { Workspace } from './workspace'

/** How to verify. */
export interface VerifyOptions {
  /** Fix what is safe to fix (see the module comment). */
  repair: boolean
  /** Checks plugged in by other modules, run on every document folder. */
  checks?: readonly DocumentCheck[]
  /** Repairs plugged in by other modules, run on every document folder with `repair`. */
  repairs?: readonly DocumentRepair[]
  /**
   * Clears a lock whose top generation has no record by claiming a tombstone generation above it
   * (the lock service's `releaseForeign`, which also audits it). Without it such locks are left.
   */
  clearUnfinishedLock?: (lockDir: string, state: LockDirState) => Promise<unknown>
  /** Called after each document: how many are done, of how many, and the one just done. */
  onProgress?: (done: number, total: number, current: string) => void
  /** Asked before each document; true stops the run there (finished documents stay finished). */
  shouldStop?: () => boolean
}

/** What a verify run found and did. */
export interface VerifyReport {
  /** Problems that are there now (after `--repair`, those it could not or may not fix). */
  problems: Finding[]
  /** Leftovers still inside their grace period: possibly work in progress, not counted as problems. */
  young: Finding[]
  /** What `--repair` fixed. */
  repaired: RepairOutcome[]
  /** What `--repair` attempted and left, and why (each is also among `problems`, or a plugged-in repair's). */
  left: RepairOutcome[]
  /** Documents (data folders) checked, of how many. */
  documents: { done: number; total: number }
  /** True when the run was stopped before its end. */
  cancelled: boolean
}

/** One unit of work: a document's data folder and the temp files beside the document. */
interface Unit {
  docKey: string
  document: string | null
  temps: string[]
}

const DOC = /\.(md|markdown)$/i
const DOC_TEMP = /^(.+\.(?:md|markdown))\.\d{1,10}$/i

/** Documents of the workspace and temp files beside them, mapped to their data folders. */
async function listUnits(ws: Workspace): Promise<Unit[]> {
  const units = new Map<string, Unit>()
  const unit = (docKey: string): Unit => {
    let u = units.get(docKey)
    if (!u) units.set(docKey, (u = { docKey, document: null, temps: [] }))
    return u
  }
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const e of (await listEntries(dir)) ?? []) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue
      const childRel = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) await walk(path.join(dir, e.name), childRel)
      else if (!e.isFile()) continue
      else if (DOC.test(e.name)) unit(ws.docKey(childRel)).document = childRel
      else {
        const m = DOC_TEMP.exec(e.name)
        if (m) unit(ws.docKey(rel ? `${rel}/${m[1]}` : m[1])).temps.push(path.join(dir, e.name))
      }
    }
  }
  await walk(ws.root, '')
  const withData = new Set(((await listEntries(path.join(ws.hidden, 'docs'))) ?? []).map((e) => e.name))
  for (const key of withData) unit(key)
  // Documents with neither data nor temp files have nothing to check.
  return [...units.values()]
    .filter((u) => withData.has(u.docKey) || u.temps.length > 0)
    .sort((a, b) => a.docKey.localeCompare(b.docKey))
}

/** "Now" on the share's clock: one probe per run, advanced by the time elapsed here since. */
function shareClock(ws: Workspace): () => Promise<number | null> {
  let probed: Promise<{ at: number; t0: number } | null> | undefined
  return async () => {
    probed ??= (async () => {
      const hidden = (await lstatOrNull(ws.hidden).catch(() => null))?.isDirectory()
      const name = `verify-clock-probe-${process.pid}-${randomBytes(4).toString('hex')}`
      try {
        return { at: await fileSystemNow(hidden ? ws.hidden : ws.root, name), t0: performance.now() }
      } catch {
        return null // a read-only share: ages are unknown, and nothing can be repaired anyway
      }
    })()
    const p = await probed
    return p === null ? null : p.at + (performance.now() - p.t0)
  }
}

/** Applies one built-in fix. */
async function applyFix(f: Finding, opts: VerifyOptions): Promise<RepairOutcome> {
  const done = (detail: string): RepairOutcome => ({ file: f.file, repaired: true, detail })
  const left = (detail: string): RepairOutcome => ({ file: f.file, repaired: false, detail })
  if (f.ageMs === null)
    return left("its age could not be read on the share's clock (is the share read-only?)")
  try {
    if (f.fix === 'remove-temp-file') {
      await removeFile(f.file)
      return done(`removed (${describeAge(f.ageMs ?? 0)} old)`)
    }
    if (f.fix === 'remove-claim-folder') {
      await removeTree(f.file)
      return done(`removed (${describeAge(f.ageMs ?? 0)} old)`)
    }
    if (!opts.clearUnfinishedLock) return left('no lock service to clear it with')
    const lockDir = path.dirname(f.file)
    const before = await readLockDir(lockDir)
    // Only the very generation that was found without a record: a lock that got its record, or moved
    // on, meanwhile is someone's and is not touched.
    if (before.kind !== 'claiming' || genName(before.top) !== path.basename(f.file))
      return before.kind === 'claiming'
        ? left('the lock moved on meanwhile; run verify again')
        : done(`resolved meanwhile (the lock is now ${before.kind})`)
    await opts.clearUnfinishedLock(lockDir, before)
    const after = await readLockDir(lockDir)
    if ((after.kind === 'released' || after.kind === 'held') && after.top > before.top)
      return done(
        `cleared: generation ${genName(after.top)} now decides the lock (it is ${after.kind === 'held' ? 'held by someone' : 'free'})`
      )
    return left(`could not be cleared (the lock is now ${after.kind}); run verify again`)
  } catch (err) {
    return left(`could not be repaired: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** Sorts findings into problems and young leftovers, fixing what may be fixed. */
async function settle(findings: Finding[], opts: VerifyOptions, report: VerifyReport): Promise<void> {
  for (const f of findings) {
    if (isYoung(f)) report.young.push(f)
    else if (!opts.repair || f.fix === undefined) report.problems.push(f)
    else {
      const outcome = await applyFix(f, opts)
      if (outcome.repaired) report.repaired.push(outcome)
      else {
        report.problems.push(f)
        report.left.push(outcome)
      }
    }
  }
}

/** Verifies (and with `repair`, repairs) a workspace. Never throws for damage, only for an unreadable workspace. */
export async function verifyWorkspace(ws: Workspace, opts: VerifyOptions): Promise<VerifyReport> {
  const report = emptyReport()
  const shareNow = shareClock(ws)

  const shared: Finding[] = (await findDamagedSharedFiles(ws)).map((d) => ({
    ...d,
    advice: 'delete it (the app skips it; it is rewritten or no longer needed)'
  }))
  for (const dir of [ws.requestsDir, ws.metricsDir, ws.presenceDir, ws.auditDir]) {
    for (const e of (await listEntries(dir)) ?? []) {
      if (!e.isFile() || !isTempName(e.name)) continue
      const f = await leftover({ shareNow }, path.join(dir, e.name), false)
      if (f) shared.push(f)
    }
  }
  await settle(shared, opts, report)

  const units = await listUnits(ws)
  report.documents.total = units.length
  // Each document's result is kept in its slot and merged in order: output does not depend on
  // which of the concurrent workers finished first.
  const results: (VerifyReport | undefined)[] = new Array(units.length)
  let next = 0
  const worker = async (): Promise<void> => {
    for (;;) {
      if (next >= units.length) return
      if (opts.shouldStop?.()) {
        report.cancelled = true
        return
      }
      const i = next++
      results[i] = await verifyUnit(ws, units[i], shareNow, opts)
      report.documents.done++
      opts.onProgress?.(report.documents.done, units.length, units[i].document ?? units[i].docKey)
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, units.length) }, worker))
  for (const r of results) {
    if (!r) continue
    report.problems.push(...r.problems)
    report.young.push(...r.young)
    report.repaired.push(...r.repaired)
    report.left.push(...r.left)
  }
  return report
}

/**
 * Documents worked on at once: a check is a chain of small file-system calls, each a round trip on
 * a network share, so a few in flight hide the latency. Ctrl+C waits for at most this many.
 */
const CONCURRENCY = 8

/** Verifies (and repairs) one document's data folder and the temp files beside the document. */
async function verifyUnit(
  ws: Workspace,
  u: Unit,
  shareNow: () => Promise<number | null>,
  opts: VerifyOptions
): Promise<VerifyReport> {
  const report = emptyReport()
  const ctx: DocumentContext = {
    ws,
    docKey: u.docKey,
    docDir: path.join(ws.hidden, 'docs', u.docKey),
    document: u.document,
    shareNow
  }
  // Plugged-in repairs first, so the plugged-in checks report what is left after them.
  if (opts.repair) {
    for (const r of opts.repairs ?? []) {
      for (const o of await r.repair(ctx)) (o.repaired ? report.repaired : report.left).push(o)
    }
  }
  const findings = await checkDocumentData(ctx)
  for (const t of u.temps) {
    const f = await leftover(ctx, t, false)
    if (f) findings.push(f)
  }
  for (const c of opts.checks ?? []) findings.push(...(await c.check(ctx)))
  await settle(findings, opts, report)
  return report
}

function emptyReport(): VerifyReport {
  return {
    problems: [],
    young: [],
    repaired: [],
    left: [],
    documents: { done: 0, total: 0 },
    cancelled: false
  }
}
