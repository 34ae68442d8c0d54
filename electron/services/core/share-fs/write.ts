/**
 * The one door to the shared folder (documents and `.sectioned/`). Anyone who can write to the share
 * can plant links, pipes, devices, folders and huge files where the app expects its own files, and
 * disks fill up. Every read and write of the share goes through here (lint enforces it):
 *
 * - **Writes** go to a temp file created `O_CREAT|O_EXCL|O_NOFOLLOW` beside the target; every write
 *   loop checks the byte count (a short write that makes no progress is ENOSPC), then fsync, then a
 *   rename onto the *literal* path — after `lstat` shows the target is not a link, and the folder's
 *   real path is where its literal path says, inside the workspace (no planted folder link).
 *   A rename replaces a directory entry and never writes through a link at the target.
 * - **Reads** are typed and bounded: `lstat` must show a regular file, the open is
 *   `O_NOFOLLOW|O_NONBLOCK` (a FIFO cannot block a thread), the handle's `fstat` must be that same
 *   file, and at most a per-kind cap of bytes is read.
 * - Anything else is a {@link ShareFileError} naming the file and what is wrong with it, so the caller
 *   can report *that* file's damage and carry on with the rest of the workspace.
 * - **Network mounts** (a registered workspace root on NFS, SMB or any FUSE mount; see mount-type.ts):
 *   a file's rename refused while another computer has the target open is retried for a bounded
 *   time, and so is a read that finds a file missing while a save's temp file is beside it (SMB
 *   clients replace by unlink-then-rename; see renameRetrying). Local disks take no retries.
 *
 * write-file-atomic is not used: version 7 makes one `fs.write` and ignores its byte count, so on a
 * nearly full disk (where the kernel returns a short count instead of ENOSPC) it fsyncs a cut temp
 * file and renames it over the document (npm/write-file-atomic#163: "partial writes are not
 * retried"); it also resolves a link at the target with `realpath` and writes to where it points.
 *
 * Left: the folder check and the rename are two steps (Node has no `renameat` on a folder handle), so
 * a folder swapped for a link in between is not caught; the target itself can never be written
 * through, only replaced.
 */
import { constants, promises as fs, realpathSync, watch, type Dirent, type Stats } from 'node:fs'
import { randomInt } from 'node:crypto'
import path from 'node:path'
import { ErrorCode, SectionedError } from '../../../../shared/errors'
import { detectMountSync } from '../../watch/mount-type'

/** Caps on what is read from the share, per kind of file (bytes). */
export const READ_LIMITS = {
  /** A lock record or tombstone (written at most 1 KiB, SPEC L2). */
  lockRecord: 4 * 1024,
  /** An edit request between writers. */
  request: 64 * 1024,
  /** Another instance's published metrics. */
  metrics: 64 * 1024,
  /** A document (a markdown file a person writes; 20 MB is the largest the benchmarks open). */
  document: 64 * 1024 * 1024,
  /** A section index: about 200 bytes a section, so far below the document cap. */
  index: 64 * 1024 * 1024,
  /** A history version or a draft: one section's text plus its record. */
  version: 64 * 1024 * 1024 + 64 * 1024,
  /** One audit file (one instance's day). */
  audit: 64 * 1024 * 1024
} as const

/** What is wrong with a file on the share; `sysCode` is the OS error behind it, if one was. */
export class ShareFileError extends SectionedError {
  /** Where a refused save's text was kept (set by the document service when the disk was full). */
  draftFile: string | null = null

  constructor(
    readonly file: string,
    readonly problem: string,
    readonly sysCode?: string
  ) {
    super(sysCode === 'ENOSPC' ? ErrorCode.Io : ErrorCode.Integrity, `${file} ${problem}`)
  }
}

/** The OS error code of `err` (`ENOENT`, …); for a ShareFileError, the OS error behind it. */
export function errCode(err: unknown): string | undefined {
  if (err instanceof ShareFileError) return err.sysCode
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined
}

