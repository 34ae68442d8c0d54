import type { Clock } from './clock'

/**
 * SPEC L4's measure of a writer's liveness, shared by locks and presence: how long *this*
 * observer, on its own monotonic clock, has seen a mark (a heartbeat counter) stand still — never
 * the writer's timestamps or a file's mtime against this machine's clock, so a writer whose clock
 * is ten minutes off looks as alive as any other. The first sighting starts the watch: an observer
 * that just arrived waits a full window.
 */
export class StillWatch {
  private readonly seen = new Map<string, { mark: string; since: number }>()

  constructor(private readonly clock: Clock) {}

  /** How long (ms, observer clock) `key` has shown `mark`; 0 at its first sighting or a change. */
  stillFor(key: string, mark: string): number {
    const now = this.clock.monotonicNow()
    let s = this.seen.get(key)
    if (!s || s.mark !== mark) this.seen.set(key, (s = { mark, since: now }))
    return now - s.since
  }

  /** Forgets `key` (gone, released or taken over): its next sighting starts a new watch. */
  forget(key: string): void {
    this.seen.delete(key)
  }

  /** Forgets every key not in `keep` (those no longer there). */
  keepOnly(keep: ReadonlySet<string>): void {
    for (const key of this.seen.keys()) if (!keep.has(key)) this.seen.delete(key)
  }
}
