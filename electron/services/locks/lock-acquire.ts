/**
 * Acquiring a lock for the lock service: one attempt (read the lock, check the guards, claim the
 * next generation, check again) and the retries with backoff around it. Split out of
 * lock-service.ts, which owns the held locks and hands these functions an {@link AcquireContext}.
 */
import path from 'node:path'
import { ulid } from 'ulid'
import {
  LockAcquisitionError,
  LockLostError,
  LockTimeoutError,
  StaleProcessLockError,
  type HolderSummary
} from '../../../shared/errors'
import type { Identity, LockKind, LockRecord } from '../../../shared/types'
import type { Workspace } from '../core/workspace'
import {
  claimGeneration,
  compact,
  holdsClaim,
  readLockDir,
  recordClaim,
  type ClaimContent,
  type LockDirState
} from './lock-dir'
import { ttlOf, type LockSettings } from './lock-config'
import type { Held, HeldContext } from './lock-heartbeat'
import type { StalenessObserver, StaleVerdict } from './staleness'
import type { AcquireOptions, LockHandle } from './lock-types'
import { checkDocumentAllowed, checkSectionAllowed, describeState, type GuardContext } from './lock-guards'

/** What acquiring a lock needs from the lock service. */
/** The tombstone this instance put in place when it last released a lock: its generation and text. */
export interface OwnTombstone {
  top: number
  content: ClaimContent
}

export interface AcquireContext extends HeldContext {
  ws: Workspace
  self: Identity
  settings: LockSettings
  observer: StalenessObserver
  /** Lock folder of a section, a document or a document's write mutex. */
  lockDir(kind: LockKind, document: string, sectionId: string | null): string
  /** Confirms on disk that this instance still holds the lock; throws LockLostError if not. */
  assertHeld(lock: LockHandle): Promise<void>
  /** Releases a lock this instance holds. */
  release(lock: LockHandle, reason: string): Promise<boolean>
  /** Reads a lock folder for a decision, waiting out a record-less generation's grace. */
  readSettled(dir: string): Promise<{ state: LockDirState; verdict: StaleVerdict }>
  /** Refuses file-system locks on a share where claims are not exclusive. */
  checkClaimsSafe(): Promise<void>
  /**
   * The generation of the tombstone this instance put in place when it last released the lock in
   * `dir` (forgotten once asked: a guess is tried once); undefined when it did not.
   */
  takeOwnTombstone(dir: string): OwnTombstone | undefined
  /** What the acquisition guards need, as of now. */
  guardContext(): GuardContext
  sleep(ms: number): Promise<void>
}

/**
 * Tries to take a lock up to `opts.retries` more times, with jittered exponential backoff between
 * attempts; a final refusal is audited and thrown (as a timeout when there were retries).
 */
export async function acquireWithRetries(
  ctx: AcquireContext,
  kind: LockKind,
  document: string,
  sectionId: string | null,
  opts: AcquireOptions
): Promise<LockHandle> {
  // A document has one name: a link to it, or a path through a linked folder, is refused here
  // too, so no lock is ever keyed by a second name of the same file.
  ctx.ws.resolveDocument(document)
  const retries = opts.retries ?? ctx.settings.retries
  let waiting = false
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return await tryAcquire(ctx, kind, document, sectionId, opts)
      } catch (err) {
        if (!(err instanceof LockAcquisitionError)) throw err
        ctx.metrics?.contention()
        if (attempt >= retries) {
          ctx.audit?.record({
            type: 'lock.refuse',
            document,
            sectionId,
            holder: `${err.holder.user} on ${err.holder.host}`
          })
          if (retries === 0) throw err
          ctx.metrics?.timeout()
          throw new LockTimeoutError(err.target, attempt + 1, ctx.clock.wallNow(), err.holder)
        }
        if (!waiting) {
          waiting = true
          ctx.metrics?.waitStart()
        }
        const base = Math.min(ctx.settings.maxBackoffMs, ctx.settings.minBackoffMs * 2 ** attempt)
        await ctx.sleep(base * (0.5 + Math.random()))
      }
    }
  } finally {
    if (waiting) ctx.metrics?.waitEnd()
  }
}

