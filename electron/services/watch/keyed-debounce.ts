import type { Clock, Disposable } from '../core/clock'

/**
 * Trailing debounce per key on an injected clock: `fn` runs once a key has been quiet for `quietMs`,
 * or `maxWaitMs` after its first call if it never goes quiet (a busy file must still be reported).
 * Owns its timers; `dispose` cancels them.
 */
export class KeyedDebounce {
  private readonly pending = new Map<string, { timer: Disposable; firstAt: number }>()

  constructor(
    private readonly clock: Clock,
    private readonly quietMs: number,
    private readonly maxWaitMs: number
  ) {}

  /** (Re)arms `key`; the latest `fn` given for a key is the one that runs. */
  schedule(key: string, fn: () => void): void {
    const now = this.clock.monotonicNow()
    const prev = this.pending.get(key)
    const firstAt = prev?.firstAt ?? now
    prev?.timer.dispose()
    const delay = Math.max(0, Math.min(this.quietMs, firstAt + this.maxWaitMs - now))
    const timer = this.clock.setTimeout(() => {
      this.pending.delete(key)
      fn()
    }, delay)
    this.pending.set(key, { timer, firstAt })
  }

  /** Cancels every pending run. */
  dispose(): void {
    for (const p of this.pending.values()) p.timer.dispose()
    this.pending.clear()
  }
}
