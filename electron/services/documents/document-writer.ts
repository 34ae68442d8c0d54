/**
 * The one write protocol of a document (SPEC S4, H1–H3, L1, L5): every change to a document's file —
 * a section save, a structure operation — is a *plan* this writer runs under the document's write
 * mutex: read the file, index it, finish earlier saves' intents, let each plan check its locks and
 * base against the document as it stands and compute its change, keep what history needs, write
 * the intent, the file, the versions and the index side by side — renamed into place in that order
 * (save-commit.ts) — then release.
 *
 * **Group commit.** Saves of one document that this instance queues while it waits for the mutex
 * (or while a batch is being written) are applied together: one read, each plan spliced onto the
 * result of the one before, one intent, one rename. Each plan is still checked against its own base
 * and locks (a refusal refuses only that plan), keeps its own history versions and audit lines, and
 * gets its own result: the file as its change left it (`before` → `after`), so a window brings its
 * copy forward only when it had exactly that `before` (the checksums chain), else it asks. Two plans
 * that touch the same section never share a batch (the second waits for the next), so every plan's
 * replaced text is the file's, and an intent never names a section twice. A structure operation
 * (`touches: 'all'`) runs alone. The combined intent (before = the file read, after = the file
 * written) is what makes the batch all-or-nothing across a crash (see save-intent.ts).
 */
import { ValidationError } from '../../../shared/errors'
import type { VersionRecord } from '../../../shared/types'
import type { LockHandle, LockService } from '../locks/lock-service'
import type { SectionIndex } from '../sections/section-index'
import { identityOfRead, readOnlyOf, writeDocument, type OwnWriteSink } from './document-files'
import type { HistoryStore } from '../history/history-store'
import type { IntentOutcome, IntentVersion, SaveIntent } from './save-intent'
import { commitSave, type CommitContext } from './save-commit'

/** A version of a document: its bytes and their section index. */
export interface Draft {
  buf: Buffer
  index: SectionIndex
}

/** What every plan of a batch is given besides the document as it stands. */
export interface BatchContext {
  /** The file as read under the mutex (before any plan of the batch). */
  disk: Draft
  /** Earlier saves' intents that could not be finished (their sections must not be saved again yet). */
  unfinished: readonly IntentOutcome[]
  /** When the batch is written (ISO): the time its versions carry. */
  time: string
}

/** A change a plan computed: the document after it, and what history must keep. */
export interface PlannedChange<R> {
  /** The document after this plan; equal checksum to the one it was given when nothing changes. */
  next: Draft
  /** The history versions the change promises (written after the rename, from the intent). */
  versions: IntentVersion[]
  /** Sections the change retires (marked in history after the rename). */
  retired: string[]
  /** Before the rename (history's prior texts, a backup). A throw refuses this plan only. */
  prepare?: () => Promise<void>
  /** Undo what planning took (new sections' locks) when the plan is refused or the batch not written. */
  abandon?: () => Promise<void>
  /** After the batch was written (or when it changes nothing): the plan's result. Must not throw. */
  finish: (versions: ReadonlyMap<string, VersionRecord>) => R | Promise<R>
}

/** One change of a document, run by the writer under its write mutex. */
export interface WritePlan<R> {
  /** The document (workspace-relative, as resolved). */
  rel: string
  abs: string
  /** The section ids this plan may change; 'all': it runs alone in its batch (structure operations). */
  touches: readonly string[] | 'all'
  /**
   * Under the mutex, before `plan`: checks that need not see the document (the caller's locks). Run
   * beside the read of the file, not after it; a throw refuses this plan only.
   */
  check?: () => Promise<void>
  /** Under the mutex, on the document as it stands in the batch: check and compute, or throw to refuse. */
  plan: (current: Draft, batch: BatchContext) => Promise<PlannedChange<R>>
}

