import {
  LockAcquisitionError,
  LockLostError,
  LockTimeoutError,
  UnsafeShareError
} from '../../../shared/errors'
import type { Identity, LockKind, LockRecord } from '../../../shared/types'
import type { Clock, Disposable } from '../core/clock'
import { Emitter } from '../core/emitter'
import { errorText, silentLog, type Log } from '../log/log'
import type { Workspace } from '../core/workspace'
import {
  claimGeneration,
  compact,
  probeExclusiveClaims,
  readLockDir,
  releaseClaim,
  releaseInPlace,
  stillHolds,
  type LockDirState
} from './lock-dir'
import { resolveLockSettings, ttlOf, type LockSettings } from './lock-config'
import { StalenessObserver, type StaleVerdict } from './staleness'
import type { AuditEventType } from '../audit/audit-event'
import type { AcquireOptions, LockAuditSink, LockEvents, LockHandle, LockMetricsSink } from './lock-types'
import { WriteQueue } from './write-queue'
import { TopStates } from './lock-scan'
import type { GuardContext } from './lock-guards'
import { beatHeld, confirmMine, isMine, loseHeld, type Held, type HeldContext } from './lock-heartbeat'
import { acquireWithRetries, tryAcquire, type AcquireContext, type OwnTombstone } from './lock-acquire'

/** Construction parameters of the lock service. */
export interface LockServiceOptions {
  workspace: Workspace
  identity: Identity
  clock: Clock
  settings?: Partial<LockSettings>
  audit?: LockAuditSink
  metrics?: LockMetricsSink
  /** Native file events show other instances' changes in the share (a local disk; default true). */
  nativeEvents?: boolean
  /** Where failed releases and heartbeats leave a line (default: nowhere). */
  log?: Log
}

/** How many released locks' tombstones are remembered (see `ownTombstones`). */
const OWN_TOMBSTONES = 4096

/**
 * Section locks, document locks and the per-document write mutex (SPEC L1–L7) on the shared
 * folder, with heartbeats, observer-clock staleness, safe takeover, idle release and limits.
 * One instance per app instance; `start()` and `dispose()` come in pairs.
 */
export class LockService {
  readonly settings: LockSettings
  readonly events = new Emitter<LockEvents>()
  readonly observer: StalenessObserver
  /** The host's diagnostics log, also for callers that release with {@link releaseLogged}. */
  readonly log: Log
  private readonly ws: Workspace
  private readonly self: Identity
  private readonly clock: Clock
  private readonly audit?: LockAuditSink
  private readonly metrics?: LockMetricsSink
  private readonly held = new Map<string, Held>()
  private timers: Disposable[] = []
  private ticking: Promise<void> | null = null
  private lastBeatOk: number | null = null
  /** Write mutexes whose release failed, retried in place in the background. */
  private readonly unreleased = new Map<string, { h: Held; timer: Disposable }>()
  /** Whether this share keeps claims exclusive: probed once, before the first claim. */
  private claimsChecked: Promise<void> | null = null
  private beatFailures = 0
  private readonly writeQueue: WriteQueue
  private readonly tops = new TopStates()
  /**
   * The tombstone generation of each lock this instance released last (acquire claims the next one
   * without reading first; see tryAcquire). Bounded: forgotten entries only cost a read.
   */
  private readonly ownTombstones = new Map<string, OwnTombstone>()

  constructor(opts: LockServiceOptions) {
    this.ws = opts.workspace
    this.self = opts.identity
    this.clock = opts.clock
    this.audit = opts.audit
    this.metrics = opts.metrics
    this.log = opts.log ?? silentLog
    this.settings = resolveLockSettings(opts.settings)
    this.writeQueue = new WriteQueue({
      clock: this.clock,
      self: this.self,
      events: opts.nativeEvents ?? true,
      log: this.log
    })
    this.observer = new StalenessObserver(
      this.clock,
      this.self,
      ttlOf(this.settings),
      this.settings.claimGraceMs
    )
  }

  /** Who this instance is. */
  get identity(): Identity {
    return this.self
  }

  /** Starts heartbeats and idle checks. */
  start(): void {
    if (this.timers.length) return
    this.timers.push(this.clock.setInterval(() => this.heartbeat(), this.settings.heartbeatIntervalMs))
    if (this.settings.idleTimeoutMs > 0) {
      const every = Math.min(1000, this.settings.heartbeatIntervalMs)
      this.timers.push(this.clock.setInterval(() => this.checkIdle(), every))
    }
  }

