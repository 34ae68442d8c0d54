/**
 * The section index for a document's current bytes, as the document service looks it up: trusted
 * when checked before, proven by redoing another instance's splice, checked in full, or rebuilt
 * (and then stored under the write mutex). Split out of document-service.ts, which delegates to it.
 */
import type { Workspace } from '../core/workspace'
import type { LockHandle, LockService } from '../locks/lock-service'
import { readLockDir } from '../locks/lock-dir'
import { buildIndex, sha256Hex, type SectionIndex } from '../sections/section-index'
import { readFile } from './document-files'
import { CheckedIndexes, type IndexStore } from './index-store'
import { idProblems, indexProblems } from './index-check'
import { checkedBySplice, type VerifiedCopies } from './splice-check'
import type { IntentOutcome } from './save-intent'

/** What the index lookup needs from the document service. */
export interface IndexLookupContext {
  ws: Workspace
  locks: LockService
  indexes: IndexStore
  /** The last checked version of recent documents, bytes and index (see splice-check.ts). */
  copies: VerifiedCopies
  /** Finishes earlier saves' intents; called with the write mutex held. */
  finishIntents(doc: string, buf: Buffer, index: SectionIndex): Promise<IntentOutcome[]>
}

/** Looks up the section index for exactly a given file content (see {@link IndexLookup.indexFor}). */
export class IndexLookup {
  private readonly checked = new CheckedIndexes()
  /** Whole-document parses done to check or rebuild an index (diagnostics and tests). */
  parses = 0

  constructor(private readonly ctx: IndexLookupContext) {}

  /**
   * The section index for exactly this file content: the stored one when its checksum matches
   * (no parse), otherwise a reconciliation against it. `persist` stores a reconciled index under
   * the write mutex so every instance converges on the same ids for an external edit.
   */
  async indexFor(doc: string, buf: Buffer, persist: boolean): Promise<SectionIndex> {
    const { indexes, copies } = this.ctx
    const stamp = await indexes.stamp(doc)
    // This instance's own last save read back (the next save's read under the mutex): the very
    // bytes it spliced, and the stored index is still the one it wrote with them. Both were proven
    // by that splice's local parse (splice.ts), so neither the file (1 MB: ~1 ms of SHA-256) nor
    // the stored index (read, hashed, parsed and compared) is looked at again.
    const own = indexes.ownIndex(doc, stamp)
    const prev = copies.get(doc)
    if (own && prev?.index === own && prev.buf.equals(buf)) {
      this.checked.set(doc, own.fileSha256, stamp, own)
      return own
    }
    const sha = sha256Hex(buf)
    // The stored index checked against this very file before, and not rewritten since: trusted
    // again without reading, parsing and checking it (that was two thirds of opening a 5 MB file).
    const known = this.checked.get(doc, sha, stamp)
    if (known) {
      copies.set(doc, buf, known)
      return known
    }
    const read = await indexes.readWithChecksum(doc)
    let stored = read?.index ?? null
    if (read && stored && stored.fileSha256 === sha) {
      // Another instance's save from the version checked here last: its splice, redone, proves it.
      // Or this machine checked this very index against this very file before (known-good-indexes.ts).
      if (
        (prev && checkedBySplice(prev, buf, stored)) ||
        (await indexes.isKnownGood(doc, sha, read.sha256)) ||
        this.trueByParse(buf, stored, sha)
      ) {
        // Only what was proven is remembered (a parse, a splice redone, or this very pair checked
        // before) — never an index merely written here: a fresh start still checks that by a parse.
        indexes.noteGood(doc, sha, read.sha256)
        this.checked.set(doc, sha, stamp, stored)
        copies.set(doc, buf, stored)
        return stored
      }
      // It lies about this very file: rebuilt from the document. Its ids are carried over by
      // reconciliation as for an outside edit — unless they are what lies (swapped, twice,
      // malformed): then only its retired ids are kept, so a new heading never reuses one.
      const idsLie = idProblems(stored).length > 0
      stored = { ...stored, fileSha256: '', sections: idsLie ? [] : stored.sections }
    }
    this.parses++
    const rebuilt = buildIndex(buf, stored)
    copies.set(doc, buf, rebuilt)
    if (!persist) return rebuilt
    // An outside program that saves in place (truncate, then write) is read half-way now and then:
    // storing that read would retire the ids of the sections it lacks, and the finished file would
    // give them new ids — a writer holding one would lose it, and its history would start again.
    // While a section this read lacks is locked, the index is not stored; the next read reconciles
    // against the old one. (A section really deleted outside is retired once its lock is gone.)
    if (stored && (await this.anyLocked(doc, vanished(stored, rebuilt)))) return rebuilt
    let mutex: LockHandle
    try {
      // One try, no wait: a save in progress (its index not written yet) or waiting will store
      // one, and queueing every reader behind the saves slowed them all (write-queue.ts).
      mutex = await this.ctx.locks.acquireWrite(doc, 0)
    } catch {
      return rebuilt // busy: the next save persists it; ids are deterministic meanwhile
    }
    try {
      const again = await indexes.read(doc)
      // Someone else stored it first: adopt theirs (if it tells the truth).
      if (again && again.fileSha256 === sha && this.trueByParse(buf, again, sha)) return again
      const onDisk = await readFile(this.ctx.ws.resolveDocument(doc).abs)
      if (onDisk && sha256Hex(onDisk) === sha) {
        // A stale index is what a save that died after its rename leaves: finish it on open.
        await this.ctx.finishIntents(doc, onDisk, rebuilt)
        await indexes.write(doc, rebuilt)
      }
      return rebuilt
    } finally {
      await this.ctx.locks.release(mutex)
    }
  }

  /** Whether a stored index is true for `buf`, by a parse of the whole document (counted). */
  private trueByParse(buf: Buffer, index: SectionIndex, sha: string): boolean {
    this.parses++
    return indexProblems(buf, index, sha).length === 0
  }

  /** True when one of `sectionIds` of `doc` has a lock folder with a holder or a claim in it. */
  private async anyLocked(doc: string, sectionIds: string[]): Promise<boolean> {
    for (const id of sectionIds) {
      const state = await readLockDir(this.ctx.ws.sectionLockDir(doc, id))
      if (state.kind === 'held' || state.kind === 'claiming') return true
    }
    return false
  }
}

/** Ids of `before` that `after` retired. */
function vanished(before: SectionIndex, after: SectionIndex): string[] {
  const was = new Set(before.retired)
  return after.retired.filter((id) => !was.has(id))
}