/** Errors that SMB shares and antivirus scanners return for a moment while a file is busy. */
const TRANSIENT = new Set(['EPERM', 'EBUSY', 'EACCES', 'EAGAIN'])
/** `O_NOFOLLOW`/`O_NONBLOCK` where the platform has them (Windows has neither, and no FIFOs or symlink plants by non-admins). */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0
const NONBLOCK = constants.O_NONBLOCK ?? 0

// ---- where the share is ------------------------------------------------------------------------

/** Workspace roots, literal path → real path (registered by `Workspace`). */
const roots = new Map<string, string>()
/** Workspace roots, literal path → whether they are on a network mount (see {@link renameRetrying}). */
const networkRoots = new Map<string, boolean>()

/**
 * Tells the module that `root` is a workspace, so writes below it are checked for planted folder
 * links, and renames and reads below it are retried if it is on a network mount (detected from the
 * mount table once per root, unless `opts.network` says).
 */
export function registerShareRoot(root: string, opts: { network?: boolean } = {}): void {
  const literal = path.resolve(root)
  if (opts.network !== undefined) networkRoots.set(literal, opts.network)
  else if (!networkRoots.has(literal)) networkRoots.set(literal, detectMountSync(literal).network)
  if (roots.has(literal)) return
  try {
    roots.set(literal, realpathSync(literal))
  } catch {
    // Not there yet: checked once it is (see realRootOf).
  }
}

/** True when `file` is below a registered workspace root on a network mount. */
function onNetworkMount(file: string): boolean {
  if (networkRoots.size === 0) return false
  const abs = path.resolve(file)
  for (const [literal, network] of networkRoots) {
    if (!network) continue
    const rel = path.relative(literal, abs)
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return true
  }
  return false
}

function realRootOf(literal: string): string | null {
  let real = roots.get(literal)
  if (real === undefined) {
    try {
      real = realpathSync(literal)
      roots.set(literal, real)
    } catch {
      return null
    }
  }
  return real
}

/**
 * Throws unless `dir` is, on disk, where its literal path says: its real path is the workspace's
 * real root joined with its path below the root (no link anywhere below the root). A folder outside
 * every registered workspace (local settings, tests) is not checked.
 */
export async function assertPlainFolder(dir: string): Promise<void> {
  const abs = path.resolve(dir)
  // A folder found plain is taken as plain for a moment: a lock heartbeat or a save checks each of
  // its folders once, not once per file (the check and the write are two steps anyway; see above).
  const seen = plainSeen.get(abs)
  if (seen !== undefined && performance.now() - seen < PLAIN_FOR_MS) return
  await checkPlainFolder(abs)
  if (plainSeen.size > 4096) plainSeen.clear()
  plainSeen.set(abs, performance.now())
}

/** Folders found plain, and when (monotonic ms). */
const plainSeen = new Map<string, number>()
const PLAIN_FOR_MS = 1000

async function checkPlainFolder(abs: string): Promise<void> {
  for (const [literal] of roots) {
    const rel = path.relative(literal, abs)
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue
    const realRoot = realRootOf(literal)
    if (realRoot === null) return
    let real: string
    try {
      real = await fs.realpath(abs)
    } catch (err) {
      if (errCode(err) !== 'ENOENT' && errCode(err) !== 'ENOTDIR') throw err
      // Not there yet (the caller creates it next): its nearest existing parent must be plain.
      if (rel === '') return
      return checkPlainFolder(path.dirname(abs))
    }
    if (real !== path.join(realRoot, rel)) {
      throw new ShareFileError(
        abs,
        'leads elsewhere through a link planted in the shared folder; nothing is written through it.'
      )
    }
    return
  }
}

// ---- reading -----------------------------------------------------------------------------------

function describeKind(st: Stats): string {
  if (st.isSymbolicLink()) return 'is a link; the app does not follow links in the shared folder'
  if (st.isDirectory()) return 'is a folder where a file was expected'
  if (st.isFIFO()) return 'is a pipe (FIFO), not a file'
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a file'
  if (st.isSocket()) return 'is a socket, not a file'
  return 'is not a regular file'
}

