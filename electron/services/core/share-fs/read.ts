/**
 * Reading the share: typed and bounded. `lstat` must show a regular file, the open is
 * `O_NOFOLLOW|O_NONBLOCK` (a FIFO cannot block a thread), the handle's `fstat` must be that same
 * file, and at most a per-kind cap of bytes is read. On a network mount a file missing while a
 * save's temp file is beside it is looked for again (see {@link throughRenameGap}). Also the
 * folder listings.
 */
import { constants, promises as fs, type Dirent, type Stats } from 'node:fs'
import path from 'node:path'
import { detectMountSync } from '../../watch/mount-type'
import { describeKind, errCode, explain, ShareFileError } from './errors'
import { NOFOLLOW, NONBLOCK } from './open-flags'
import { NETWORK_RETRY_MS, onNetworkMount, sleep } from './roots'

/** Caps on what is read from the share, per kind of file (bytes). */
export const READ_LIMITS = {
  /** A lock record or tombstone (written at most 1 KiB, SPEC L2). */
  lockRecord: 4 * 1024,
  /** An edit request between writers. */
  request: 64 * 1024,
  /** Another instance's published metrics. */
  metrics: 64 * 1024,
  /** Another instance's presence record (who has which document open; written at most 16 KiB). */
  presence: 16 * 1024,
  /** A document (a markdown file a person writes; 20 MB is the largest the benchmarks open). */
  document: 64 * 1024 * 1024,
  /** A section index: about 200 bytes a section, so far below the document cap. */
  index: 64 * 1024 * 1024,
  /** A history version or a draft: one section's text plus its record. */
  version: 64 * 1024 * 1024 + 64 * 1024,
  /** One audit file (one instance's day). */
  audit: 64 * 1024 * 1024
} as const

