/**
 * File operations on documents and folders (issue 14): create, make a folder, rename or move,
 * delete to the app's trash and restore, duplicate. Every write goes through share-fs.
 *
 * Rename, move, delete and restore are structure operations (SPEC L1): they hold the document lock
 * of every name involved and the old name's write mutex, and are refused while anyone — another
 * instance, or another window of this one — holds a section of the document, naming them. The
 * document's data (section ids, history, backups, drafts) moves with it, crash-safely: see
 * doc-move.ts for the steps and what a kill -9 between them leaves.
 */
import path from 'node:path'
import { monotonicFactory } from 'ulid'
import {
  LockAcquisitionError,
  LockTimeoutError,
  NotFoundError,
  StaleProcessLockError,
  ValidationError
} from '../../../shared/errors'
import type { Identity } from '../../../shared/types'
import type { Clock, Disposable } from '../core/clock'
import {
  ensureDir,
  errCode,
  lstatOrNull,
  makeFolder,
  readdirOrNull,
  readFileOrNull,
  READ_LIMITS,
  removeTree,
  writeFileAtomic
} from '../core/share-fs'
import type { DocumentRef, Workspace } from '../core/workspace'
import type { DocumentAuditSink, DocumentService, OwnWriteSink } from '../documents/document-service'
import { inspectLocks } from '../locks/lock-admin'
import { holderOf } from '../locks/lock-record'
import type { LockHandle, LockService } from '../locks/lock-service'
import { sha256Hex } from '../sections/section-index'
import {
  carryOutMove,
  pendingMoves,
  relOf,
  writeMoveIntent,
  type MoveIntent,
  type MoveStep
} from './doc-move'
import { checkDocumentName, checkFolderName, checkFree } from './file-names'
import { listTrash, readTrashEntry, trashEntryDir, type TrashRecord } from './trash'

/** Construction parameters of the file operations. */
export interface FileOpsOptions {
  workspace: Workspace
  identity: Identity
  clock: Clock
  locks: LockService
  documents: DocumentService
  ownWrites?: OwnWriteSink
  audit?: DocumentAuditSink
  /** Told after each step of a move (tests kill the process there). */
  afterStep?: (step: MoveStep) => void | Promise<void>
}

/** What a finished move recovery did with each unfinished move. */
export interface MoveRecovery {
  id: string
  kind: MoveIntent['kind']
  document: string
  outcome: 'done' | 'undone' | 'busy'
}

const ulid = monotonicFactory()

/** The move of a document from one name to another, with its data, relabelled (undone: back). */
function renameIntent(
  ws: Workspace,
  from: string,
  to: string
): Omit<MoveIntent, 'format' | 'id' | 'by' | 'at'> {
  return {
    kind: 'rename',
    document: from,
    to,
    fileFrom: from,
    fileTo: to,
    dataFrom: relOf(ws, ws.docDir(from)),
    dataTo: relOf(ws, ws.docDir(to)),
    relabel: to,
    relabelBack: from
  }
}

/** What {@link FileOps.adoptRename} did. */
export type AdoptOutcome = 'adopted' | 'not-ready' | 'busy'

/** Creating, renaming, trashing, restoring and duplicating documents, and making folders. */
export class FileOps {
  /** The latest periodic recovery (see `startRecovery`). */
  private recovering: Promise<void> = Promise.resolve()

  constructor(private readonly o: FileOpsOptions) {}

  /** Creates a document that must not exist yet, with `text` (default empty). */
  async create(document: string, text = ''): Promise<{ document: string; fileSha256: string }> {
    const doc = checkDocumentName(this.o.workspace, document)
    await checkFree(this.o.workspace, doc.rel)
    return this.writeNew(doc, Buffer.from(text, 'utf8'))
  }

  /** Creates a folder (and missing parents) that must not exist yet. */
  async mkdir(folder: string): Promise<{ folder: string }> {
    const dir = checkFolderName(this.o.workspace, folder)
    await checkFree(this.o.workspace, dir.rel)
    await ensureDir(path.dirname(dir.abs))
    await makeFolder(dir.abs).catch((err: unknown) => {
      if (errCode(err) === 'EEXIST') throw new ValidationError(`“${dir.rel}” already exists.`)
      throw err
    })
    return { folder: dir.rel }
  }

