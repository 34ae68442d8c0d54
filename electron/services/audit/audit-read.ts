/**
 * Reads the audit trail back for the admin CLI and the app: every instance's file, merged.
 */
import path from 'node:path'
import { readdirOrNull, readFileOrNull, READ_LIMITS, ShareFileError } from '../core/share-fs'
import type { Workspace } from '../core/workspace'
import { auditEntrySchema, type AuditEntry } from './audit-event'

/** Narrows what {@link readAudit} returns. */
export interface AuditFilter {
  /** Only events about this workspace-relative document. */
  document?: string
  /** Only these event types ("lock.takeover", "save", …). */
  types?: readonly string[]
}

/**
 * Every audit line of every instance, sorted by time (each writer's own wall clock) and, for equal
 * times, by file then line order. A line that is not valid — typically the last line of a file
 * whose writer crashed mid-write — is skipped, never fatal.
 */
export async function readAudit(ws: Workspace, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const names = ((await readdirOrNull(ws.auditDir)) ?? []).filter((n) => n.endsWith('.jsonl')).sort()
  const types = filter.types ? new Set(filter.types) : null
  const found: { entry: AuditEntry; time: number }[] = []
  for (const name of names) {
    let text: string
    try {
      const buf = await readFileOrNull(path.join(ws.auditDir, name), READ_LIMITS.audit)
      if (!buf) continue // removed by an administrator while we listed
      text = buf.toString('utf8')
    } catch (err) {
      if (err instanceof ShareFileError) continue // a pipe, a link, a huge file: not an audit file
      throw err
    }
    for (const line of text.split('\n')) {
      const entry = parseLine(line)
      if (!entry) continue
      if (filter.document !== undefined && entry.document !== filter.document) continue
      if (types && !types.has(entry.type)) continue
      found.push({ entry, time: Date.parse(entry.ts) })
    }
  }
  // Array.prototype.sort is stable, so equal times keep file-then-line order.
  return found.sort((a, b) => a.time - b.time).map((f) => f.entry)
}

function parseLine(line: string): AuditEntry | null {
  if (line.trim() === '') return null
  let raw: unknown
  try {
    raw = JSON.parse(line)
  } catch {
    return null
  }
  const parsed = auditEntrySchema.safeParse(raw)
  return parsed.success ? parsed.data : null
}