/** What the writer needs from the document service. */
export interface DocumentWriterDeps {
  locks: LockService
  history: HistoryStore
  ownWrites?: OwnWriteSink
  commitContext: () => CommitContext
  wallNow: () => number
  /** Reads the file under the mutex (waiting for a network drive's cache to settle). */
  read: (rel: string, abs: string) => Promise<Buffer>
  indexFor: (rel: string, buf: Buffer) => Promise<SectionIndex>
  finishIntents: (rel: string, buf: Buffer, index: SectionIndex) => Promise<IntentOutcome[]>
  /** The document as this instance wrote it (kept to check the next reader's index cheaply). */
  wrote: (rel: string, draft: Draft) => void
  /**
   * Starts, beside the read under the mutex, the small reads that come after it (the stored index's
   * stamp, the intents' listing); returns what forgets those not asked for by the batch's end.
   */
  readAhead?: (rel: string) => () => void
  /** Records that the mutex could not be released after a written batch (the save still succeeded). */
  incomplete: (rel: string, reason: string) => void
}

/** At most this many plans share one batch (bounds one intent and one rename's work). */
export const MAX_BATCH = 32

export interface Queued {
  plan: WritePlan<unknown>
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

/** A plan accepted into a batch, with its change. */
interface Accepted {
  q: Queued
  change: PlannedChange<unknown>
  /** True when the plan changed the file, or another plan before it in the batch did. */
  dependsOnWrite: boolean
}

/** Runs write plans, grouping one document's queued saves into one write (see the module comment). */
export class DocumentWriter {
  private readonly queues = new Map<string, Queued[]>()
  /** Batches written and plans they carried, since start (for tests and the benchmark). */
  readonly stats = { batches: 0, plans: 0 }
  /** Plans per batch; 1 turns group commit off (the benchmark's control run, `--windows k --no-group-commit`). */
  maxBatch = MAX_BATCH

  constructor(private readonly d: DocumentWriterDeps) {}

  /** Plans of a document waiting for its next batch (not those being written). */
  waiting(rel: string): number {
    return this.queues.get(rel)?.length ?? 0
  }

