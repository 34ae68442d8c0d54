/**
 * SPEC A6: this instance's metrics, kept in memory. Locks: active and waiting (gauges), timeouts
 * and contentions (counters). Operations: throughput over a sliding minute, latency percentiles
 * over the last samples, and failures — per operation name ("save", "acquire", …).
 */
import type { Clock } from '../core/clock'

/** Latency samples kept per operation; percentiles describe these most recent ones. */
export const LATENCY_SAMPLES = 1024
/** Throughput is counted over this sliding window, in one-second buckets. */
export const THROUGHPUT_WINDOW_MS = 60_000
const BUCKET_MS = 1000
const BUCKETS = THROUGHPUT_WINDOW_MS / BUCKET_MS

/** Lock figures of one instance. */
export interface LockStats {
  /** Locks this instance holds now. */
  active: number
  /** Acquisitions waiting (retrying) now. */
  waiting: number
  /** Acquisitions that gave up waiting, since start. */
  timeouts: number
  /** Requests refused because someone else held the lock, since start. */
  contentions: number
}

/** Latency of one operation over its last {@link LATENCY_SAMPLES} runs, in milliseconds (null: no runs yet). */
export interface LatencyStats {
  samples: number
  p50: number | null
  p95: number | null
  p99: number | null
  max: number | null
}

/** Figures of one operation name. */
export interface OperationStats {
  /** Runs since start, successful or not. */
  count: number
  /** Failed runs since start. */
  failures: number
  /** Runs (successful or not) that finished in the last 60 s, at one-second resolution. */
  throughputPerMinute: number
  /** Latency of successful and failed runs alike (a slow failure is still a slow wait). */
  latencyMs: LatencyStats
}

/** Plain-JSON picture of an instance's metrics, as published to the shared folder and shown. */
export interface MetricsSnapshot {
  format: 1
  locks: LockStats
  operations: Record<string, OperationStats>
}

class OperationState {
  count = 0
  failures = 0
  private readonly samples = new Float64Array(LATENCY_SAMPLES)
  private next = 0
  private filled = 0
  private readonly bucketCount = new Array<number>(BUCKETS).fill(0)
  private readonly bucketSecond = new Array<number>(BUCKETS).fill(Number.NEGATIVE_INFINITY)

  add(ms: number, ok: boolean, nowMono: number): void {
    this.count++
    if (!ok) this.failures++
    this.samples[this.next] = ms
    this.next = (this.next + 1) % LATENCY_SAMPLES
    this.filled = Math.min(this.filled + 1, LATENCY_SAMPLES)
    const second = Math.floor(nowMono / BUCKET_MS)
    const i = ((second % BUCKETS) + BUCKETS) % BUCKETS
    // A bucket still holding an older second is reused: that second has left the window.
    if (this.bucketSecond[i] !== second) {
      this.bucketSecond[i] = second
      this.bucketCount[i] = 0
    }
    this.bucketCount[i] = (this.bucketCount[i] ?? 0) + 1
  }

  stats(nowMono: number): OperationStats {
    const second = Math.floor(nowMono / BUCKET_MS)
    let throughput = 0
    for (let i = 0; i < BUCKETS; i++) {
      if ((this.bucketSecond[i] ?? Number.NEGATIVE_INFINITY) > second - BUCKETS)
        throughput += this.bucketCount[i] ?? 0
    }
    return {
      count: this.count,
      failures: this.failures,
      throughputPerMinute: throughput,
      latencyMs: this.latency()
    }
  }

  private latency(): LatencyStats {
    const n = this.filled
    if (n === 0) return { samples: 0, p50: null, p95: null, p99: null, max: null }
    const sorted = Array.from(this.samples.subarray(0, n)).sort((a, b) => a - b)
    return {
      samples: n,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted[n - 1] ?? null
    }
  }
}

/** Nearest-rank percentile of ascending values: the smallest value with at least p% at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1] ?? null
}

/**
 * The in-process metrics of one instance. Durations and the throughput window use the injected
 * clock's monotonic time, so a wall-clock jump cannot distort them.
 */
export class Metrics {
  private active = 0
  private waiting = 0
  private timeouts = 0
  private contentions = 0
  private readonly ops = new Map<string, OperationState>()

  constructor(private readonly clock: Clock) {}

  /** Sets the number of locks this instance holds (the lock service knows it exactly). */
  lockActive(n: number): void {
    this.active = Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0
  }

  /** An acquisition starts waiting for a busy lock; pair with {@link waitEnd}. */
  waitStart(): void {
    this.waiting++
  }

  /** A waiting acquisition finished (got the lock, gave up or failed). */
  waitEnd(): void {
    // Never below zero, even if a caller ends a wait twice.
    this.waiting = Math.max(0, this.waiting - 1)
  }

  /** An acquisition gave up waiting. */
  timeout(): void {
    this.timeouts++
  }

  /** A lock request was refused because someone else held it. */
  contention(): void {
    this.contentions++
  }

  /** Records one finished run of an operation. A negative or non-finite duration counts as 0 ms. */
  observe(op: string, ms: number, ok: boolean): void {
    let state = this.ops.get(op)
    if (!state) this.ops.set(op, (state = new OperationState()))
    state.add(Number.isFinite(ms) && ms > 0 ? ms : 0, ok, this.clock.monotonicNow())
  }

  /** Runs and times an async operation; a throw counts as a failure and is rethrown unchanged. */
  async time<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const start = this.clock.monotonicNow()
    try {
      const value = await fn()
      this.observe(op, this.clock.monotonicNow() - start, true)
      return value
    } catch (err) {
      this.observe(op, this.clock.monotonicNow() - start, false)
      throw err
    }
  }

  /** The current figures as plain JSON (a copy; later events do not change it). */
  snapshot(): MetricsSnapshot {
    const now = this.clock.monotonicNow()
    const operations: Record<string, OperationStats> = {}
    for (const name of [...this.ops.keys()].sort()) {
      const state = this.ops.get(name)
      if (state) operations[name] = state.stats(now)
    }
    return {
      format: 1,
      locks: {
        active: this.active,
        waiting: this.waiting,
        timeouts: this.timeouts,
        contentions: this.contentions
      },
      operations
    }
  }
}
