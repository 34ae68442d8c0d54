/**
 * One version of a section's history on disk: `v000000007.json`, human-readable JSON of a
 * {@link VersionRecord}. This module names, encodes and checks those files; the store decides
 * where they live and when they are written.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { VersionRecord } from '../../../shared/types'

const VERSION_FILE = /^v(\d{9})\.json$/

/** Highest version number the 9-digit file name can carry. */
export const MAX_VERSION = 999_999_999

/** A damaged or inconsistent history file, as reported by verification (never thrown). */
export interface IntegrityProblem {
  /** Absolute path of the file (or folder) concerned. */
  file: string
  /** What is wrong, in words an administrator understands. */
  problem: string
}

/** Runtime schema of a version file (it may have been edited by hand or damaged in transit). */
export const versionRecordSchema = z.object({
  format: z.literal(1),
  document: z.string().min(1),
  sectionId: z.string(),
  version: z.number().int().min(1).max(MAX_VERSION),
  heading: z.string(),
  content: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  author: z.string(),
  instanceId: z.string(),
  timestamp: z.string(),
  reason: z.string(),
  pinned: z.boolean(),
  beforeStructure: z.boolean()
}) satisfies z.ZodType<VersionRecord>

/** File name of a version: `v` and nine digits, so names sort in version order. */
export function versionFileName(version: number): string {
  return `v${String(version).padStart(9, '0')}.json`
}

/** The version number a file name carries, or null when the file is not a version (temp files, notes). */
export function parseVersionFileName(name: string): number | null {
  const m = VERSION_FILE.exec(name)
  if (!m) return null
  const v = Number(m[1])
  return v >= 1 ? v : null
}

/** Hex SHA-256 of text encoded as UTF-8 (the checksum stored in every version). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** Serialises a version for disk: indented so an administrator can read it, newline-terminated. */
export function encodeVersion(record: VersionRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`
}

/**
 * Parses and verifies a version file's text: JSON, schema, checksum recomputation and, when given,
 * the version its file name promises. Returns the record, or the problem in words.
 */
export function inspectVersion(
  text: string,
  expectedVersion: number | null
): { ok: true; record: VersionRecord } | { ok: false; problem: string } {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { ok: false, problem: 'it is not valid JSON (damaged or cut short)' }
  }
  const parsed = versionRecordSchema.safeParse(raw)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    const where = first && first.path.length > 0 ? ` (field “${first.path.join('.')}”)` : ''
    return { ok: false, problem: `it does not have the shape of a version record${where}` }
  }
  const record = parsed.data
  if (sha256Hex(record.content) !== record.sha256) {
    return { ok: false, problem: 'its checksum does not match its content (the text was changed or damaged)' }
  }
  if (expectedVersion !== null && record.version !== expectedVersion) {
    return {
      ok: false,
      problem: `it says it is version ${record.version} but its file name says version ${expectedVersion}`
    }
  }
  return { ok: true, record }
}