/**
 * One attempt at a lock: a lock this instance still holds is returned as it is; a free or stale
 * one is claimed with the next generation (taking a stale one over when allowed), then the guards
 * are checked again and a refusal releases it. Throws LockAcquisitionError when it is taken.
 */
export async function tryAcquire(
  ctx: AcquireContext,
  kind: LockKind,
  document: string,
  sectionId: string | null,
  opts: AcquireOptions
): Promise<LockHandle> {
  const dir = ctx.lockDir(kind, document, sectionId)
  const label = opts.label ?? (sectionId === null ? `“${path.basename(document)}”` : `Section “${sectionId}”`)
  const mine = ctx.held.get(dir)
  // The write mutex is not re-entrant: a second operation of this process on the document (a read
  // storing its index during this process's own save) waits like any other, and can never release
  // the mutex in the middle of the save that holds it.
  if (mine && kind === 'write')
    throw new LockAcquisitionError(
      label,
      describeState({ kind: 'held', top: mine.handle.generation, record: mine.record }, ctx.iso()),
      ctx.clock.wallNow()
    )
  if (mine) {
    try {
      await ctx.assertHeld(mine.handle)
      return mine.handle
    } catch (err) {
      if (!(err instanceof LockLostError)) throw err
      // Lost meanwhile (the `lost` event went out): try to acquire it afresh below.
    }
  }
  await ctx.checkClaimsSafe()
  // Released last by this instance: its tombstone is taken as the top, unread, and the next
  // generation claimed at once (a writer taking a section again, an instance's next save of a
  // document). A guess decides nothing: the claim is the same atomic rename, which fails when
  // anyone put that generation in place since, and a higher generation listed after it makes it
  // lose as well — then the lock is read and tried as usual.
  // The guess stands only while that generation still holds the very tombstone this instance
  // wrote: a lock folder replaced meanwhile (deleted to reset it, an older copy brought back by a
  // sync tool or a restore) can hold a live lock at a lower generation, which a claim above it
  // would overtake — both would hold it (a review found this; lock-service.test.ts).
  // That one read runs beside preparing the claim: the claim is renamed into place only once it
  // has confirmed the tombstone (a lost guess renames nothing, then reads and tries again).
  const remembered = ctx.takeOwnTombstone(dir)
  const own = remembered?.top
  const guess = remembered
    ? holdsClaim(dir, remembered.top, remembered.content).then((ok) => {
        if (!ok) throw GUESS_LOST
      })
    : null
  guess?.catch(() => undefined) // awaited before the rename
  // Else the lock's own state first: a held section is refused by one read, before the
  // document-wide checks below read every lock of the document (under contention most attempts end here).
  const { state, verdict } = own !== undefined ? ownRelease(own) : await ctx.readSettled(dir)
  let tookOver: LockRecord['tookOverFrom']
  let formerHolder: HolderSummary | undefined
  const taken = state.kind !== 'absent' && state.kind !== 'empty' && state.kind !== 'released'
  if (taken && !verdict.stale)
    throw new LockAcquisitionError(label, describeState(state, ctx.iso()), ctx.clock.wallNow())
  // The section's document-wide checks before claiming (fail fast), beside preparing the claim:
  // it is renamed into place only once they pass.
  const allowed = kind === 'section' ? checkSectionAllowed(ctx.guardContext(), document, label, false) : null
  allowed?.catch(() => undefined) // awaited below
  if (taken) {
    await allowed // its refusal comes first
    const holder = describeState(state, ctx.iso())
    if (!(opts.takeOverStale ?? ctx.settings.takeOverStale))
      throw new StaleProcessLockError(label, holder, verdict.reason, ctx.clock.wallNow())
    formerHolder = holder
    tookOver = {
      user: holder.user,
      host: holder.host,
      instanceId: state.kind === 'held' ? state.record.holder.instanceId : 'unknown',
      reason: verdict.reason
    }
  }
  const generation = state.kind === 'absent' || state.kind === 'empty' ? 1 : state.top + 1
  const now = ctx.iso()
  const record: LockRecord = {
    format: 1,
    kind,
    document,
    sectionId,
    holder: ctx.self,
    operation: opts.operation ?? (kind === 'section' ? 'edit' : kind === 'document' ? 'structure' : 'save'),
    acquiredAt: now,
    lastHeartbeat: now,
    heartbeatSeq: 0,
    heartbeatIntervalMs: ctx.settings.heartbeatIntervalMs,
    ttlMs: ttlOf(ctx.settings),
    token: ulid(),
    generation,
    ...(tookOver ? { tookOverFrom: tookOver } : {})
  }
  // One atomic step: the generation appears with this record in it (a full disk claims nothing).
  const exists = state.kind !== 'absent'
  // A lock folder that is not there yet is made only once the checks pass (a refusal leaves nothing).
  if (!exists) await allowed
  // The checks after the claim start the moment it is in place (so of two racers at least one sees
  // the other), beside the listing that tells whether it is the top; they count only if it is.
  let after: Promise<void> | null = null
  // The guess first: a lost one is read and tried again before any refusal of the guards counts.
  const gate = guess ? guess.then(() => allowed) : (allowed ?? undefined)
  gate?.catch(() => undefined) // awaited by the claim (unless it fails before its rename)
  const claim = {
    exists,
    beforeRename: gate,
    onRenamed: () => {
      after = checksAfterClaim(ctx, kind, document, label)
      after.catch(() => undefined) // awaited below
    }
  }
  let claimed: boolean
  try {
    claimed = await claimGeneration(dir, generation, recordClaim(record), claim)
  } catch (err) {
    // Nothing was renamed. A lost guess (the folder replaced may also fail the claim before its
    // gate: gone, or not a plain folder) is read and tried again; any other failure is thrown.
    const lost =
      err === GUESS_LOST ||
      (guess !== null &&
        (await guess.then(
          () => false,
          () => true
        )))
    if (!lost) throw err
    return tryAcquire(ctx, kind, document, sectionId, opts)
  }
  if (!claimed) {
    await (after as Promise<void> | null)?.catch(() => undefined)
    if (own !== undefined) return tryAcquire(ctx, kind, document, sectionId, opts) // read, then try
    // Someone put this generation in place first: first come, first served. Their record came
    // with their generation, so the refusal names them.
    throw new LockAcquisitionError(
      label,
      describeState(await readLockDir(dir), ctx.iso()),
      ctx.clock.wallNow()
    )
  }
  const handle: LockHandle = { kind, document, sectionId, generation, token: record.token, acquiredAt: now }
  const h: Held = { handle, dir, record, lastActivity: ctx.clock.monotonicNow(), idleWarned: false, label }
  ctx.held.set(dir, h)
  ctx.observer.forget(dir)
  // Compaction (tidiness) beside the checks after the claim.
  const compacted = compact(dir, generation).catch(() => undefined)
  try {
    await (after ?? checksAfterClaim(ctx, kind, document, label))
  } catch (err) {
    await compacted
    await ctx.release(handle, 'refused after a concurrent acquisition')
    throw err
  }
  await compacted
  ctx.metrics?.lockActive(ctx.held.size)
  if (kind !== 'write') {
    if (tookOver) {
      ctx.audit?.record({
        type: 'lock.takeover',
        document,
        sectionId,
        from: `${tookOver.user} on ${tookOver.host}`,
        reason: tookOver.reason
      })
    }
    ctx.audit?.record({ type: 'lock.acquire', document, sectionId, kind, generation })
    ctx.events.emit('acquired', { lock: handle, ...(formerHolder ? { tookOverFrom: formerHolder } : {}) })
  }
  return handle
}

/** Thrown into a claim's gate when the lock no longer holds this instance's tombstone (the guess is lost). */
const GUESS_LOST = new Error('the lock no longer holds the tombstone this instance wrote')

/** What reading a lock this instance released last would find if nobody acted since: its tombstone. */
function ownRelease(top: number): { state: LockDirState; verdict: StaleVerdict } {
  return {
    state: { kind: 'released', top, release: null },
    verdict: { stale: false, reason: '', unchangedForMs: 0, staleInMs: 0 }
  }
}

/** The guards after a claim (SPEC L1, L7): a section against the document lock and the limits, a document against section locks. */
async function checksAfterClaim(
  ctx: AcquireContext,
  kind: LockKind,
  document: string,
  label: string
): Promise<void> {
  if (kind === 'section') await checkSectionAllowed(ctx.guardContext(), document, label, true)
  if (kind === 'document') await checkDocumentAllowed(ctx.guardContext(), document, label)
}