  /** Stops timers and releases every lock this instance holds (SPEC L6: normal exit). */
  async dispose(): Promise<void> {
    for (const t of this.timers) t.dispose()
    this.timers = []
    await this.ticking
    await Promise.all([...this.held.values()].map((h) => this.releaseLogged(h.handle, 'exit')))
    for (const { h, timer } of [...this.unreleased.values()]) {
      timer.dispose()
      await releaseInPlace(h.dir, h.handle.generation).catch((err: unknown) =>
        this.log.warn('a save’s write mutex could not be released; it goes stale', lockFields(h.handle, err))
      )
    }
    this.unreleased.clear()
    this.events.clear()
  }

  /** Locks currently held by this instance. */
  heldLocks(): LockHandle[] {
    return [...this.held.values()].map((h) => h.handle)
  }

  /** Takes a section lock (SPEC L1), refusing while the document lock is held and beyond the limits of L7. */
  acquireSection(document: string, sectionId: string, opts: AcquireOptions = {}): Promise<LockHandle> {
    return acquireWithRetries(this.acquireContext(), 'section', document, sectionId, opts)
  }

  /** Takes the document lock for structure operations; refused while another instance holds a section lock. */
  acquireDocument(document: string, opts: AcquireOptions = {}): Promise<LockHandle> {
    return acquireWithRetries(this.acquireContext(), 'document', document, null, opts)
  }

  /**
   * Takes the short write mutex that serialises saves of one document across instances, first come
   * first served (write-queue.ts): waiters are woken by the release, not by polling flat out.
   */
  async acquireWrite(document: string, waitMs = this.settings.writeWaitMs): Promise<LockHandle> {
    const deadline = this.clock.monotonicNow() + waitMs
    let last: LockAcquisitionError | undefined
    let attempts = 0
    const handle = await this.writeQueue.take(
      this.ws.writeQueueDir(document),
      this.ws.writeLockDir(document),
      deadline,
      async () => {
        attempts++
        try {
          return await tryAcquire(this.acquireContext(), 'write', document, null, {
            label: `Saving “${document}”`,
            operation: 'save'
          })
        } catch (err) {
          if (!(err instanceof LockAcquisitionError)) throw err
          last = err
          return null
        }
      }
    )
    if (handle) return handle
    this.metrics?.timeout()
    throw new LockTimeoutError(`saving “${document}”`, attempts, this.clock.wallNow(), last?.holder)
  }

  /** Records edit activity on a held lock (postpones the idle release). */
  touch(lock: LockHandle): void {
    const h = this.findHeld(lock)
    if (h) {
      h.lastActivity = this.clock.monotonicNow()
      h.idleWarned = false
    }
  }

  /** Confirms on disk that this instance still holds the lock; throws LockLostError (and emits `lost`) if not. */
  async assertHeld(lock: LockHandle): Promise<void> {
    const h = this.findHeld(lock)
    if (!h) throw new LockLostError(this.labelOf(lock), 'it was already released', this.clock.wallNow())
    // Still the top, with the very record this instance wrote last: held (a save checks its
    // sections' locks this way under the write mutex). Anything else is read and judged.
    if (await stillHolds(h.dir, h.record)) return
    const state = await readLockDir(h.dir)
    if (isMine(state, h)) return
    throw this.lose(h, state)
  }

  /**
   * {@link release} for callers that carry on whatever happens (a window closed, a refused save,
   * exit): a failure leaves a warning in the log and resolves false — the lock then goes stale and
   * others take it over (SPEC L4).
   */
  releaseLogged(lock: LockHandle, reason: string): Promise<boolean> {
    return this.release(lock, reason).catch((err: unknown) => {
      this.log.warn('a lock could not be released; it stays until it goes stale', {
        ...lockFields(lock, err),
        reason
      })
      return false
    })
  }

