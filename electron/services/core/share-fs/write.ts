/**
 * Writing the share: atomic replaces (a temp file created `O_CREAT|O_EXCL|O_NOFOLLOW` beside the
 * target, every byte counted, fsync, a rename onto the literal path once `lstat` shows the target is
 * not a link and its folder is plain), exclusive creates, this instance's own append file, renames
 * within the share, and the probe that reads the file system's clock.
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
import { constants, promises as fs, type Stats } from 'node:fs'
import { randomInt } from 'node:crypto'
import path from 'node:path'
import { describeKind, errCode, explain, ShareFileError } from './errors'
import { ensureDir } from './folders'
import { NOFOLLOW, NONBLOCK } from './open-flags'
import type { FileIdentity } from './read'
import { assertPlainFolder, NETWORK_RETRY_MS, onNetworkMount, seenPlainRecently, sleep } from './roots'

/** Errors that SMB shares and antivirus scanners return for a moment while a file is busy. */
const TRANSIENT = new Set(['EPERM', 'EBUSY', 'EACCES', 'EAGAIN'])

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

/** fsync a file already written without it (read-only open, no follow); refusals as for {@link fsyncDir}. */
export function fsyncFile(file: string): Promise<void> {
  return fsyncDir(file)
}

/** fsync a directory so a rename in it survives a power loss. Some network file systems refuse; that is fine. */
export async function fsyncDir(dir: string): Promise<void> {
  await syncOpened(openForSync(dir))
}

/** Opens a folder (or a file) to fsync it later; the open's failure is the sync's. */
function openForSync(dir: string): Promise<fs.FileHandle> {
  const opened = fs.open(dir, constants.O_RDONLY | NOFOLLOW)
  opened.catch(() => undefined) // its failure is the sync's (syncOpened)
  return opened
}

/**
 * fsyncs what {@link openForSync} opened — possibly before a rename into that folder: the sync
 * covers the folder as it is when it runs (same folder, same inode), so a folder opened beside
 * writing the file costs no step after the rename. The handle is closed without waiting.
 */
async function syncOpened(opened: Promise<fs.FileHandle>): Promise<void> {
  let handle: fs.FileHandle | undefined
  try {
    handle = await opened
    await handle.sync()
  } catch (err) {
    const code = errCode(err)
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'ENOTSUP', 'EBADF', 'EIO', 'ELOOP'].includes(code ?? ''))
      throw err
  } finally {
    handle?.close().catch(() => undefined)
  }
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
  /**
   * Awaited after the temp file is written (and fsynced), just before the rename: work that must be
   * done before the file is replaced runs beside writing it. A rejection replaces nothing (the temp
   * file is removed) and is what the write throws.
   */
  beforeRename?: Promise<unknown>
  /** Called as soon as the rename has happened (before the folder's fsync): the write's outcome is decided. */
  afterRename?: () => void
  /** Called once every byte is in the temp file, before its fsync: the main thread's work can run while the disk syncs. */
  afterWrite?: () => void
}

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
 * SMB's EPERM mean the name is taken, and a claim must learn that at once — except an EIO on a
 * network mount with the source still there, asked again up to three times (rclone's answer to a
 * lost race). Local disks never wait.
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
      if (network && code === 'EIO' && attempt < 3) {
        // rclone answers EIO to the loser of two simultaneous renames onto one name, with the source
        // still in place (its directory cache had not seen the winner); asked again it answers EEXIST.
        // Measured: 11 of 60 two-mount races. A source that is gone means the EIO is something else.
        const source = await fs.lstat(from).catch(() => null)
        if (source !== null) {
          await sleep(20 * (attempt + 1) * (0.5 + Math.random()))
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
  // A folder found plain a moment ago (the last save's) is not made again: one step fewer before
  // the temp file is opened; if it went missing since, the open says so and it is made then.
  const makeIfMissing = opts.createDir !== false && seenPlainRecently(dir)
  if (opts.createDir !== false && !makeIfMissing) await ensureDir(dir)
  else await assertPlainFolder(dir)
  const tmp = `${file}.${randomInt(1, 2 ** 32)}` // up to 10 digits: the pattern crash clean-up and the watcher know
  // The folder is opened for its fsync beside writing the file (see syncOpened).
  let folder = (opts.syncDir ?? true) ? openForSync(dir) : null
  let created = false
  try {
    if (opts.replaceOdd) await clearOddTarget(file)
    const mode = opts.mode ?? (await checkTarget(file, undefined)) ?? 0o666
    const openTemp = () =>
      fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, mode)
    const handle = await openTemp().catch(async (err: unknown) => {
      if (!makeIfMissing || errCode(err) !== 'ENOENT') throw err
      await ensureDir(dir)
      // The folder opened early (if it opened at all) is not the one made now: that one is synced.
      if (folder) {
        void folder.then((h) => h.close()).catch(() => undefined)
        folder = openForSync(dir)
      }
      return openTemp()
    })
    created = true
    try {
      await writeAll(handle, buf, 0)
      opts.afterWrite?.()
      if (opts.fsync ?? true) await handle.sync()
    } finally {
      await handle.close()
    }
    if (opts.expect !== undefined) {
      // The file must still be the one read: checked after the gate, just before the rename.
      await opts.beforeRename
      await checkTarget(file, opts.expect)
    } else {
      // Only the target's kind is checked (no link, no folder): beside waiting for the gate, whose
      // refusal still comes first.
      const [gate, target] = await Promise.allSettled([opts.beforeRename, checkTarget(file, undefined)])
      if (gate.status === 'rejected') throw gate.reason
      if (target.status === 'rejected') throw target.reason
    }
    await renameRetrying(tmp, file)
    created = false
    opts.afterRename?.()
  } catch (err) {
    if (created) await fs.unlink(tmp).catch(() => undefined)
    void folder?.then((h) => h.close()).catch(() => undefined)
    throw explain(file, err)
  }
  // The rename has happened: the write's outcome is decided. A folder that cannot be synced now
  // costs durability on power loss only, so it never turns a landed write into a reported failure
  // (as before the folder was opened early) — but the folder the rename went into is synced.
  if (folder) await syncRenamedInto(folder, dir).catch(() => undefined)
}

