import { ConflictError, LockLostError, NotFoundError, ValidationError } from '../../../shared/errors'
import type { Identity, SectionInfo } from '../../../shared/types'
import { fileStamp, fileSystemNow, ShareFileError } from '../core/share-fs'
import type { AuditEvent } from '../audit/audit-event'
import type { Clock } from '../core/clock'
import type { Workspace } from '../core/workspace'
import type { HistoryStore } from '../history/history-store'
import type { LockHandle, LockService } from '../locks/lock-service'
import { buildIndex, sectionText, sha256Hex, type SectionIndex } from '../sections/section-index'
import { DraftStore } from './drafts'
import {
  listDocuments,
  listTree,
  removeStaleTempFiles,
  readFile,
  readOnlyOf,
  type OwnWriteSink
} from './document-files'
import { utf16Text } from './encoding'
import { IndexStore } from './index-store'
import { IndexLookup } from './index-lookup'
import type { KnownGoodIndexes } from './known-good-indexes'
import { VerifiedCopies } from './splice-check'
import { listIntentsAhead, pendingIntents, type IntentOutcome } from './save-intent'
import { finishPending, type CommitContext } from './save-commit'
import { runIds, type RunPart } from './run-save'
import { DocumentWriter } from './document-writer'
import { savePlan, type SaveResult } from './save-plan'

export type { RunPart } from './run-save'
export type { SaveResult } from './save-plan'
export { identityOfRead, readOnlyOf, writeDocument, type OwnWriteSink } from './document-files'

/** Where document events are written (the per-instance audit log satisfies it). */
export interface DocumentAuditSink {
  record(event: AuditEvent): void
}

/** Operation timing (the Metrics class satisfies it). */
export interface DocumentMetricsSink {
  time<T>(op: string, fn: () => Promise<T>): Promise<T>
}

/** A document as read from disk: its text, sections and the checksum of the whole file. */
export interface DocumentSnapshot {
  document: string
  fileSha256: string
  sections: SectionInfo[]
  text: string
  /** Why the document may not be edited (not UTF-8, a second name on disk); null when it may. */
  readOnly: string | null
}

/** Construction parameters of the document service. */
export interface DocumentServiceOptions {
  workspace: Workspace
  identity: Identity
  locks: LockService
  history: HistoryStore
  clock: Clock
  audit?: DocumentAuditSink
  metrics?: DocumentMetricsSink
  /** Store a reconciled section index when a read finds the file changed (default true). */
  persistIndexOnRead?: boolean
  ownWrites?: OwnWriteSink
  /**
   * How long a save waits for a document read under the write mutex to agree with the checksum the
   * last saver recorded (0: never wait; local disks). On network drives a read right after another
   * machine's save can come through a stale cache: sshfs was seen returning the new bytes cut to the
   * old length for up to ~1 s, and splicing into such a read would lose the tail of the document.
   */
  settleMs?: number
  /** The indexes this machine saw to be true, kept in the host's own folder (none: parse to check). */
  knownGoodIndexes?: KnownGoodIndexes
}

/** Documents whose lock facts are kept (see `forLock`). */
const LOCK_FACTS_KEPT = 8

/** Between re-reads while a network drive's cache settles. */
const SETTLE_STEP_MS = 200

/**
 * The document authority: reads documents and their sections, and saves a section by replacing
 * exactly its bytes in the current file (SPEC S4, H1–H3) under the document's write mutex.
 */
export class DocumentService {
  private readonly ws: Workspace
  private readonly self: Identity
  private readonly locks: LockService
  private readonly history: HistoryStore
  private readonly audit?: DocumentAuditSink
  private readonly metrics?: DocumentMetricsSink
  private readonly indexes: IndexStore
  /** The last checked version of recent documents, bytes and index (see splice-check.ts). */
  private readonly copies = new VerifiedCopies()
  private readonly persistOnRead: boolean
  private readonly ownWrites?: OwnWriteSink
  private readonly settleMs: number
  private readonly clock: Clock
  /** Finds the section index for a document's bytes (see index-lookup.ts). */
  private readonly lookup: IndexLookup
  /**
   * What `forLock` learned from each recent document, by the file's stamp. The bytes are kept only
   * until the sections are known (a read-only document never needs them): the verified copies keep
   * the bytes that matter, and eight documents' bytes here would double that memory.
   */
  private readonly lockFacts = new Map<
    string,
    {
      stamp: string | null
      buf: Buffer | null
      readOnly: string | null
      sections: Map<string, SectionInfo> | null
    }
  >()
  /** Texts of refused saves. */
  readonly drafts: DraftStore
  /** Runs every change of a document's file (saves here, structure operations in structure-ops.ts). */
  readonly writer: DocumentWriter