  /** Copies a document's bytes to a new document (default: “<name> copy.md” beside it). History stays with the original. */
  async duplicate(document: string, to?: string): Promise<{ document: string; fileSha256: string }> {
    const ws = this.o.workspace
    const from = ws.resolveDocument(document)
    const buf = await readFileOrNull(from.abs, READ_LIMITS.document)
    if (!buf) throw new NotFoundError(`There is no document “${from.rel}”.`)
    let target = to
    if (target === undefined) {
      const base = from.rel.replace(/\.(md|markdown)$/i, '')
      for (let n = 1; ; n++) {
        target = `${base} copy${n === 1 ? '' : ` ${n}`}.md`
        if ((await lstatOrNull(path.join(ws.root, target))) === null) break
      }
    }
    const doc = checkDocumentName(ws, target)
    await checkFree(ws, doc.rel)
    return this.writeNew(doc, buf)
  }

  /**
   * Renames or moves a document under the document locks of both names. A case-only rename
   * (`notes.md` → `Notes.md`) is one rename of the file: on a case-insensitive file system (macOS,
   * Windows) the target "exists" as the file itself, which share-fs's moveEntry recognises by
   * device and inode and lets through; the data folder keys differ (they hash the exact path).
   */
  async rename(document: string, to: string): Promise<{ from: string; to: string; fileSha256: string }> {
    const ws = this.o.workspace
    const from = ws.resolveDocument(document)
    const target = checkDocumentName(ws, to)
    if (from.rel === target.rel) throw new ValidationError(`“${from.rel}” already has that name.`)
    await this.mustExist(from)
    const self = from.rel.toLowerCase() === target.rel.toLowerCase() ? from.rel : undefined
    await checkFree(ws, target.rel, self)
    await this.assertNobodyEditing(from.rel, 'renamed')
    return this.underLocks([from.rel, target.rel], 'renamed', async () => {
      await checkFree(ws, target.rel, self) // again, now that nobody else can take either name
      await this.move(renameIntent(ws, from.rel, target.rel))
      this.record({ type: 'structure', action: 'rename', document: from.rel, to: target.rel })
      return { from: from.rel, to: target.rel, fileSha256: await this.shaOf(target) }
    })
  }

  /**
   * A document renamed or moved outside the app (Explorer, Finder, `mv`, `git mv`: the watcher saw
   * it go and a file with exactly its content appear, see watch/rename-pairs.ts): its data — section
   * ids, history, backups, drafts — follows it as after `rename`. Only while the old name is still
   * gone, the new file still has that content (`sha256`), the old name has data and the new name has
   * none of its own; under the document locks of both names, so among the instances that all saw it
   * one moves the data and the others find nothing left. `not-ready` when there was nothing (left)
   * to do; `busy` while anyone holds a section of either name (the data stays where it is; nothing is
   * lost; see adopt-renames.ts, which asks again).
   */
  async adoptRename(from: string, to: string, sha256: string): Promise<AdoptOutcome> {
    const ws = this.o.workspace
    const old = ws.resolveDocument(from)
    const doc = ws.resolveDocument(to)
    // A window that opened the new name meanwhile stored its index there: no data of its own yet.
    const hasData = async (rel: string, besides: string[]) =>
      ((await readdirOrNull(ws.docDir(rel))) ?? []).some((name) => !besides.includes(name))
    const ready = async () =>
      (await lstatOrNull(old.abs)) === null &&
      (await lstatOrNull(doc.abs))?.isFile() === true &&
      (await this.shaOf(doc)) === sha256 &&
      (await hasData(old.rel, ['locks'])) &&
      !(await hasData(doc.rel, ['locks', 'index.json']))
    if (!(await ready())) return 'not-ready'
    try {
      return await this.underLocks([old.rel, doc.rel], 'renamed', async () => {
        if (!(await ready())) return 'not-ready' // another instance moved it meanwhile
        // The file is gone from the old name already: the move's file step has nothing to do.
        await this.move(renameIntent(ws, old.rel, doc.rel))
        this.record({ type: 'structure', action: 'rename', document: old.rel, to: doc.rel })
        return 'adopted' as const
      })
    } catch (err) {
      // A section of either name is held (its writer may not know the file went): later.
      if (
        err instanceof LockAcquisitionError ||
        err instanceof StaleProcessLockError ||
        err instanceof LockTimeoutError
      )
        return 'busy'
      throw err
    }
  }

