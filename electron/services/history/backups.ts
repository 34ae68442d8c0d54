/**
 * SPEC H4: whole-document backups before destructive operations, in `Workspace.backupsDir(doc)`,
 * named `{docBase}_{action}_{YYYYMMDDTHHMMSS.ffffffZ}_{ulid}.md`. Each file is created exclusively
 * (`wx`), so no number of backups in the same microsecond can overwrite one another.
 */
import path from 'node:path'
import { monotonicFactory } from 'ulid'
import { ValidationError } from '../../../shared/errors'
import { createExclusive, ensureDir, errCode, fsyncDir, lstatOrNull, readdirOrNull } from '../core/share-fs'
import type { Clock } from '../core/clock'
import type { Workspace } from '../core/workspace'
import { formatMicros, parseMicros, wallMicros } from './backup-timestamp'

/** One backup file as listed for a writer or an administrator. */
export interface BackupInfo {
  /** Absolute path. */
  file: string
  /** File name. */
  name: string
  docBase: string
  /** What was about to happen: "reorder", "delete", "restore", … */
  action: string
  /** `YYYYMMDDTHHMMSS.ffffffZ` as in the name. */
  timestamp: string
  /** The same instant in microseconds since the epoch (for sorting and display). */
  micros: number
  /** The ulid that keeps the name unique. */
  unique: string
  size: number
}

// Control characters are meant here: SMB and Windows refuse them (and these others) in file names.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_NAMES = /[<>:"/\\|?*\u0000-\u001f]/g
const ACTION = /^[a-z0-9][a-z0-9-]{0,31}$/
const NAME = /^(.+)_([a-z0-9][a-z0-9-]{0,31})_(\d{8}T\d{6}\.\d{6}Z)_([0-9A-HJKMNP-TV-Z]{26})\.md$/

// Monotonic, so ulids made in the same millisecond by this process also sort in creation order.
const nextUlid = monotonicFactory()

/** The document's file name without extension, made safe for SMB and Windows file names. */
export function backupDocBase(doc: string): string {
  const base = path.posix
    .parse(doc.replace(/\\/g, '/'))
    .name.replace(UNSAFE_IN_NAMES, '-')
    .replace(/[. ]+$/, '')
    .slice(0, 80)
  return base || 'document'
}

/**
 * Writes `content` as a new backup of `doc` and returns its absolute path. Throws ValidationError
 * for an action that is not a short lowercase word (names must stay parseable).
 */
export async function createBackup(
  ws: Workspace,
  clock: Clock,
  doc: string,
  action: string,
  content: Buffer
): Promise<string> {
  if (!ACTION.test(action)) {
    throw new ValidationError(`“${action}” is not a backup action name (lowercase letters, digits and “-”).`)
  }
  const dir = ws.backupsDir(doc)
  await ensureDir(dir)
  const prefix = `${backupDocBase(doc)}_${action}_${formatMicros(wallMicros(clock))}`
  // A ulid collision is astronomically unlikely; the exclusive create turns it into a retry, not a loss.
  for (let attempt = 0; ; attempt++) {
    const file = path.join(dir, `${prefix}_${nextUlid(clock.wallNow())}.md`)
    try {
      // Never over an existing file, never through a link; every byte counted, fsynced. A crash
      // mid-write can leave a short backup, but the operation it guards has not started yet.
      await createExclusive(file, content)
    } catch (err) {
      if (errCode(err) === 'EEXIST' && attempt < 5) continue
      throw err
    }
    await fsyncDir(dir)
    return file
  }
}

/** The backups of a document, oldest first (by timestamp, then ulid). Files with other names are ignored. */
export async function listBackups(ws: Workspace, doc: string): Promise<BackupInfo[]> {
  const dir = ws.backupsDir(doc)
  const names = (await readdirOrNull(dir)) ?? []
  const backups: BackupInfo[] = []
  for (const name of names) {
    const m = NAME.exec(name)
    const micros = m ? parseMicros(m[3] ?? '') : null
    if (!m || micros === null) continue
    const file = path.join(dir, name)
    const st = await lstatOrNull(file)
    if (!st?.isFile()) continue // removed while we listed, or not a file
    const size = st.size
    backups.push({
      file,
      name,
      docBase: m[1] ?? '',
      action: m[2] ?? '',
      timestamp: m[3] ?? '',
      micros,
      unique: m[4] ?? '',
      size
    })
  }
  return backups.sort(
    (a, b) => a.micros - b.micros || (a.unique < b.unique ? -1 : a.unique > b.unique ? 1 : 0)
  )
}
