/**
 * The presence record of one running instance, `.sectioned/presence/<instanceId>.json`: who it is,
 * which documents its windows have open and which section each cursor is in (its heading, never
 * the text), and a counter that goes up at every write, so observers can judge it alive by their
 * own clock (as lock heartbeats are judged). Small, rewritten atomically, and — like everything in
 * the share — read as untrusted: bounded, no links, validated.
 */
import path from 'node:path'
import { z } from 'zod'
import type { Identity } from '../../../shared/types'
import { readdirOrNull, readFileOrNull, READ_LIMITS, removeFile, writeFileAtomic } from '../core/share-fs'
import { identitySchema } from '../core/identity'
import type { Workspace } from '../core/workspace'

/** The most documents one record lists (the windows of one instance, deduplicated). */
export const MAX_PRESENCE_ENTRIES = 50

/** Where one window of the instance is: a document, and the section its cursor is in (null: not known yet). */
export interface PresenceEntry {
  document: string
  sectionId: string | null
  /** The heading of that section as the window shows it ('' for the preamble), for tooltips. */
  heading: string | null
}

/** A presence record as stored. */
export interface PresenceRecord {
  format: 1
  identity: Identity
  /** Goes up by one at every write; observers watch it change with their own clock. */
  seq: number
  /** How often the writer refreshes it (its lock heartbeat interval). */
  heartbeatIntervalMs: number
  /** The writer's wall clock at the write, ISO-8601: shown to people, never compared. */
  refreshedAt: string
  documents: PresenceEntry[]
}

const entrySchema = z.object({
  document: z.string().min(1).max(4096),
  sectionId: z.string().min(1).max(256).nullable(),
  heading: z.string().max(300).nullable()
})

const recordSchema = z.object({
  format: z.literal(1),
  identity: identitySchema,
  seq: z.number().int().nonnegative(),
  heartbeatIntervalMs: z.number().int().positive(),
  refreshedAt: z.string().max(64),
  documents: z.array(entrySchema).max(MAX_PRESENCE_ENTRIES)
}) satisfies z.ZodType<PresenceRecord>

const INSTANCE_ID = /^[A-Za-z0-9_-]{1,128}$/

/** The record file of an instance; anything but a plain id is refused rather than escaping the folder. */
export function presenceFile(ws: Workspace, instanceId: string): string {
  if (!INSTANCE_ID.test(instanceId))
    throw new Error(`“${instanceId}” is not an instance id that can name a presence file.`)
  return path.join(ws.presenceDir, `${instanceId}.json`)
}

/**
 * The record as JSON that fits the read limit: entries past the limit (absurdly long paths) are
 * dropped from the end rather than writing a record every reader would refuse.
 */
export function serializePresence(record: PresenceRecord): string {
  let documents = record.documents.slice(0, MAX_PRESENCE_ENTRIES)
  for (;;) {
    const text = `${JSON.stringify({ ...record, documents })}\n`
    if (Buffer.byteLength(text) <= READ_LIMITS.presence || documents.length === 0) return text
    documents = documents.slice(0, -1)
  }
}

/** Writes an instance's record atomically (no fsync: it is rewritten every heartbeat and cheap to lose). */
export async function writePresence(ws: Workspace, record: PresenceRecord): Promise<void> {
  await writeFileAtomic(presenceFile(ws, record.identity.instanceId), serializePresence(record), {
    fsync: false,
    syncDir: false,
    // A link or folder planted at its name is replaced itself (never written through).
    replaceOdd: true
  })
}

/** Removes an instance's record (clean shutdown). */
export async function removePresence(ws: Workspace, instanceId: string): Promise<void> {
  await removeFile(presenceFile(ws, instanceId))
}

/** One record file as read: the record, or why it was not taken. */
export type ReadPresence =
  | { instanceId: string; file: string; record: PresenceRecord }
  | { instanceId: string; file: string; record: null; problem: string }

/**
 * Reads one record: null when it is gone; a problem when it is a link, too large, not JSON, not a
 * presence record, or names another instance than its file does (a copied file must not speak for
 * someone else).
 */
export async function readPresenceFile(ws: Workspace, instanceId: string): Promise<ReadPresence | null> {
  const file = presenceFile(ws, instanceId)
  let data: Buffer | null
  try {
    data = await readFileOrNull(file, READ_LIMITS.presence)
  } catch (err) {
    return { instanceId, file, record: null, problem: err instanceof Error ? err.message : String(err) }
  }
  if (data === null) return null
  let json: unknown
  try {
    json = JSON.parse(data.toString('utf8'))
  } catch {
    return { instanceId, file, record: null, problem: 'is not valid JSON' }
  }
  const parsed = recordSchema.safeParse(json)
  if (!parsed.success) return { instanceId, file, record: null, problem: 'is not a presence record' }
  if (parsed.data.identity.instanceId !== instanceId)
    return { instanceId, file, record: null, problem: 'names another instance than its file name' }
  return { instanceId, file, record: parsed.data }
}

/** Every record file in the workspace (sorted by instance id), read and checked one by one. */
export async function readAllPresence(ws: Workspace): Promise<ReadPresence[]> {
  const names = ((await readdirOrNull(ws.presenceDir)) ?? [])
    .filter((n) => n.endsWith('.json') && INSTANCE_ID.test(n.slice(0, -'.json'.length)))
    .sort()
  const out: ReadPresence[] = []
  for (const name of names) {
    const r = await readPresenceFile(ws, name.slice(0, -'.json'.length))
    if (r) out.push(r)
  }
  return out
}