  /** Moves a document, with its history, to the app's trash. Returns the trash id. */
  async trash(document: string): Promise<{ id: string; document: string }> {
    const ws = this.o.workspace
    const doc = ws.resolveDocument(document)
    await this.mustExist(doc)
    await this.assertNobodyEditing(doc.rel, 'deleted')
    return this.underLocks([doc.rel], 'deleted', async () => {
      const { clock, identity } = this.o
      const id = ulid(clock.wallNow())
      const dir = trashEntryDir(ws, id)
      const name = path.posix.basename(doc.rel)
      const record: TrashRecord = {
        format: 1,
        id,
        original: doc.rel,
        name,
        by: identity.user,
        host: identity.host,
        at: new Date(clock.wallNow()).toISOString()
      }
      // The record first: a delete that dies before its file moved leaves a record the list skips.
      await writeFileAtomic(path.join(dir, 'record.json'), `${JSON.stringify(record, null, 1)}\n`)
      await this.move({
        kind: 'trash',
        document: doc.rel,
        to: null,
        fileFrom: doc.rel,
        fileTo: relOf(ws, path.join(dir, name)),
        dataFrom: relOf(ws, ws.docDir(doc.rel)),
        dataTo: relOf(ws, path.join(dir, 'data')),
        relabel: null,
        relabelBack: null
      })
      this.record({ type: 'structure', action: 'trash', document: doc.rel, trashId: id })
      return { id, document: doc.rel }
    })
  }

  /** The trashed documents, newest first. */
  trashList(): Promise<TrashRecord[]> {
    return listTrash(this.o.workspace)
  }

  /** Puts a trashed document back where it was, with its history; refused if that name is taken now. */
  async restore(id: string): Promise<{ document: string; fileSha256: string }> {
    const ws = this.o.workspace
    const record = await readTrashEntry(ws, id)
    if (!record) throw new NotFoundError(`There is nothing in the trash with id “${id}”.`)
    const doc = ws.resolveDocument(record.original)
    const taken = (err: unknown) => {
      if (!(err instanceof ValidationError)) throw err
      throw new ValidationError(
        `“${doc.rel}” cannot be restored where it was: ${err.message.replace(/^“[^”]*” /, 'that name ')} Rename or move the document there first.`
      )
    }
    await checkFree(ws, doc.rel).catch(taken)
    const dir = trashEntryDir(ws, id)
    return this.underLocks([doc.rel], 'restored', async () => {
      await checkFree(ws, doc.rel).catch(taken)
      await this.move({
        kind: 'restore',
        document: doc.rel,
        to: null,
        fileFrom: relOf(ws, path.join(dir, record.name)),
        fileTo: doc.rel,
        dataFrom: relOf(ws, path.join(dir, 'data')),
        dataTo: relOf(ws, ws.docDir(doc.rel)),
        relabel: null,
        relabelBack: null
      })
      await removeTree(dir) // its record only, now; one left by a crash here is never listed (no file)
      this.record({ type: 'structure', action: 'restore', document: doc.rel, trashId: id })
      return { document: doc.rel, fileSha256: await this.shaOf(doc) }
    })
  }

  /**
   * Finishes (or undoes, see doc-move.ts) the moves that an ended process left half done. Each one
   * under its document lock: a move whose lock a live instance holds is still running ("busy").
   */
  async recoverMoves(): Promise<MoveRecovery[]> {
    const out: MoveRecovery[] = []
    for (const { file, intent } of await pendingMoves(this.o.workspace)) {
      const docs = intent.to ? [intent.document, intent.to] : [intent.document]
      const base = { id: intent.id, kind: intent.kind, document: intent.document }
      // This instance's own move in progress (the document lock is re-entrant: it would be handed
      // the same lock and run the move twice at once).
      if (this.o.locks.heldLocks().some((h) => h.kind === 'document' && docs.includes(h.document))) {
        out.push({ ...base, outcome: 'busy' })
        continue
      }
      try {
        const outcome = await this.underLocks(
          docs,
          'moved',
          () => carryOutMove(this.o.workspace, file, intent),
          {
            mutex: false
          }
        )
        out.push({ ...base, outcome })
      } catch (err) {
        if (!(err instanceof LockAcquisitionError || err instanceof StaleProcessLockError)) throw err
        out.push({ ...base, outcome: 'busy' })
      }
    }
    return out
  }