  constructor(opts: DocumentServiceOptions) {
    this.persistOnRead = opts.persistIndexOnRead ?? true
    this.ownWrites = opts.ownWrites
    this.settleMs = opts.settleMs ?? 0
    this.clock = opts.clock
    this.ws = opts.workspace
    this.self = opts.identity
    this.locks = opts.locks
    this.history = opts.history
    this.audit = opts.audit
    this.metrics = opts.metrics
    this.indexes = new IndexStore(this.ws, opts.knownGoodIndexes)
    this.lookup = new IndexLookup({
      ws: this.ws,
      locks: this.locks,
      indexes: this.indexes,
      copies: this.copies,
      finishIntents: (doc, buf, index) => this.finishIntents(doc, buf, index)
    })
    this.drafts = new DraftStore(this.ws, this.self, opts.clock)
    this.writer = new DocumentWriter({
      locks: this.locks,
      history: this.history,
      ownWrites: this.ownWrites,
      commitContext: () => this.commitContext(),
      wallNow: () => this.clock.wallNow(),
      read: (rel, abs) => this.readUnderMutex(rel, abs),
      indexFor: (rel, buf) => this.indexFor(rel, buf, false),
      finishIntents: (rel, buf, index) => this.finishIntents(rel, buf, index),
      readAhead: (rel) => {
        const forgetStamp = this.indexes.stampAhead(rel)
        const forgetIntents = listIntentsAhead(this.ws, rel)
        return () => {
          forgetStamp()
          forgetIntents()
        }
      },
      wrote: (rel, draft) => this.copies.set(rel, draft.buf, draft.index),
      incomplete: (rel, reason) => this.audit?.record({ type: 'save.incomplete', document: rel, reason })
    })
  }

  /** Whole-document parses this service did to check or rebuild section indexes (diagnostics, tests). */
  get indexParses(): number {
    return this.lookup.parses
  }

  /** Markdown documents of the workspace (recursively, skipping hidden folders), as sorted relative paths. */
  listDocuments(): Promise<string[]> {
    return listDocuments(this.ws.root)
  }

  /** The documents and every folder (empty ones too), as the folder tree shows them. */
  listTree(): Promise<{ documents: string[]; folders: string[] }> {
    return listTree(this.ws.root)
  }

  /** Reads a document and its sections with stable ids. Reads take no section or document lock (SPEC L1). */
  async read(document: string): Promise<DocumentSnapshot> {
    const doc = this.ws.resolveDocument(document)
    const buf = await this.readFile(doc.rel, doc.abs)
    const readOnly = readOnlyOf(doc.rel, buf)
    const shownText = readOnly === null ? null : (utf16Text(buf) ?? buf.toString('utf8'))
    const shownBytes = shownText === null ? null : Buffer.from(shownText, 'utf8')
    if (shownText !== null && shownBytes !== null && !shownBytes.equals(buf)) {
      // Shown as text it is not on disk (UTF-16 decoded; U+FFFD where bytes are not UTF-8), read-only:
      // sections of the shown text's UTF-8 form, which is what the window counts in. No index is stored.
      const shown = buildIndex(shownBytes, null)
      return {
        document: doc.rel,
        fileSha256: sha256Hex(buf),
        sections: shown.sections,
        text: shownText,
        readOnly
      }
    }
    const index = await this.indexFor(doc.rel, buf, this.persistOnRead)
    return {
      document: doc.rel,
      fileSha256: index.fileSha256,
      sections: index.sections,
      text: buf.toString('utf8'),
      readOnly
    }
  }

  /** One section's current text and info. */
  async section(document: string, sectionId: string): Promise<{ section: SectionInfo; text: string }> {
    const doc = this.ws.resolveDocument(document)
    const buf = await this.readFile(doc.rel, doc.abs)
    const index = await this.indexFor(doc.rel, buf, this.persistOnRead)
    const section = index.sections.find((s) => s.id === sectionId)
    if (!section) throw new NotFoundError(`“${doc.rel}” has no section “${sectionId}”.`)
    return { section, text: sectionText(buf, section) }
  }

