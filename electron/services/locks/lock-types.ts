import type { HolderSummary } from '../../../shared/errors'
import type { LockKind } from '../../../shared/types'
import type { AuditEvent } from '../audit/audit-event'

/** Where lock events are written (the per-instance audit log satisfies it). */
export interface LockAuditSink {
  record(event: AuditEvent): void
}

/** Counters the lock service feeds (the Metrics class satisfies it). */
export interface LockMetricsSink {
  lockActive(n: number): void
  waitStart(): void
  waitEnd(): void
  timeout(): void
  contention(): void
}

/** A lock this instance holds, as handed to callers. */
export interface LockHandle {
  readonly kind: LockKind
  readonly document: string
  readonly sectionId: string | null
  readonly generation: number
  readonly token: string
  readonly acquiredAt: string
}

/** Events of the lock service; each carries the affected lock. */
export interface LockEvents extends Record<string, unknown> {
  acquired: { lock: LockHandle; tookOverFrom?: HolderSummary }
  released: { lock: LockHandle; reason: string }
  /** SPEC L5: the lock was taken over or force-released; the holder must stop writing and keep a draft. */
  lost: { lock: LockHandle; reason: string; newHolder?: HolderSummary }
  'idle-warning': { lock: LockHandle; releaseInMs: number }
  'idle-released': { lock: LockHandle }
}

/** Options of one acquisition. */
export interface AcquireOptions {
  /** Shown in messages: “Budget”. Defaults to the section id or file name. */
  label?: string
  operation?: string
  retries?: number
  takeOverStale?: boolean
}