  /** Releases a lock by writing the next generation as a tombstone. Returns false if it had been lost. */
  async release(lock: LockHandle, reason = 'release'): Promise<boolean> {
    const h = this.findHeld(lock)
    if (!h) return false
    this.held.delete(h.dir)
    this.metrics?.lockActive(this.held.size)
    // Our record must still be our generation's, byte for byte, and the top: confirmed beside
    // preparing the tombstone (the rename waits for it). Else a tombstone lands wherever the next
    // number is free — above someone's live generation 1 in a lock folder reset since (a double
    // grant), or amid the history of a lock taken over long ago (a lost lock reported released).
    // Not ours: no tombstone, lost. Taken over meanwhile: the rename fails (`onlyTop: false`).
    const next = h.handle.generation + 1
    const tombstone = releaseClaim({ format: 1, released: true, by: this.who(), at: this.iso(), reason })
    const mine = confirmMine(h)
    const confirmed = mine.then((ok) => (ok ? undefined : Promise.reject(new Error('not ours'))))
    confirmed.catch(() => undefined) // awaited by the claim, unless it failed before its rename
    try {
      if (
        !(await claimGeneration(h.dir, next, tombstone, {
          exists: true,
          onlyTop: false,
          beforeRename: confirmed
        }))
      ) {
        this.lose(h, await readLockDir(h.dir), false)
        return false
      }
      if (this.ownTombstones.size >= OWN_TOMBSTONES) this.ownTombstones.clear()
      this.ownTombstones.set(h.dir, { top: next, content: tombstone })
    } catch (err) {
      const ours = await mine.catch(() => null)
      if (ours === false) {
        this.lose(h, await readLockDir(h.dir), false)
        return false
      }
      // Not confirmed (the lock could not be read): nothing is released in place — the generation
      // might be someone else's — and the lock goes stale (SPEC L4).
      if (ours === null) {
        if (lock.kind !== 'write') throw err
        this.log.warn(
          'a save’s write mutex could not be read to release it; it goes stale',
          lockFields(lock, err)
        )
        return false
      }
      // No room for a new generation (a full disk) or an I/O error putting it in place: released
      // in place instead — one rename, no new space — so a save that ends on a full disk never
      // leaves its write mutex (or a section) held.
      try {
        await releaseInPlace(h.dir, h.handle.generation)
      } catch {
        if (lock.kind !== 'write') throw err
        // A save's outcome is decided by its document's rename, never by its mutex's release: the
        // release is retried in the background (and at dispose); at worst the mutex goes stale.
        this.log.warn('a save’s write mutex could not be released; retrying', lockFields(lock, err))
        this.retryReleaseInPlace(h, 5)
        return false
      }
    }
    if (lock.kind !== 'write') {
      this.audit?.record({ type: 'lock.release', document: lock.document, sectionId: lock.sectionId, reason })
      this.events.emit('released', { lock: h.handle, reason })
    }
    return true
  }

  private retryReleaseInPlace(h: Held, attemptsLeft: number): void {
    const timer = this.clock.setTimeout(() => {
      this.unreleased.delete(h.dir)
      releaseInPlace(h.dir, h.handle.generation).catch((err: unknown) => {
        if (attemptsLeft > 1) this.retryReleaseInPlace(h, attemptsLeft - 1)
        else this.log.warn('gave up releasing a save’s write mutex; it goes stale', lockFields(h.handle, err))
      })
    }, 1_000)
    this.unreleased.set(h.dir, { h, timer })
  }

  /** Heartbeat: proves to observers that each held lock is alive, and notices locks that were lost. */
  heartbeat(): Promise<void> {
    if (!this.ticking) {
      this.ticking = this.beatAll().finally(() => (this.ticking = null))
    }
    return this.ticking
  }

  /** Releases section locks idle past the timeout, warning first (SPEC L6). */
  async checkIdle(): Promise<void> {
    const { idleTimeoutMs, idleWarningMs } = this.settings
    if (idleTimeoutMs <= 0) return
    const now = this.clock.monotonicNow()
    for (const h of [...this.held.values()]) {
      if (h.handle.kind === 'write') continue
      const idle = now - h.lastActivity
      if (idle >= idleTimeoutMs) {
        if (await this.release(h.handle, 'idle')) {
          this.audit?.record({
            type: 'lock.idle-release',
            document: h.handle.document,
            sectionId: h.handle.sectionId
          })
          this.events.emit('idle-released', { lock: h.handle })
        }
      } else if (!h.idleWarned && idle >= idleTimeoutMs - idleWarningMs) {
        h.idleWarned = true
        this.events.emit('idle-warning', { lock: h.handle, releaseInMs: idleTimeoutMs - idle })
      }
    }
  }

  /** Reads a lock folder and gives this observer's verdict on it (observer clock, SPEC L4). */
  async judge(dir: string): Promise<{ state: LockDirState; verdict: StaleVerdict }> {
    const state = await readLockDir(dir)
    return { state, verdict: this.observer.observe(dir, state) }
  }

  /**
   * Reads a lock folder for a decision. A generation without a record (`claiming`: an older
   * version's crash, or a hand) is watched for up to `claimGraceMs` on this observer's clock —
   * re-read every 250 ms, any record seen ends the wait — and is stale after it, so it blocks no
   * edit beyond the grace, in a long-running app or a one-shot CLI command alike.
   */
  async readSettled(dir: string): Promise<{ state: LockDirState; verdict: StaleVerdict }> {
    for (;;) {
      const state = await readLockDir(dir)
      const verdict = this.observer.observe(dir, state)
      if (state.kind !== 'claiming' || verdict.stale) return { state, verdict }
      await this.sleep(Math.min(250, Math.max(1, verdict.staleInMs)))
    }
  }

  /** Lock folder of a section, a document or a document's write mutex. */
  lockDir(kind: LockKind, document: string, sectionId: string | null): string {
    if (kind === 'section') return this.ws.sectionLockDir(document, sectionId ?? '')
    return kind === 'document' ? this.ws.documentLockDir(document) : this.ws.writeLockDir(document)
  }