  /** Runs `plan` in the next batch of its document; resolves with its result or rejects with its refusal. */
  run<R>(plan: WritePlan<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queued: Queued = { plan, resolve: resolve as (v: unknown) => void, reject }
      const q = this.queues.get(plan.rel)
      if (q) q.push(queued)
      else {
        this.queues.set(plan.rel, [queued])
        void this.drain(plan.rel, plan.abs)
      }
    })
  }

  private async drain(rel: string, abs: string): Promise<void> {
    const q = this.queues.get(rel) as Queued[]
    try {
      while (q.length > 0) {
        let mutex: LockHandle
        try {
          mutex = await this.d.locks.acquireWrite(rel)
        } catch (err) {
          // Every plan queued now waited for the same mutex: all are refused with its reason.
          for (const x of q.splice(0)) x.reject(err)
          return
        }
        // Taken only now: every plan queued while the mutex was awaited joins this batch.
        await this.runBatch(rel, abs, takeBatch(q, this.maxBatch), mutex)
      }
    } finally {
      this.queues.delete(rel)
    }
  }

  private async runBatch(rel: string, abs: string, batch: Queued[], mutex: LockHandle): Promise<void> {
    const endSave = this.d.history.beginSave(rel)
    const forgetAhead = this.d.readAhead?.(rel)
    let landed = false
    const accepted: Accepted[] = []
    // The newest version of each section a save touches (its history check asks first), read ahead.
    for (const q of batch)
      if (q.plan.touches !== 'all')
        for (const id of q.plan.touches) this.d.history.latestValid(rel, id).catch(() => undefined)
    // Each plan's own checks, side by side with the read (each settles to its refusal, or null).
    const checks = new Map(
      batch.map((q) => [
        q,
        Promise.resolve(q.plan.check?.()).then(
          () => null,
          (err: unknown) => ({ err })
        )
      ])
    )
    try {
      const buf = await this.d.read(rel, abs)
      // Refused before anything is written, history included (not UTF-8, a second name on disk).
      const readOnly = readOnlyOf(rel, buf)
      if (readOnly !== null) throw new ValidationError(readOnly)
      const disk: Draft = { buf, index: await this.d.indexFor(rel, buf) }
      const unfinished = (await this.d.finishIntents(rel, buf, disk.index)).filter(
        (o) => o.outcome === 'failed'
      )
      const ctx: BatchContext = {
        disk,
        unfinished,
        time: new Date(this.d.wallNow()).toISOString()
      }
      let current = disk
      for (const q of batch) {
        let change: PlannedChange<unknown>
        const refused = await checks.get(q)
        if (refused) {
          q.reject(refused.err)
          continue
        }
        try {
          change = await q.plan.plan(current, ctx)
        } catch (err) {
          q.reject(err)
          continue
        }
        try {
          await change.prepare?.()
        } catch (err) {
          await change.abandon?.().catch(() => undefined)
          q.reject(err)
          continue
        }
        const changes = change.next.index.fileSha256 !== current.index.fileSha256
        accepted.push({ q, change, dependsOnWrite: changes || current !== disk })
        if (changes) current = change.next
      }
      let versions: ReadonlyMap<string, VersionRecord> = new Map()
      if (current !== disk) {
        const intent = combinedIntent(rel, disk, current, accepted, ctx.time)
        try {
          versions = await commitSave(
            this.d.commitContext(),
            abs,
            intent,
            current.index,
            (intentWritten, renamed, written) =>
              writeDocument(
                this.d.ownWrites,
                rel,
                abs,
                current.buf,
                current.index.fileSha256,
                identityOfRead(buf),
                intentWritten,
                renamed,
                written
              )
          )
        } catch (err) {
          // Nothing was written: plans whose result rests on the write are refused, their new locks freed.
          for (const a of accepted.filter((x) => x.dependsOnWrite)) {
            await a.change.abandon?.().catch(() => undefined)
            a.q.reject(err)
          }
          for (const a of accepted.filter((x) => !x.dependsOnWrite))
            a.q.resolve(await a.change.finish(versions))
          return
        }
        landed = true
        this.stats.batches++
        this.stats.plans += accepted.length
        this.d.wrote(rel, current)
      }
      for (const a of accepted) a.q.resolve(await a.change.finish(versions))
    } catch (err) {
      // The file could not be read or indexed (nothing was written): every plan not yet answered
      // is refused. Once written, plans are only answered, never undone.
      if (!landed) for (const a of accepted) await a.change.abandon?.().catch(() => undefined)
      for (const q of batch) q.reject(err)
    } finally {
      endSave()
      forgetAhead?.()
      // After the rename every plan has succeeded: a mutex that cannot be released (the lock
      // service's staleness rules free it) is recorded, never reported as a failed save.
      await this.d.locks.release(mutex).catch((err: unknown) => {
        if (landed) this.d.incomplete(rel, String(err))
        else for (const q of batch) q.reject(err)
      })
    }
  }
}

/**
 * The next batch from the front of a document's queue: the first plan, then every later one that
 * touches none of the sections already taken, up to `max` ({@link MAX_BATCH}); a structure operation
 * ('all') only alone, and nothing is taken past one (the order around it is kept).
 */
export function takeBatch(q: Queued[], max = MAX_BATCH): Queued[] {
  const first = q.shift() as Queued
  if (first.plan.touches === 'all') return [first]
  const batch = [first]
  const taken = new Set(first.plan.touches)
  for (let k = 0; k < q.length && batch.length < max;) {
    const touches = q[k].plan.touches
    if (touches === 'all') break
    if (touches.some((id) => taken.has(id))) {
      k++
      continue
    }
    for (const id of touches) taken.add(id)
    batch.push(...q.splice(k, 1))
  }
  return batch
}

/** One intent for the whole batch: the file before and after it, every plan's versions in order. */
function combinedIntent(
  rel: string,
  disk: Draft,
  after: Draft,
  accepted: Accepted[],
  time: string
): SaveIntent {
  return {
    format: 1,
    document: rel,
    before: disk.index.fileSha256,
    after: after.index.fileSha256,
    time,
    versions: accepted.flatMap((a) => a.change.versions),
    retired: accepted.flatMap((a) => a.change.retired)
  }
}
