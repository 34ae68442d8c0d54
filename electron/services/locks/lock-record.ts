import { z } from 'zod'
import type { HolderSummary } from '../../../shared/errors'
import type { LockRecord, ReleaseRecord } from '../../../shared/types'
import { identitySchema } from '../core/identity'

/** SPEC L2: a lock's JSON stays at most this many bytes. */
export const MAX_RECORD_BYTES = 1024

/** Runtime schema of `lock.json` (what another instance or an admin's editor may have written). */
export const lockRecordSchema = z.object({
  format: z.literal(1),
  kind: z.enum(['section', 'document', 'write']),
  document: z.string(),
  sectionId: z.string().nullable(),
  holder: identitySchema,
  operation: z.string(),
  acquiredAt: z.string(),
  lastHeartbeat: z.string(),
  heartbeatSeq: z.number().int().nonnegative(),
  heartbeatIntervalMs: z.number().positive(),
  ttlMs: z.number().positive(),
  token: z.string().min(1),
  generation: z.number().int().positive(),
  tookOverFrom: z
    .object({ user: z.string(), host: z.string(), instanceId: z.string(), reason: z.string() })
    .optional()
})

/** Runtime schema of `released.json`, the tombstone that frees a lock. */
export const releaseRecordSchema = z.object({
  format: z.literal(1),
  released: z.literal(true),
  by: z.string(),
  at: z.string(),
  reason: z.string()
})

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** Serialises a lock record, clipping free-text fields so the file stays within {@link MAX_RECORD_BYTES}. */
export function encodeLockRecord(record: LockRecord): string {
  let limit = 120
  for (;;) {
    const r: LockRecord = {
      ...record,
      document: clip(record.document, limit * 2),
      sectionId: record.sectionId === null ? null : clip(record.sectionId, limit),
      operation: clip(record.operation, 40),
      holder: {
        ...record.holder,
        user: clip(record.holder.user, limit),
        host: clip(record.holder.host, limit),
        ownerId: clip(record.holder.ownerId, limit),
        hostId: clip(record.holder.hostId, limit),
        instanceId: clip(record.holder.instanceId, limit)
      },
      tookOverFrom: record.tookOverFrom && {
        ...record.tookOverFrom,
        user: clip(record.tookOverFrom.user, 40),
        host: clip(record.tookOverFrom.host, 40),
        instanceId: clip(record.tookOverFrom.instanceId, 40),
        reason: clip(record.tookOverFrom.reason, 60)
      }
    }
    const text = JSON.stringify(r, null, 1)
    if (Buffer.byteLength(text) <= MAX_RECORD_BYTES) return text
    if (limit <= 8) return JSON.stringify(r)
    limit = Math.floor(limit / 2)
  }
}

/** Serialises a tombstone. */
export function encodeReleaseRecord(record: ReleaseRecord): string {
  return JSON.stringify({ ...record, by: clip(record.by, 200), reason: clip(record.reason, 200) }, null, 1)
}

/** Who holds a lock, as shown in refusals ("Ann on studio-pc, since 10:32"). */
export function holderOf(record: LockRecord): HolderSummary {
  return { user: record.holder.user, host: record.holder.host, since: record.acquiredAt }
}
