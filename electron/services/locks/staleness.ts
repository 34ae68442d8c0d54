import type { Identity } from '../../../shared/types'
import type { Clock } from '../core/clock'
import type { LockDirState } from './lock-dir'
import { StillWatch } from '../core/still-watch'
import { holderProcessEnded } from './liveness'

/** The observer's verdict on a lock somebody else holds. */
export interface StaleVerdict {
  stale: boolean
  /** Why, in words for a writer ("its process ended", "it missed 3 heartbeats"). */
  reason: string
  /** How long this observer has watched the lock without seeing its heartbeat change (ms, observer clock). */
  unchangedForMs: number
  /** When (observer ms from now) it would become stale if nothing changes; 0 when stale. */
  staleInMs: number
}

/**
 * SPEC L4: staleness is judged by the *observer's own monotonic clock* watching a lock's heartbeat
 * counter change (core/still-watch.ts), never by comparing the holder's timestamps (or file mtimes)
 * with the local clock. The first sighting starts the watch: an observer that just arrived must
 * wait a full ttl.
 */
export class StalenessObserver {
  private readonly watch: StillWatch

  constructor(
    clock: Clock,
    private readonly self: Identity,
    /** Used when the lock has a damaged record to take a ttl from. */
    private readonly defaultTtlMs: number,
    /** How long a generation without a record is watched before it is stale (see LockSettings). */
    private readonly claimGraceMs: number = defaultTtlMs
  ) {
    this.watch = new StillWatch(clock)
  }

  /** Records what was seen at `dir` now and says whether the lock is stale. */
  observe(dir: string, state: LockDirState): StaleVerdict {
    if (state.kind === 'absent' || state.kind === 'empty' || state.kind === 'released') {
      this.watch.forget(dir)
      return { stale: false, reason: 'free', unchangedForMs: 0, staleInMs: 0 }
    }
    if (state.kind === 'held' && holderProcessEnded(state.record.holder, this.self)) {
      return {
        stale: true,
        reason: 'its process on this computer has ended',
        unchangedForMs: 0,
        staleInMs: 0
      }
    }
    const key =
      state.kind === 'held'
        ? `${state.top}:${state.record.token}:${state.record.heartbeatSeq}`
        : `${state.top}:${state.kind}`
    const ttl =
      state.kind === 'held'
        ? state.record.ttlMs
        : state.kind === 'claiming'
          ? this.claimGraceMs
          : this.defaultTtlMs
    const unchanged = this.watch.stillFor(dir, key)
    const stale = unchanged >= ttl
    const beats = state.kind === 'held' ? Math.max(1, Math.round(ttl / state.record.heartbeatIntervalMs)) : 0
    return {
      stale,
      reason: stale
        ? state.kind === 'held'
          ? `missed ${beats} heartbeats (nothing changed for ${Math.round(unchanged / 1000)} s)`
          : state.kind === 'claiming'
            ? `an unfinished lock (a generation with no record) stayed unchanged for ${(unchanged / 1000).toFixed(1)} s`
            : `a damaged lock file stayed unchanged for ${Math.round(unchanged / 1000)} s`
        : 'alive',
      unchangedForMs: unchanged,
      staleInMs: Math.max(0, ttl - unchanged)
    }
  }

  /** Forgets a lock (after it was taken over or released). */
  forget(dir: string): void {
    this.watch.forget(dir)
  }
}
