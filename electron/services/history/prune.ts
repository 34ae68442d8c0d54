/**
 * SPEC H5: pruning section histories. A version survives when it is among the last `keep` of its
 * section, or (when `days` is given) younger than `days` days — either rule is enough. Never
 * pruned, whatever the rules say: version 1, versions marked before a structure operation, pinned
 * versions, and the highest version (whose number the next append counts from).
 */
import { IntegrityError, ValidationError } from '../../../shared/errors'
import type { VersionRecord } from '../../../shared/types'
import type { Clock } from '../core/clock'
import type { Workspace } from '../core/workspace'
import type { HistoryStore } from './history-store'
import type { IntegrityProblem } from './version-file'

const DAY_MS = 24 * 60 * 60 * 1000

/** How much history to keep. */
export interface PruneOptions {
  /** Versions to keep per section, counting from the newest (integer ≥ 1, default 100). */
  keep?: number
  /** Also keep every version younger than this many days (≥ 0); null or absent: count only. */
  days?: number | null
  /** Report what would be removed without removing anything (the CLI's preview). */
  dryRun?: boolean
  /**
   * Runs the work on one document under its cross-process write mutex, so another instance cannot
   * pin or append between our decision and the deletion. Without it, run prune when no one writes.
   */
  withDocumentLock?: <T>(document: string, fn: () => Promise<T>) => Promise<T>
  /** Called after each document: how many are done, of how many, and the one just done. */
  onProgress?: (done: number, total: number, document: string) => void
  /** Asked before each document; true stops the run there (documents already pruned stay pruned). */
  shouldStop?: () => boolean
}

/** Counts of one document's (or the whole run's) versions. */
export interface PruneCounts {
  scanned: number
  removed: number
  kept: number
}

/** What a prune did: totals, the same per document, and sections skipped because their history is damaged. */
export interface PruneReport extends PruneCounts {
  perDocument: Record<string, PruneCounts>
  /** Damaged sections are left alone (pruning them could delete the only good copies); run verify. */
  problems: IntegrityProblem[]
  /** Set when `shouldStop` ended the run early: how many documents were done, of how many. */
  cancelled?: { documentsDone: number; documentsTotal: number }
}

/** The policy after validation, with the time the age rule measures from. */
export interface PrunePolicy {
  keep: number
  days: number | null
  nowMs: number
}

/** Checks options and fills defaults; throws ValidationError for a keep or days a person mistyped. */
export function prunePolicy(opts: PruneOptions, nowMs: number): PrunePolicy {
  const keep = opts.keep ?? 100
  if (!Number.isInteger(keep) || keep < 1) {
    throw new ValidationError(
      `Keep must be a whole number of versions, at least 1 (got ${String(opts.keep)}).`
    )
  }
  const days = opts.days ?? null
  if (days !== null && !(Number.isFinite(days) && days >= 0)) {
    throw new ValidationError(`Days must be zero or more (got ${String(opts.days)}).`)
  }
  return { keep, days, nowMs }
}

/** The version numbers of one section's history (ascending records) that the policy lets go. */
export function selectPrunable(records: readonly VersionRecord[], policy: PrunePolicy): number[] {
  const highest = records.reduce((max, r) => Math.max(max, r.version), 0)
  const byAge = [...records].sort((a, b) => b.version - a.version)
  const newest = new Set(byAge.slice(0, policy.keep).map((r) => r.version))
  const prunable: number[] = []
  for (const r of records) {
    if (r.version === 1 || r.version === highest || r.pinned || r.beforeStructure) continue
    if (newest.has(r.version)) continue
    if (policy.days !== null && isYoung(r.timestamp, policy)) continue
    prunable.push(r.version)
  }
  return prunable
}

function isYoung(timestamp: string, policy: PrunePolicy): boolean {
  const at = Date.parse(timestamp)
  // An unreadable time is treated as young: when unsure, keep.
  if (Number.isNaN(at)) return true
  return policy.nowMs - at < (policy.days ?? 0) * DAY_MS
}

/**
 * Prunes every section of every document that has history, one document at a time (a stop is
 * honoured between documents). Validates options first (nothing is touched on a ValidationError). Sections whose history fails verification are skipped and listed
 * in `problems`; other failures (the disk) are thrown.
 */
export async function prune(
  ws: Workspace,
  history: HistoryStore,
  clock: Clock,
  opts: PruneOptions = {}
): Promise<PruneReport> {
  const policy = prunePolicy(opts, clock.wallNow())
  const report: PruneReport = { scanned: 0, removed: 0, kept: 0, perDocument: {}, problems: [] }
  const run = opts.withDocumentLock ?? (<T>(_doc: string, fn: () => Promise<T>) => fn())
  const documents = await history.listDocuments()
  for (const [i, doc] of documents.entries()) {
    if (opts.shouldStop?.()) {
      report.cancelled = { documentsDone: i, documentsTotal: documents.length }
      break
    }
    const counts: PruneCounts = { scanned: 0, removed: 0, kept: 0 }
    await run(doc, async () => {
      for (const sectionId of await history.listSections(doc)) {
        let records: VersionRecord[]
        try {
          records = await history.list(doc, sectionId)
        } catch (err) {
          if (!(err instanceof IntegrityError)) throw err
          report.problems.push({ file: ws.historyDir(doc, sectionId), problem: err.message })
          continue
        }
        const doomed = selectPrunable(records, policy)
        const removed =
          opts.dryRun || doomed.length === 0
            ? doomed.length
            : await history.removeVersions(doc, sectionId, doomed)
        counts.scanned += records.length
        counts.removed += removed
        counts.kept += records.length - removed
      }
    })
    report.perDocument[doc] = counts
    report.scanned += counts.scanned
    report.removed += counts.removed
    report.kept += counts.kept
    opts.onProgress?.(i + 1, documents.length, doc)
  }
  return report
}