/**
 * fsyncs the folder a rename just went into, opened early by {@link openForSync}. If that open
 * failed, or the folder opened is not the one at `dir` now (replaced between the open and the
 * rename), `dir` is opened again and synced: the early handle never stands in for another folder.
 * The identity check runs beside the sync (no step in a row in the common case).
 */
async function syncRenamedInto(opened: Promise<fs.FileHandle>, dir: string): Promise<void> {
  const handle = await opened.catch(() => null)
  if (handle === null) return fsyncDir(dir)
  const [same] = await Promise.all([
    Promise.all([handle.stat(), fs.lstat(dir)]).then(
      ([a, b]) => a.dev === b.dev && a.ino === b.ino,
      () => false
    ),
    syncOpened(Promise.resolve(handle))
  ])
  if (!same) await fsyncDir(dir)
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
  /** `freshFolder`: the folder was just made by the caller with an exclusive mkdir (no link can be there). */
  opts: { fsync?: boolean; freshFolder?: boolean } = {}
): Promise<void> {
  if (!opts.freshFolder) await assertPlainFolder(path.dirname(file))
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

/** Renames within one folder of the share (no new space needed): never onto a folder or through a planted folder link. */
export async function renameInShare(from: string, to: string): Promise<void> {
  await assertPlainFolder(path.dirname(to))
  await checkTarget(to, undefined)
  await renameRetrying(from, to)
}

/**
 * Publishes a new file atomically under a name that must be free: the bytes go to a temp file
 * beside it (fsync), which is then hard-linked to the name — a link never replaces, so two writers
 * choosing the same name cannot overwrite each other, and a reader sees the whole file or none.
 * Returns false (nothing written) when the name is taken. Where the share has no hard links (SMB),
 * the free-name check and a rename are two steps, as in moveEntry.
 */
export async function publishNewFile(file: string, data: Buffer): Promise<boolean> {
  const dir = path.dirname(file)
  await ensureDir(dir)
  const tmp = `${file}.${randomInt(1, 2 ** 32)}`
  await createExclusive(tmp, data)
  try {
    try {
      await fs.link(tmp, file)
    } catch (err) {
      const code = errCode(err)
      if (code === 'EEXIST') return false
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err
      if ((await fs.lstat(file).catch(() => null)) !== null) return false
      await renameRetrying(tmp, file)
    }
    await fsyncDir(dir).catch(() => undefined)
    return true
  } catch (err) {
    throw explain(file, err)
  } finally {
    await fs.unlink(tmp).catch(() => undefined)
  }
}