  /**
   * What taking a lock needs to know: why the document may not be edited (null when it may), and
   * the section's info when `sectionId` is given (else null). A window takes a lock on its first
   * keystroke in a section, so this is on the typing path: what one read of the file told is kept
   * by the file's stamp (share-fs `fileStamp`). An atomic save replaces the inode and an outside
   * write moves the times, so an unchanged stamp means the same bytes — except a rewrite in place
   * that keeps the size within one tick of the file system's clock; a network drive's attribute
   * cache delays what a read would have delayed too. Neither can do harm: nothing here decides a
   * write (every save checks again under the write mutex), at worst a label or a refusal is a
   * moment old.
   */
  async forLock(
    document: string,
    sectionId: string | null
  ): Promise<{ readOnly: string | null; section: SectionInfo | null }> {
    const doc = this.ws.resolveDocument(document)
    const stamp = await fileStamp(doc.abs)
    let facts = this.lockFacts.get(doc.rel)
    if (!facts || stamp === null || facts.stamp !== stamp) {
      const buf = await this.readFile(doc.rel, doc.abs)
      const readOnly = readOnlyOf(doc.rel, buf)
      facts = { stamp, buf: readOnly === null ? buf : null, readOnly, sections: null }
      this.lockFacts.delete(doc.rel)
      if (stamp !== null) this.lockFacts.set(doc.rel, facts)
      if (this.lockFacts.size > LOCK_FACTS_KEPT)
        this.lockFacts.delete(this.lockFacts.keys().next().value as string)
    }
    const { readOnly } = facts
    if (readOnly !== null || sectionId === null) return { readOnly, section: null }
    if (facts.sections === null) {
      // The bytes are set whenever the sections are not (they are dropped in the same step).
      const index = await this.indexFor(doc.rel, facts.buf as Buffer, this.persistOnRead)
      facts.sections = new Map(index.sections.map((x) => [x.id, x]))
      facts.buf = null
    }
    const section = facts.sections.get(sectionId)
    if (!section) throw new NotFoundError(`“${doc.rel}” has no section “${sectionId}”.`)
    return { readOnly, section }
  }

  /**
   * Why the document may not be edited (see encoding.ts); null when it may. Known by the file's
   * stamp like `forLock`'s: callers ask before they queue, and the write checks again under the mutex.
   */
  async readOnly(document: string): Promise<string | null> {
    return (await this.forLock(document, null)).readOnly
  }

  /**
   * Saves a section the caller holds. `baseSha256` is the checksum of the section text the writer
   * started from (SPEC H2): if the section changed underneath, ConflictError carries both texts.
   */
  saveSection(lock: LockHandle, baseSha256: string, text: string, reason = 'save'): Promise<SaveResult> {
    return this.saveRun([{ lock, baseSha256 }], text, reason)
  }

  /**
   * Saves a run of consecutive held sections [first, …following] as one text that replaces the
   * whole run and begins with the first section's heading. Every section is checked against its
   * base (SPEC H2). New headings become new sections whose locks this holder takes before the
   * document is written (nobody can slip in; a refusal or L7 limit refuses the whole save); deleted
   * headings merge their text into the section above, and their ids retire and their locks go.
   */
  saveRun(run: readonly RunPart[], text: string, reason = 'save'): Promise<SaveResult> {
    const go = () => this.save(run, text, reason).catch((err) => this.keepDraft(run[0].lock, text, err))
    return this.metrics ? this.metrics.time('save', go) : go()
  }

  /**
   * A save refused because the lock was lost, the section changed (SPEC L5, H2) or the share is full
   * keeps the writer's text as a draft — on this machine when the share cannot take it. Keeping the
   * draft never replaces the refusal: when no place takes it, `draftFile` stays null.
   */
  private async keepDraft(lock: LockHandle | undefined, text: string, err: unknown): Promise<never> {
    if (!lock || lock.sectionId === null) throw err
    if (err instanceof LockLostError || err instanceof ConflictError) {
      err.draftFile = await this.drafts.keepSomewhere(lock.document, lock.sectionId, text, err.code)
    } else if (
      (err instanceof ShareFileError && err.sysCode === 'ENOSPC') ||
      // The document (or the section) is gone: renamed, moved or deleted while it was held.
      err instanceof NotFoundError
    ) {
      const why = err instanceof NotFoundError ? 'document or section gone' : 'disk full'
      const draftFile = await this.drafts.keepSomewhere(lock.document, lock.sectionId, text, why)
      if (err instanceof ShareFileError) err.draftFile = draftFile
      const end = /[.!?]$/.test(err.message) ? ' ' : '. '
      err.message += draftFile
        ? `${end}Nothing was saved; your text is kept as a draft in ${draftFile}.`
        : `${end}Nothing was saved, and your text could not be kept as a draft either: copy it somewhere safe.`
    }
    throw err
  }

