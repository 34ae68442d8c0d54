/** A handle that stops a timer (or anything else) when disposed. */
export interface Disposable {
  dispose(): void
}

/**
 * Time, injected so heartbeats, staleness, idle release and clock skew are testable.
 * `wallNow` is what a machine believes the time is (shown to people, never compared across
 * machines); `monotonicNow` only ever moves forward and is what staleness is measured with.
 */
export interface Clock {
  wallNow(): number
  monotonicNow(): number
  /** Runs `fn` once after `ms`. A returned promise is awaited by fake clocks (so tests see its effects). */
  setTimeout(fn: () => unknown, ms: number): Disposable
  setInterval(fn: () => unknown, ms: number): Disposable
}

/** Timer callbacks own their errors; one that escapes is reported instead of crashing the process. */
function guard(fn: () => unknown): () => void {
  return () => {
    const r = fn()
    if (r instanceof Promise) r.catch((err) => console.error('sectioned: background task failed:', err))
  }
}

/** The real clock. `wallOffsetMs` skews the wall clock (how tests play a machine whose clock is wrong). */
export class SystemClock implements Clock {
  constructor(private readonly wallOffsetMs = 0) {}

  wallNow(): number {
    return Date.now() + this.wallOffsetMs
  }

  monotonicNow(): number {
    return performance.now()
  }

  setTimeout(fn: () => unknown, ms: number): Disposable {
    const t = setTimeout(guard(fn), ms)
    return { dispose: () => clearTimeout(t) }
  }

  setInterval(fn: () => unknown, ms: number): Disposable {
    const t = setInterval(guard(fn), ms)
    return { dispose: () => clearInterval(t) }
  }
}

/** Wall-clock skew for this process from SECTIONED_CLOCK_OFFSET_MS (tests of ±10 min skew use it). */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): SystemClock {
  const raw = env.SECTIONED_CLOCK_OFFSET_MS
  const offset = raw === undefined || raw === '' ? 0 : Number(raw)
  return new SystemClock(Number.isFinite(offset) ? offset : 0)
}