function mib(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`
}

/**
 * Reads a whole file of at most `limit` bytes; null when it does not exist. Throws a ShareFileError
 * when it is a link, not a regular file, larger than `limit`, unreadable, or replaced mid-read.
 */
export async function readFileOrNull(file: string, limit: number): Promise<Buffer | null> {
  return (await readFileWithIdentity(file, limit))?.data ?? null
}

/**
 * {@link readFileOrNull}, also telling which file was read (device and inode, from the handle that
 * read it), so a rename that replaces it can first check it is still that file.
 */
export function readFileWithIdentity(
  file: string,
  limit: number
): Promise<{ data: Buffer; identity: FileIdentity & { nlink: number; mode: number } } | null> {
  return throughRenameGap(file, onNetworkMount(file), () => readOnce(file, limit))
}

/**
 * True when `file` is a regular file (links followed, as a path typed on a command line is), looked
 * for through a network rename gap as reads are: a CLI command started in smbnetfs's gap said "There
 * is no document" (the SMB suite: 2 refused edits and 3 refused reads in one CI run). The CLI asks
 * before the workspace is registered, so the mount is looked up here.
 */
export async function isFileRetrying(file: string): Promise<boolean> {
  const network = onNetworkMount(file) || detectMountSync(path.dirname(path.resolve(file))).network
  const st = await throughRenameGap(file, network, () => fs.stat(file).catch(() => null))
  return st?.isFile() ?? false
}

/**
 * `look()`s for `file`, and on a network mount (`network`) looks again while it is missing only
 * for a moment: smbnetfs replaces a file by unlink-then-rename (see renameRetrying in write.ts).
 * Again while a save's temp file is beside it, for up to NETWORK_RETRY_MS; without one, once more
 * (the gap may have closed meanwhile), then it is missing. The folder's own listing of the name is
 * not asked: sshfs keeps listings for 20 s after a file is gone.
 */
async function throughRenameGap<T>(
  file: string,
  network: boolean,
  look: () => Promise<T | null>
): Promise<T | null> {
  const started = performance.now()
  for (let attempt = 0; ; attempt++) {
    const found = await look()
    if (found !== null || !network) return found
    if (performance.now() - started > NETWORK_RETRY_MS) return null
    if (!(await saveUnderWay(file))) return await look()
    await sleep(Math.min(5 * 2 ** attempt, 50))
  }
}

/** True when `file`'s folder lists an atomic save's temp file of it: a missing `file` may be in that save's rename gap. */
async function saveUnderWay(file: string): Promise<boolean> {
  const base = path.basename(file)
  const names = await fs.readdir(path.dirname(file)).catch(() => [] as string[])
  return names.some((n) => n.startsWith(`${base}.`) && TEMP_SUFFIX.test(n.slice(base.length)))
}

/** The suffixes of writeFileAtomic's (`.<digits>`) and replaceSmallFile's (`.<pid>.<base36>.tmp`) temp files. */
const TEMP_SUFFIX = /^\.(\d{1,10}|\d+\.[0-9a-z]+\.tmp)$/

async function readOnce(
  file: string,
  limit: number
): Promise<{ data: Buffer; identity: FileIdentity & { nlink: number; mode: number } } | null> {
  let st: Stats
  try {
    st = await fs.lstat(file)
  } catch (err) {
    const code = errCode(err)
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw explain(file, err)
  }
  if (!st.isFile()) throw new ShareFileError(file, describeKind(st))
  if (st.size > limit)
    throw new ShareFileError(file, `is ${mib(st.size)}, more than the ${mib(limit)} allowed for it`)
  let handle: fs.FileHandle
  try {
    handle = await fs.open(file, constants.O_RDONLY | NOFOLLOW | NONBLOCK)
  } catch (err) {
    const code = errCode(err)
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw explain(file, err)
  }
  try {
    // What counts is the file this handle opened (O_NOFOLLOW: not a link). Another writer's atomic
    // save may have renamed a new file into place since the lstat — that is a normal race, and
    // what was opened is read; only something that is not a regular file is refused.
    const now = await handle.stat()
    if (!now.isFile()) throw new ShareFileError(file, describeKind(now))
    if (now.size > limit)
      throw new ShareFileError(file, `is ${mib(now.size)}, more than the ${mib(limit)} allowed for it`)
    // Read into one buffer of the size the handle reported (plus a byte, to see growth), not into
    // chunks joined afterwards: the join copied a 5 MB document once more on every read. A file
    // that grows meanwhile gets a larger buffer; the loop ends at end of file.
    let data = Buffer.allocUnsafe(now.size + 1)
    let total = 0
    for (;;) {
      if (total === data.length) {
        const larger = Buffer.allocUnsafe(Math.min(data.length * 2, limit + 1))
        data.copy(larger, 0, 0, total)
        data = larger
      }
      const { bytesRead } = await handle.read(data, total, data.length - total, null)
      if (bytesRead === 0) break
      total += bytesRead
      if (total > limit) throw new ShareFileError(file, `is more than the ${mib(limit)} allowed for it`)
    }
    return {
      data: data.subarray(0, total),
      identity: { dev: now.dev, ino: now.ino, nlink: now.nlink, mode: now.mode }
    }
  } catch (err) {
    // Removed while open: some FUSE file systems (bindfs) then answer fstat/read with ENOENT.
    const code = errCode(err)
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw explain(file, err)
  } finally {
    await handle.close().catch(() => undefined)
  }
}

/**
 * True when `file` holds exactly `expected` — bytes this instance wrote there itself (a lock's
 * tombstone), so equality is the whole question: the open is `O_NOFOLLOW|O_NONBLOCK` (a link or a
 * FIFO cannot answer), at most one byte more than `expected` is read, and anything else there — a
 * folder, other bytes, nothing — is false. Three steps (open, read, close), not a typed read's six.
 */
export async function holdsExactly(file: string, expected: Buffer): Promise<boolean> {
  let handle: fs.FileHandle
  try {
    handle = await fs.open(file, constants.O_RDONLY | NOFOLLOW | NONBLOCK)
  } catch {
    return false
  }
  try {
    const buf = Buffer.alloc(expected.length + 1)
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0)
    return bytesRead === expected.length && buf.subarray(0, bytesRead).equals(expected)
  } catch {
    return false
  } finally {
    await handle.close().catch(() => undefined)
  }
}

/** What a regular file is on disk (to check between a read and the rename that replaces it). */
export interface FileIdentity {
  dev: number
  ino: number
}

/** Lists a folder, returning null when it does not exist (or is not a folder). A link to a folder is not listed. */
export async function readdirOrNull(dir: string): Promise<string[] | null> {
  // The lstat and the listing side by side (one step in a row, not two: every lock read and limit
  // check lists a folder); the listing counts only if the lstat found a folder, not a link to one.
  // Asked one after the other they were no less of a race: a link could be swapped in between.
  const listing = fs.readdir(dir)
  listing.catch(() => undefined) // awaited below, after the lstat's verdict
  try {
    const st = await fs.lstat(dir)
    if (!st.isDirectory()) return null
    return await listing
  } catch (err) {
    const code = errCode(err)
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw explain(dir, err)
  }
}

/** A folder's entries with their types as `lstat` sees them (a link is a link, never followed); null when missing. */
export async function listEntries(dir: string): Promise<Dirent[] | null> {
  try {
    return await fs.readdir(dir, { withFileTypes: true })
  } catch (err) {
    const code = errCode(err)
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw explain(dir, err)
  }
}
