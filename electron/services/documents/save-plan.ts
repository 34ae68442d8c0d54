/**
 * A section save as a plan of the document writer (document-writer.ts): under the write mutex the
 * locks are checked (SPEC L5, beside the read of the file), and on the document as it stands in the
 * batch the run's bases (H2), the run spliced in (S4), the new sections locked; before the rename the replaced texts are
 * kept in history; after it the merged sections' locks are released and the save audited.
 */
import type { Identity, SectionInfo, VersionRecord } from '../../../shared/types'
import type { LockHandle, LockService } from '../locks/lock-service'
import { spliceRun } from '../sections/splice'
import type { DocumentAuditSink } from './document-service'
import type { WritePlan } from './document-writer'
import { auditRunSave, checkRunBases, lockNewSections, type RunPart } from './run-save'
import { intentOf, prepareHistory, type CommitContext } from './save-commit'

/** What a save produced. */
export interface SaveResult {
  document: string
  /** The first section of the saved run (it keeps its id). */
  section: SectionInfo
  /** All sections after the save (new headings in the saved text become new sections). */
  sections: SectionInfo[]
  /** The sections that now occupy the saved run, in file order; the first keeps the first id. */
  run: SectionInfo[]
  /** Ids of run sections whose heading was deleted (their text joined the section above); their locks were released. */
  retired: string[]
  /** Locks taken for the run's new sections, for the same holder, before the document was written. */
  acquired: LockHandle[]
  /**
   * The file's checksum as this save left it. When other saves of this instance were written in the
   * same batch (group commit), this is the version between them that the save made: the file on
   * disk may already be a later one (the next event says so).
   */
  fileSha256: string
  /** The file's checksum before the save: the version the run was spliced into. */
  baseFileSha256: string
  /** The run's text as it is now in the file (line endings and final line break as written). */
  runText: string
  /** The first section's new version; null when its text did not change. */
  version: VersionRecord | null
  /** False when the text was identical to what was on disk (nothing written). */
  changed: boolean
}

/** What a save plan needs from the document service. */
export interface SavePlanDeps {
  locks: LockService
  audit?: DocumentAuditSink
  commitContext: () => CommitContext
  self: Identity
}

/** The plan that saves `text` over the run `parts` (ids `ids`) of the document `rel`. */
export function savePlan(
  d: SavePlanDeps,
  doc: { rel: string; abs: string },
  parts: readonly RunPart[],
  ids: readonly string[],
  text: string,
  reason: string
): WritePlan<SaveResult> {
  const { rel } = doc
  return {
    ...doc,
    touches: ids,
    // Checked inside the mutex: a holder whose lock was taken over can never write (SPEC L5).
    check: async () => {
      for (const p of parts) await d.locks.assertHeld(p.lock)
    },
    plan: async (cur, batch) => {
      const olds = checkRunBases(rel, cur.buf, cur.index, parts, text, (e) => d.audit?.record(e))
      const spliced = spliceRun(cur.buf, cur.index, [...ids], text)
      const runText = (buf: Buffer, run: readonly SectionInfo[]) =>
        buf.subarray(run[0].start, run[run.length - 1].end).toString('utf8')
      if (spliced.index.fileSha256 === cur.index.fileSha256) {
        return {
          next: cur,
          versions: [],
          retired: [],
          finish: () => {
            for (const p of parts) d.locks.touch(p.lock)
            return {
              document: rel,
              section: olds[0],
              sections: cur.index.sections,
              run: olds,
              retired: [],
              acquired: [],
              fileSha256: cur.index.fileSha256,
              baseFileSha256: cur.index.fileSha256,
              runText: runText(cur.buf, olds),
              version: null,
              changed: false
            }
          }
        }
      }
      const acquired = await lockNewSections(d.locks, rel, spliced)
      const ctx = d.commitContext()
      const intent = intentOf(ctx, rel, cur.index.fileSha256, olds, spliced, reason, batch.time)
      return {
        next: { buf: spliced.buffer, index: spliced.index },
        versions: intent.versions,
        retired: intent.retired,
        prepare: () => prepareHistory(ctx, cur.buf, olds, intent, batch.unfinished),
        // Nothing was written: the new sections do not exist, so neither may their locks.
        abandon: async () => {
          await Promise.all(acquired.map((l) => d.locks.releaseLogged(l, 'save refused')))
        },
        finish: async (versions) => {
          const version = versions.get(spliced.run[0].id) ?? null
          for (const p of parts) {
            if (spliced.retired.includes(p.lock.sectionId as string))
              await d.locks.releaseLogged(p.lock, 'merged into the section above')
            else d.locks.touch(p.lock)
          }
          try {
            if (d.audit) auditRunSave(d.audit, rel, spliced, version)
          } catch {
            // The save has succeeded; an audit line that cannot be written does not change that.
          }
          return {
            document: rel,
            section: spliced.run[0],
            sections: spliced.index.sections,
            run: spliced.run,
            retired: spliced.retired,
            acquired,
            fileSha256: spliced.index.fileSha256,
            baseFileSha256: cur.index.fileSha256,
            runText: runText(spliced.buffer, spliced.run),
            version,
            changed: true
          }
        }
      }
    }
  }
}