function mib(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`
}

/** Turns an OS error on `file` into a ShareFileError a writer can read (ENOENT/ENOTDIR pass through). */
function explain(file: string, err: unknown): unknown {
  const code = errCode(err)
  if (err instanceof ShareFileError || code === 'ENOENT' || code === 'ENOTDIR') return err
  if (code === 'ELOOP' || code === 'EMLINK')
    return new ShareFileError(file, 'is a link; the app does not follow links in the shared folder', code)
  if (code === 'EISDIR') return new ShareFileError(file, 'is a folder where a file was expected', code)
  if (code === 'EACCES' || code === 'EPERM')
    return new ShareFileError(file, 'cannot be read or written: permission denied', code)
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new ShareFileError(file, 'could not be written: the disk (or your quota) is full', 'ENOSPC')
  if (code === 'EROFS')
    return new ShareFileError(file, 'could not be written: the shared folder is read-only (EROFS)', code)
  return err
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
 * for a moment: smbnetfs replaces a file by unlink-then-rename (see renameRetrying). Again while a
 * save's temp file is beside it, for up to NETWORK_RETRY_MS; without one, once more (the gap may
 * have closed meanwhile), then it is missing. The folder's own listing of the name is not asked:
 * sshfs keeps listings for 20 s after a file is gone.
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

/** What a regular file is on disk (to check between a read and the rename that replaces it). */
export interface FileIdentity {
  dev: number
  ino: number
}

/** Lists a folder, returning null when it does not exist (or is not a folder). A link to a folder is not listed. */
export async function readdirOrNull(dir: string): Promise<string[] | null> {
  try {
    const st = await fs.lstat(dir)
    if (!st.isDirectory()) return null
    return await fs.readdir(dir)
  } catch (err) {
    const code = errCode(err)
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw explain(dir, err)
  }
}

// ---- writing -----------------------------------------------------------------------------------

/** Writes all of `data` at `position` (advancing), checking every count: no progress is ENOSPC. */
export async function writeAll(
  handle: fs.FileHandle,
  data: Buffer,
  position: number | null = null
): Promise<void> {
  let done = 0
  while (done < data.length) {
    const { bytesWritten } = await handle.write(
      data,
      done,
      data.length - done,
      position === null ? null : position + done
    )
    if (bytesWritten <= 0) {
      throw Object.assign(new Error('ENOSPC: no space left on device (a write made no progress)'), {
        code: 'ENOSPC'
      })
    }
    done += bytesWritten
  }
}

/** fsync a directory so a rename in it survives a power loss. Some network file systems refuse; that is fine. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined
  try {
    handle = await fs.open(dir, constants.O_RDONLY | NOFOLLOW)
    await handle.sync()
  } catch (err) {
    const code = errCode(err)
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'ENOTSUP', 'EBADF', 'EIO', 'ELOOP'].includes(code ?? ''))
      throw err
  } finally {
    await handle?.close().catch(() => undefined)
  }
}

/** Creates a folder (and its parents) in the share, then checks it is not reached through a link. */
export async function ensureDir(dir: string): Promise<void> {
  await assertPlainFolder(dir) // before: nothing is created through a planted link
  await fs.mkdir(dir, { recursive: true }).catch(async (err: unknown) => {
    // A recursive mkdir on a read-only file system answers ENOENT for the first missing level;
    // one plain mkdir of that level gives the real cause (EROFS, EACCES) for the message.
    if (errCode(err) === 'ENOENT') throw explain(dir, await realMkdirError(dir, err))
    throw explain(dir, err)
  })
  await assertPlainFolder(dir) // after: a link planted meanwhile is not written through either
}

async function realMkdirError(dir: string, fallback: unknown): Promise<unknown> {
  let missing = dir
  while (
    (await fs.lstat(path.dirname(missing)).catch(() => null)) === null &&
    path.dirname(missing) !== missing
  )
    missing = path.dirname(missing)
  return fs.mkdir(missing).then(
    async () => {
      await fs.rmdir(missing).catch(() => undefined)
      return fallback
    },
    (err: unknown) => err
  )
}

export interface AtomicWriteOptions {
  /** Also fsync the containing folder after the rename (default true). */
  syncDir?: boolean
  /** Fsync the file before the rename (default true). Lock heartbeats turn it off: they are rewritten every interval. */
  fsync?: boolean
  /** Create the containing folder when it is missing (default true). Lock heartbeats turn it off: a vanished folder means a lost lock. */
  createDir?: boolean
  /** The file's mode (default: the replaced file's mode, else 0o666 less the umask). */
  mode?: number
  /** The file must still be this one (checked just before the rename): a document swapped since it was read is not replaced. */
  expect?: FileIdentity | null
  /**
   * Derived data the app rebuilds anyway (index, metrics): a link or a file of the wrong kind at the
   * target is replaced (the rename replaces the link itself, its target is never touched; a folder is
   * moved aside) instead of refusing the write.
   */
  replaceOdd?: boolean
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms))
}

/**
 * How long a file's rename, or a read of a file in a rename's gap, is retried on a network mount.
 * A save waits at most this long for other computers to close the file it replaces. Measured on
 * smbnetfs with a reader polling the document every 20 ms on each mount and CLI readers looping:
 * with 2 s, 1 to 3 of 24 contended saves still failed; with 5 s, none of 96. A read waits as long
 * as a save may (it waits while that save's temp file is there).
 */
export const NETWORK_RETRY_MS = 5000
/** What a network mount answers a file's rename while the target is open on another computer. */
const NETWORK_RENAME_RETRY = new Set(['EEXIST', 'ENOENT', 'EBUSY', 'EPERM', 'EACCES', 'EAGAIN'])

/**
 * Renames with a few retries on the errors an SMB share or a scanner returns for a moment.
 *
 * On a network mount a *file's* rename is retried for up to NETWORK_RETRY_MS: SMB has no rename
 * that replaces, so smbnetfs (libsmbclient) unlinks the target, then renames. While another computer
 * has the target open, the unlink is refused and the rename answers EEXIST or EBUSY (measured: 8 to 14
 * of 24 contended saves failed with readers polling the document on both mounts), and nothing was
 * changed — the old file and the temp file are both still there. ENOENT is retried only while the
 * source is still there (a lookup in another rename's gap); a source gone means the rename is over.
 * A folder's rename (a lock claim) is not retried beyond the local few: there EEXIST, ENOTEMPTY and
 * SMB's EPERM mean the name is taken, and a claim must learn that at once. Local disks never wait.
 */
async function renameRetrying(from: string, to: string): Promise<void> {
  const network = onNetworkMount(to)
  const started = performance.now()
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rename(from, to)
      return
    } catch (err) {
      const code = errCode(err) ?? ''
      if (network && NETWORK_RENAME_RETRY.has(code) && performance.now() - started < NETWORK_RETRY_MS) {
        const source = await fs.lstat(from).catch(() => null)
        if (source?.isFile()) {
          // Jittered: a reader that polls the file at a steady pace must not stay in step with us.
          await sleep(Math.min(10 * 2 ** attempt, 100) * (0.5 + Math.random()))
          continue
        }
      }
      if (attempt >= 5 || !TRANSIENT.has(code)) throw err
      await sleep(10 * 2 ** attempt)
    }
  }
}

/** The target of a replace: must be missing or a regular file (and, if given, still `expect`). Returns its mode. */
async function checkTarget(file: string, expect: FileIdentity | null | undefined): Promise<number | null> {
  let st: Stats | null
  try {
    st = await fs.lstat(file)
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw explain(file, err)
    st = null
  }
  if (st && !st.isFile()) throw new ShareFileError(file, `${describeKind(st)}; it was not replaced`)
  if (expect !== undefined) {
    const same = expect === null ? st === null : st !== null && st.dev === expect.dev && st.ino === expect.ino
    if (!same)
      throw new ShareFileError(
        file,
        'was replaced by another program while it was being saved; nothing was written'
      )
  }
  return st ? st.mode & 0o7777 : null
}

/** Removes a link (never its target) or moves a folder aside, where a derived file belongs. */
async function clearOddTarget(file: string): Promise<void> {
  const st = await fs.lstat(file).catch(() => null)
  if (!st || st.isFile()) return
  if (st.isDirectory()) await fs.rename(file, `${file}.damaged-${randomInt(1, 2 ** 47)}`)
  else await fs.unlink(file)
}

/**
 * Writes a file atomically and durably: a temp file beside it (`<name>.<digits>`, which crash
 * clean-up recognises), every byte counted, fsync, rename onto the literal path, fsync the folder.
 * A reader sees the old or the new content, never a mix; a full disk leaves the old file as it was.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Buffer,
  opts: AtomicWriteOptions = {}
): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  const dir = path.dirname(file)
  if (opts.createDir !== false) await ensureDir(dir)
  else await assertPlainFolder(dir)
  const tmp = `${file}.${randomInt(1, 2 ** 32)}` // up to 10 digits: the pattern crash clean-up and the watcher know
  let created = false
  try {
    if (opts.replaceOdd) await clearOddTarget(file)
    const mode = opts.mode ?? (await checkTarget(file, undefined)) ?? 0o666
    const handle = await fs.open(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW,
      mode
    )
    created = true
    try {
      await writeAll(handle, buf, 0)
      if (opts.fsync ?? true) await handle.sync()
    } finally {
      await handle.close()
    }
    await checkTarget(file, opts.expect)
    await renameRetrying(tmp, file)
    created = false
  } catch (err) {
    if (created) await fs.unlink(tmp).catch(() => undefined)
    throw explain(file, err)
  }
  // The rename has happened: the write's outcome is decided. A folder that cannot be synced now
  // costs durability on power loss only, so it never turns a landed write into a reported failure.
  if (opts.syncDir ?? true) await fsyncDir(dir).catch(() => undefined)
}

/**
 * Replaces a small file atomically without fsync (lock records and tombstones, rewritten at every
 * heartbeat): same checks as {@link writeFileAtomic}, a `.tmp` temp name, the folder must exist.
 */
export async function replaceSmallFile(file: string, text: string): Promise<void> {
  const dir = path.dirname(file)
  await assertPlainFolder(dir)
  const tmp = `${file}.${process.pid}.${randomInt(1, 2 ** 47).toString(36)}.tmp`
  let created = false
  try {
    const handle = await fs.open(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW,
      0o666
    )
    created = true
    try {
      await writeAll(handle, Buffer.from(text, 'utf8'), 0)
    } finally {
      await handle.close()
    }
    await checkTarget(file, undefined)
    await renameRetrying(tmp, file)
    created = false
  } catch (err) {
    if (created) await fs.unlink(tmp).catch(() => undefined)
    throw explain(file, err)
  }
}

/**
 * Creates a new file exclusively (never through a link, never over an existing file) and writes
 * all of `data`: for backups, whose names are unique. A failed write removes the partial file.
 */
export async function createExclusive(
  file: string,
  data: Buffer,
  opts: { fsync?: boolean } = {}
): Promise<void> {
  await assertPlainFolder(path.dirname(file))
  const handle = await fs
    .open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o666)
    .catch((err: unknown) => {
      throw explain(file, err)
    })
  try {
    await writeAll(handle, data, 0)
    if (opts.fsync ?? true) await handle.sync()
    await handle.close()
  } catch (err) {
    await handle.close().catch(() => undefined)
    await fs.unlink(file).catch(() => undefined)
    throw explain(file, err)
  }
}

/**
 * Opens a file this instance alone appends to (its audit file) for writing at explicit offsets —
 * not O_APPEND, which smbnetfs answers with EIO. Never through a link; created when missing.
 * Returns the handle and the current size (where the next line goes).
 */
export async function openOwnFile(file: string): Promise<{ handle: fs.FileHandle; size: number }> {
  await ensureDir(path.dirname(file))
  let handle: fs.FileHandle
  try {
    handle = await fs.open(file, constants.O_RDWR | constants.O_CREAT | NOFOLLOW | NONBLOCK, 0o666)
  } catch (err) {
    throw explain(file, err)
  }
  const st = await handle.stat()
  if (!st.isFile()) {
    await handle.close().catch(() => undefined)
    throw new ShareFileError(file, describeKind(st))
  }
  return { handle, size: st.size }
}

/** Removes a file (not a folder); false when it was not there. A link is removed itself, never its target. */
export async function removeFile(file: string): Promise<boolean> {
  try {
    await fs.unlink(file)
    return true
  } catch (err) {
    if (errCode(err) === 'ENOENT') return false
    throw explain(file, err)
  }
}

// ---- folders and metadata ----------------------------------------------------------------------

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

/**
 * A regular file's stamp — device, inode, size, modification and change times in nanoseconds — that
 * changes whenever its bytes may have: an atomic replace makes a new inode, a write moves the times.
 * Null when it is not a regular file or cannot be looked at (a caller then reads, and learns why).
 */
export async function fileStamp(file: string): Promise<string | null> {
  try {
    const st = await fs.lstat(file, { bigint: true })
    return st.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : null
  } catch {
    return null
  }
}

/** `lstat` of a path, null when missing. */
export async function lstatOrNull(file: string): Promise<Stats | null> {
  try {
    return await fs.lstat(file)
  } catch (err) {
    const code = errCode(err)
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw explain(file, err)
  }
}

/** Creates one folder exclusively (EEXIST when it is there: the lock primitive's atomic step; a link there is EEXIST too). */
export async function makeDirExclusive(dir: string): Promise<void> {
  await fs.mkdir(dir).catch((err: unknown) => {
    throw explain(dir, err) // EEXIST and ENOENT pass through as they are
  })
}

/** Removes a folder and everything in it; links inside are removed, never followed. */
export async function removeTree(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true })
}

/**
 * Calls `onName` with the name of each entry of `dir` that a native event says changed; null when
 * the folder cannot be watched (absent, not a folder). Reads nothing: waiters use it to wake early
 * (the write queue), and always poll too — events do not cross machines on network mounts.
 */
export function watchNames(dir: string, onName: (name: string) => void): { close(): void } | null {
  try {
    const w = watch(dir, { persistent: false }, (_event, name) => {
      if (name !== null) onName(String(name))
    })
    w.on('error', () => undefined) // the folder went away: the waiter's poll carries on
    return w
  } catch {
    return null
  }
}

/** The real path of a folder (the watcher watches the real one). */
export async function realPath(dir: string): Promise<string> {
  return await fs.realpath(dir)
}

/**
 * "Now" as the file system holding `dir` stamps it: the mtime of a probe file written there and
 * removed again (a share's mtimes come from the file server's clock, not this machine's).
 */
export async function fileSystemNow(dir: string, probeName: string): Promise<number> {
  await ensureDir(dir)
  const probe = path.join(dir, probeName)
  try {
    await createExclusive(probe, Buffer.alloc(0), { fsync: false })
    return (await fs.lstat(probe)).mtimeMs
  } finally {
    await fs.rm(probe, { force: true })
  }
}

/** True when `dir` is a folder, following links (the workspace root itself may be reached through one). */
export async function isFolder(dir: string): Promise<boolean> {
  const st = await fs.stat(dir).catch(() => null)
  return st?.isDirectory() ?? false
}

/** The handle type `openOwnFile` returns. */
export type { FileHandle } from 'node:fs/promises'

/** Renames within one folder of the share (no new space needed): never onto a folder or through a planted folder link. */
export async function renameInShare(from: string, to: string): Promise<void> {
  await assertPlainFolder(path.dirname(to))
  await checkTarget(to, undefined)
  await renameRetrying(from, to)
}