  /**
   * Retries unfinished moves every `everyMs` while there are any. A mover that died on another
   * computer holds its locks until this instance has watched their heartbeats stand still (SPEC
   * L4: never judged by comparing clocks), which a start alone cannot see: the retries can.
   */
  startRecovery(everyMs: number, onError: (err: unknown) => void): Disposable {
    let running = false
    return this.o.clock.setInterval(() => {
      if (running) return
      running = true
      this.recovering = (async () => {
        try {
          if ((await pendingMoves(this.o.workspace)).length > 0) await this.recoverMoves()
        } catch (err) {
          onError(err)
        } finally {
          running = false
        }
      })()
    }, everyMs)
  }

  /** Resolves once a recovery started by `startRecovery` has finished (dispose waits for it). */
  idle(): Promise<void> {
    return this.recovering
  }

  private async writeNew(doc: DocumentRef, buf: Buffer): Promise<{ document: string; fileSha256: string }> {
    const sha = sha256Hex(buf)
    this.o.ownWrites?.note(doc.rel, sha)
    try {
      // `expect: null`: the name must still be free when the file lands (never over another's new file).
      await writeFileAtomic(doc.abs, buf, { expect: null })
    } catch (err) {
      this.o.ownWrites?.forget(doc.rel, sha)
      throw err
    }
    this.record({ type: 'structure', action: 'create', document: doc.rel })
    return { document: doc.rel, fileSha256: sha }
  }

  private async move(intent: Omit<MoveIntent, 'format' | 'id' | 'by' | 'at'>): Promise<void> {
    const { workspace: ws, clock, identity } = this.o
    const full: MoveIntent = {
      format: 1,
      id: ulid(clock.wallNow()),
      by: identity.user,
      at: new Date(clock.wallNow()).toISOString(),
      ...intent
    }
    const file = await writeMoveIntent(ws, full)
    await this.o.afterStep?.('intent')
    const outcome = await carryOutMove(ws, file, full, this.o.afterStep)
    if (outcome === 'undone')
      throw new ValidationError(
        `“${intent.fileTo}” was taken by another program meanwhile; nothing was moved.`
      )
  }

  /** The checksum of a document's bytes (what `document:changed` announces). */
  private async shaOf(doc: DocumentRef): Promise<string> {
    return sha256Hex((await readFileOrNull(doc.abs, READ_LIMITS.document)) ?? Buffer.alloc(0))
  }

  private async mustExist(doc: DocumentRef): Promise<void> {
    const st = await lstatOrNull(doc.abs)
    if (!st?.isFile()) throw new NotFoundError(`There is no document “${doc.rel}”.`)
  }

  /** Refuses while any section of the document is held by anyone (this instance's other windows too). */
  private async assertNobodyEditing(rel: string, verb: string): Promise<void> {
    const views = await inspectLocks(this.o.locks, this.o.workspace, rel)
    const held = views.find((v) => v.kind === 'section' && !v.stale)
    if (!held) return
    const holder = held.record
      ? holderOf(held.record)
      : {
          user: 'an unknown writer',
          host: 'an unknown computer',
          since: new Date(this.o.clock.wallNow()).toISOString()
        }
    const what = held.sectionId ? `section “${held.sectionId}”` : 'one of its sections'
    throw new LockAcquisitionError(`“${rel}” cannot be ${verb}: ${what}`, holder, this.o.clock.wallNow())
  }

  /**
   * Runs `fn` holding the document lock of each of `docs` (those this instance held already stay
   * held), after checking again that no section is held, and — unless `mutex` is false — the first
   * document's write mutex, once its unfinished saves are finished (their history moves with it).
   */
  private async underLocks<T>(
    docs: string[],
    verb: string,
    fn: () => Promise<T>,
    opts: { mutex?: boolean } = {}
  ): Promise<T> {
    const { locks, documents } = this.o
    const taken: LockHandle[] = []
    try {
      for (const d of docs) {
        const had = locks.heldLocks().some((h) => h.kind === 'document' && h.document === d)
        const handle = await locks.acquireDocument(d, { operation: verb, retries: 0 })
        if (!had) taken.push(handle)
      }
      await this.assertNobodyEditing(docs[0], verb)
      if (opts.mutex === false) return await fn()
      await documents.repairIntents(docs[0])
      const mutex = await locks.acquireWrite(docs[0])
      try {
        return await fn()
      } finally {
        await locks.releaseLogged(mutex, 'file operation done')
      }
    } finally {
      for (const h of taken.reverse()) await locks.releaseLogged(h, 'file operation done')
    }
  }

  private record(event: Parameters<DocumentAuditSink['record']>[0]): void {
    try {
      this.o.audit?.record(event)
    } catch {
      // The operation has succeeded; an audit line that cannot be written does not change that.
    }
  }
}
