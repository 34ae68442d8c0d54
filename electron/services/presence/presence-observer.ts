/**
 * Which presence records are alive, judged like locks (SPEC L4, core/still-watch.ts): by the
 * *observer's own monotonic clock* watching each record's counter change — never by comparing the writer's timestamps (or a
 * file's mtime) with this machine's clock, so a writer whose clock is ten minutes off looks as
 * alive as any other. A record is gone once its counter stood still for `staleAfterBeats` of the
 * writer's heartbeats; on the same machine a record whose process has died is gone at once.
 */
import type { Identity } from '../../../shared/types'
import type { Clock } from '../core/clock'
import { StillWatch } from '../core/still-watch'
import { holderProcessEnded } from '../locks/liveness'
import type { PresenceRecord } from './presence-record'

/** Bounds on the interval a record claims, so a hostile record cannot stay forever or vanish at once. */
const MIN_INTERVAL_MS = 100
const MAX_INTERVAL_MS = 120_000

/** The verdict on the records of one scan. */
export interface PresenceVerdict {
  alive: PresenceRecord[]
  /** When (observer ms from now) the next alive record would go stale if nothing changes; null: none. */
  nextStaleInMs: number | null
}

/** Tracks the records it is shown, by instance id, and says which are alive. */
export class PresenceObserver {
  private readonly watch: StillWatch

  constructor(
    clock: Clock,
    private readonly self: Identity,
    private readonly staleAfterBeats: number
  ) {
    this.watch = new StillWatch(clock)
  }

  /** Records what was read now (every record file there is) and keeps the alive ones. */
  observe(records: readonly PresenceRecord[]): PresenceVerdict {
    const seen = new Set<string>()
    const alive: PresenceRecord[] = []
    let next: number | null = null
    for (const r of records) {
      const id = r.identity.instanceId
      seen.add(id)
      if (holderProcessEnded(r.identity, this.self)) continue
      const still = this.watch.stillFor(id, String(r.seq))
      const interval = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, r.heartbeatIntervalMs))
      const left = interval * this.staleAfterBeats - still
      if (left <= 0) continue
      alive.push(r)
      next = next === null ? left : Math.min(next, left)
    }
    this.watch.keepOnly(seen)
    return { alive, nextStaleInMs: next }
  }
}
