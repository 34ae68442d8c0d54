/**
 * Metrics shared through the workspace: each instance publishes its snapshot as
 * `.sectioned/metrics/{instanceId}.json`, and the admin CLI or the app reads and sums them.
 */
import path from 'node:path'
import { z } from 'zod'
import type { Identity } from '../../../shared/types'
import { readdirOrNull, readFileOrNull, READ_LIMITS, removeFile, writeFileAtomic } from '../core/share-fs'
import { SystemClock, type Clock } from '../core/clock'
import { identitySchema } from '../core/identity'
import type { Workspace } from '../core/workspace'
import type { LatencyStats, LockStats, MetricsSnapshot, OperationStats } from './metrics'

/** One published snapshot: who published it and when (the publisher's wall clock). */
export interface PublishedMetrics {
  format: 1
  identity: Identity
  /** ISO-8601, publisher's wall clock: shown to people, not compared across hosts. */
  publishedAt: string
  snapshot: MetricsSnapshot
}

/** Sum of several instances' metrics (see {@link aggregate} for how latencies merge); the caller knows how many. */
export interface AggregateMetrics {
  locks: LockStats
  operations: Record<string, OperationStats>
}

const count = z.number().int().nonnegative()
const ms = z.number().nonnegative().nullable()
const snapshotSchema = z.object({
  format: z.literal(1),
  locks: z.object({ active: count, waiting: count, timeouts: count, contentions: count }),
  operations: z.record(
    z.string(),
    z.object({
      count,
      failures: count,
      throughputPerMinute: count,
      latencyMs: z.object({ samples: count, p50: ms, p95: ms, p99: ms, max: ms })
    })
  )
}) satisfies z.ZodType<MetricsSnapshot>

const publishedSchema = z.object({
  format: z.literal(1),
  identity: identitySchema,
  publishedAt: z.string(),
  snapshot: snapshotSchema
}) satisfies z.ZodType<PublishedMetrics>

/** Instance ids become file names; anything but a plain id is refused rather than escaping the folder. */
function metricsFile(ws: Workspace, instanceId: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(instanceId)) {
    throw new Error(`“${instanceId}” is not an instance id that can name a metrics file.`)
  }
  return path.join(ws.metricsDir, `${instanceId}.json`)
}

/** Writes this instance's snapshot atomically to `{metricsDir}/{instanceId}.json`, replacing the last one. */
export async function publishSnapshot(
  ws: Workspace,
  identity: Identity,
  snapshot: MetricsSnapshot,
  clock: Clock = new SystemClock()
): Promise<string> {
  const file = metricsFile(ws, identity.instanceId)
  const published: PublishedMetrics = {
    format: 1,
    identity,
    publishedAt: new Date(clock.wallNow()).toISOString(),
    snapshot
  }
  // Rewritten every heartbeat and cheap to lose: no fsync, like lock heartbeats.
  // A link planted at its name is replaced itself (never written through): derived data.
  await writeFileAtomic(file, `${JSON.stringify(published, null, 1)}\n`, {
    fsync: false,
    syncDir: false,
    replaceOdd: true
  })
  return file
}

/** Removes this instance's published snapshot (at shutdown, so the CLI stops counting it). */
export async function removeSnapshot(ws: Workspace, instanceId: string): Promise<void> {
  await removeFile(metricsFile(ws, instanceId))
}

/** Every published snapshot, ordered by instance id; unreadable or malformed files are skipped. */
export async function readSnapshots(ws: Workspace): Promise<PublishedMetrics[]> {
  const names = ((await readdirOrNull(ws.metricsDir)) ?? []).filter((n) => n.endsWith('.json')).sort()
  const out: PublishedMetrics[] = []
  for (const name of names) {
    try {
      const parsed = publishedSchema.safeParse(
        JSON.parse(
          ((await readFileOrNull(path.join(ws.metricsDir, name), READ_LIMITS.metrics)) ?? '').toString('utf8')
        )
      )
      if (parsed.success) out.push(parsed.data)
    } catch {
      // removed while we listed, damaged (a pipe, a link, too big), or not JSON: not ours to judge
    }
  }
  return out
}

/**
 * Sums several snapshots: lock figures and operation counts add up. Percentiles cannot be merged
 * exactly without the samples, so each merged percentile is the maximum of the instances' values —
 * an upper bound (the pooled p-th percentile is never above the largest p-th percentile), which is
 * the safe side for latency. `max` is exact; `samples` is the sum.
 */
export function aggregate(snapshots: readonly MetricsSnapshot[]): AggregateMetrics {
  const locks: LockStats = { active: 0, waiting: 0, timeouts: 0, contentions: 0 }
  const operations: Record<string, OperationStats> = {}
  for (const s of snapshots) {
    locks.active += s.locks.active
    locks.waiting += s.locks.waiting
    locks.timeouts += s.locks.timeouts
    locks.contentions += s.locks.contentions
    for (const [name, op] of Object.entries(s.operations)) {
      const into = operations[name]
      operations[name] = into
        ? {
            count: into.count + op.count,
            failures: into.failures + op.failures,
            throughputPerMinute: into.throughputPerMinute + op.throughputPerMinute,
            latencyMs: mergeLatency(into.latencyMs, op.latencyMs)
          }
        : { ...op, latencyMs: { ...op.latencyMs } }
    }
  }
  const sorted = Object.fromEntries(
    Object.entries(operations).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  )
  return { locks, operations: sorted }
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b
  if (b === null) return a
  return Math.max(a, b)
}

function mergeLatency(a: LatencyStats, b: LatencyStats): LatencyStats {
  return {
    samples: a.samples + b.samples,
    p50: maxOrNull(a.p50, b.p50),
    p95: maxOrNull(a.p95, b.p95),
    p99: maxOrNull(a.p99, b.p99),
    max: maxOrNull(a.max, b.max)
  }
}
