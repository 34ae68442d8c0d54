/**
 * The shape of the audit trail (SPEC H6): what services record and what readers get back.
 */
import { z } from 'zod'

/** Every kind of event the audit trail records. */
export const AUDIT_EVENT_TYPES = [
  'lock.acquire',
  'lock.refuse',
  'lock.heartbeat-lost',
  'lock.takeover',
  'lock.release',
  'lock.force-release',
  'lock.idle-release',
  'lock.cleanup',
  'save',
  /** A save reached the file, but what follows (index, history) failed: left in its intent. */
  'save.incomplete',
  /** An earlier save's intent was finished (its versions recorded) by a later save or verify --repair. */
  'save.completed',
  /** A save's text added headings: new sections (`created` ids), locked by the saver. */
  'split',
  /** A save's text removed headings: those sections (`retired` ids) joined the section above. */
  'merge',
  'conflict',
  'structure',
  'restore',
  'prune'
] as const

/** One of {@link AUDIT_EVENT_TYPES}. */
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number]

/**
 * What a service records: the type, the document and section concerned, and any further details
 * (reason, version, former holder…), which are written as top-level fields of the line.
 */
export interface AuditEvent {
  type: AuditEventType
  document?: string
  sectionId?: string | null
  [detail: string]: unknown
}

/** One line of an audit file as read back: who wrote it and when (the writer's wall clock), plus the event. */
export interface AuditEntry {
  /** ISO-8601, the writing instance's wall clock (shown to people; clocks of hosts may differ). */
  ts: string
  instanceId: string
  user: string
  host: string
  pid: number
  type: string
  document?: string
  sectionId?: string | null
  [detail: string]: unknown
}

/** Fields every line carries; a detail with one of these names is kept under `shadowed` instead. */
export const RESERVED_FIELDS = [
  'ts',
  'instanceId',
  'user',
  'host',
  'pid',
  'type',
  'document',
  'sectionId'
] as const

/** Runtime schema of a line (files may come from other versions of the app or be damaged). */
export const auditEntrySchema = z.looseObject({
  ts: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a time'),
  instanceId: z.string(),
  user: z.string(),
  host: z.string(),
  pid: z.number(),
  type: z.string(),
  document: z.string().optional(),
  sectionId: z.string().nullable().optional()
})