  /**
   * Removes temp files that an interrupted atomic write (a crash mid-save) left beside documents.
   * Only ones older than `maxAgeMs` (5 min: a 64 MiB save on a slow share takes under a minute): a
   * younger one may be another instance's save in flight. Ages
   * are measured on the file system's own clock — the mtime of a probe written now — because an
   * mtime comes from whoever stamps it (a file server's clock on a share), not from this machine.
   */
  async removeStaleTempFiles(maxAgeMs = 5 * 60_000): Promise<string[]> {
    return removeStaleTempFiles(this.ws.root, await this.fileSystemNow(), maxAgeMs)
  }

  /** "Now" as the workspace's file system stamps it: the mtime of a probe file written in the hidden folder. */
  private async fileSystemNow(): Promise<number> {
    return fileSystemNow(this.ws.hidden, `clock-probe-${this.self.instanceId}`)
  }

  /** Restores an earlier version of a held section; a restore is a normal save (SPEC A3). */
  async restoreVersion(lock: LockHandle, version: number, baseSha256: string): Promise<SaveResult> {
    if (lock.sectionId === null) throw new ValidationError('A restore needs a section lock.')
    const readOnly = await this.readOnly(lock.document) // refused with the reason (save checks again under the mutex)
    if (readOnly) throw new ValidationError(readOnly)
    const record = await this.history.get(lock.document, lock.sectionId, version)
    const result = await this.saveSection(lock, baseSha256, record.content, 'restore')
    this.audit?.record({
      type: 'restore',
      document: lock.document,
      sectionId: lock.sectionId,
      fromVersion: version
    })
    return result
  }

  private async save(parts: readonly RunPart[], text: string, reason: string): Promise<SaveResult> {
    const run = runIds(parts)
    const doc = this.ws.resolveDocument(run.document)
    // The locks are checked once, under the mutex (save-plan.ts). A check here as well refused a lost
    // lock without queueing — and cost every save that was not refused a read of each lock folder.
    const deps = {
      locks: this.locks,
      audit: this.audit,
      commitContext: () => this.commitContext(),
      self: this.self
    }
    return this.writer.run(savePlan(deps, doc, parts, run.ids, text, reason))
  }

  /** Finishes earlier saves' intents (see {@link finishPending}). Callers hold the write mutex. */
  finishIntents(doc: string, buf: Buffer, index: SectionIndex): Promise<IntentOutcome[]> {
    return finishPending(this.commitContext(), doc, buf, index)
  }

  /**
   * `verify --repair` (and anyone who wants a document's history whole now): finishes its
   * unfinished saves under its write mutex and returns what was done with each (see save-intent.ts).
   */
  async repairIntents(document: string): Promise<IntentOutcome[]> {
    if ((await pendingIntents(this.ws, document)).length === 0) return []
    const doc = this.ws.resolveDocument(document)
    const mutex = await this.locks.acquireWrite(doc.rel)
    try {
      const buf = await this.readUnderMutex(doc.rel, doc.abs)
      return await this.finishIntents(doc.rel, buf, await this.indexFor(doc.rel, buf, false))
    } finally {
      await this.locks.release(mutex)
    }
  }

  private commitContext(): CommitContext {
    return { ws: this.ws, history: this.history, indexes: this.indexes, self: this.self, audit: this.audit }
  }

  /**
   * The section index for exactly this file content: the stored one when its checksum matches
   * (no parse), otherwise a reconciliation against it. `persist` stores a reconciled index under
   * the write mutex so every instance converges on the same ids for an external edit.
   */
  indexFor(doc: string, buf: Buffer, persist: boolean): Promise<SectionIndex> {
    return this.lookup.indexFor(doc, buf, persist)
  }

  /**
   * Reads a document while holding its write mutex. Every save writes the section index (with the
   * file's checksum) right after the document, under the same mutex; a read that disagrees is an
   * outside edit — or, on a network drive, a stale cached read of the last save. It is read again
   * until it agrees or `settleMs` has passed, so a save never splices into a torn read.
   */
  async readUnderMutex(rel: string, abs: string): Promise<Buffer> {
    let buf = await this.readFile(rel, abs)
    if (this.settleMs <= 0) return buf
    const recorded = (await this.indexes.read(rel))?.fileSha256
    if (recorded === undefined || recorded === sha256Hex(buf)) return buf
    const deadline = Date.now() + this.settleMs
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_STEP_MS))
      buf = await this.readFile(rel, abs)
      if (sha256Hex(buf) === recorded) return buf
    }
    return buf
  }

  private async readFile(rel: string, abs: string): Promise<Buffer> {
    const buf = await readFile(abs)
    if (!buf) throw new NotFoundError(`There is no document “${rel}” in ${this.ws.root}.`)
    return buf
  }
}