  /**
   * Frees a lock held by someone else by writing a tombstone generation: the holder learns at its
   * next heartbeat that it lost the lock. Returns the record that was released.
   */
  async releaseForeign(
    dir: string,
    state: LockDirState,
    reason: string,
    auditType: AuditEventType
  ): Promise<LockRecord | null> {
    if (state.kind === 'absent' || state.kind === 'empty' || state.kind === 'released') return null
    const next = state.top + 1
    const tombstone = releaseClaim({ format: 1, released: true, by: this.who(), at: this.iso(), reason })
    if (!(await claimGeneration(dir, next, tombstone))) return null
    await compact(dir, next)
    this.observer.forget(dir)
    const record = state.kind === 'held' ? state.record : null
    this.audit?.record({
      type: auditType,
      document: record?.document,
      sectionId: record?.sectionId ?? null,
      reason,
      formerHolder: record ? `${record.holder.user} on ${record.holder.host}` : state.kind
    })
    return record
  }

  /**
   * Refuses file-system locks, once and for all, on a share where two claims of one generation can
   * both succeed (see {@link probeExclusiveClaims}). A probe that could not run (an I/O error) is
   * tried again at the next acquire.
   */
  private checkClaimsSafe(): Promise<void> {
    this.claimsChecked ??= probeExclusiveClaims(this.ws.hidden).then(
      (reason) => {
        if (reason !== null) throw new UnsafeShareError(reason)
      },
      (err: unknown) => {
        this.claimsChecked = null
        throw err
      }
    )
    return this.claimsChecked
  }

  /** Heartbeat health for the status bar: when the last round fully succeeded, and failures since. */
  get health(): { lastOkAt: number | null; consecutiveFailures: number } {
    return { lastOkAt: this.lastBeatOk, consecutiveFailures: this.beatFailures }
  }

  private async beatAll(): Promise<void> {
    const failed = await beatHeld(this.heldContext())
    if (failed) this.beatFailures++
    else {
      this.beatFailures = 0
      this.lastBeatOk = this.clock.monotonicNow()
    }
  }

  private lose(h: Held, state: LockDirState, emit = true): LockLostError {
    return loseHeld(this.heldContext(), h, state, emit)
  }

  private heldContext(): HeldContext {
    return {
      held: this.held,
      clock: this.clock,
      events: this.events,
      audit: this.audit,
      metrics: this.metrics,
      log: this.log,
      iso: () => this.iso()
    }
  }

  private acquireContext(): AcquireContext {
    return {
      ...this.heldContext(),
      ws: this.ws,
      self: this.self,
      settings: this.settings,
      observer: this.observer,
      lockDir: (kind, document, sectionId) => this.lockDir(kind, document, sectionId),
      assertHeld: (lock) => this.assertHeld(lock),
      release: (lock, reason) => this.release(lock, reason),
      readSettled: (dir) => this.readSettled(dir),
      checkClaimsSafe: () => this.checkClaimsSafe(),
      takeOwnTombstone: (dir) => {
        const top = this.ownTombstones.get(dir)
        this.ownTombstones.delete(dir)
        return top
      },
      guardContext: () => this.guardContext(),
      sleep: (ms) => this.sleep(ms)
    }
  }

  private guardContext(): GuardContext {
    return {
      ws: this.ws,
      self: this.self,
      settings: this.settings,
      observer: this.observer,
      nowIso: this.iso(),
      readSettled: (dir) => this.readSettled(dir),
      tops: this.tops,
      releaseForeign: (dir, state, reason) => this.releaseForeign(dir, state, reason, 'lock.takeover')
    }
  }

  private findHeld(lock: LockHandle): Held | undefined {
    const h = this.held.get(this.lockDir(lock.kind, lock.document, lock.sectionId))
    return h && h.handle.token === lock.token ? h : undefined
  }

  private labelOf(lock: LockHandle): string {
    return lock.sectionId === null ? `“${lock.document}”` : `Section “${lock.sectionId}”`
  }

  private who(): string {
    return `${this.self.user} on ${this.self.host}`
  }

  /** This instance's wall clock (ms): what messages naming a holder are worded against. */
  wallNow(): number {
    return this.clock.wallNow()
  }

  private iso(): string {
    return new Date(this.clock.wallNow()).toISOString()
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms))
  }
}

export type { AcquireOptions, LockAuditSink, LockEvents, LockHandle, LockMetricsSink } from './lock-types'

/** The fields a log line about a lock carries. */
function lockFields(lock: LockHandle, err: unknown): Record<string, string | null> {
  return { kind: lock.kind, document: lock.document, sectionId: lock.sectionId, error: errorText(err) }
}
