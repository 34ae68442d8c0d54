import { promises as fs } from 'node:fs'
import path from 'node:path'
import writeFileAtomicLib from 'write-file-atomic'

/** Errors that SMB shares and antivirus scanners return for a moment while a file is busy. */
const TRANSIENT = new Set(['EPERM', 'EBUSY', 'EACCES', 'EAGAIN'])

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined
}

/** fsync a directory so a rename in it survives a power loss. Some network file systems refuse; that is fine. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined
  try {
    handle = await fs.open(dir, 'r')
    await handle.sync()
  } catch (err) {
    const code = errCode(err)
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'ENOTSUP', 'EBADF', 'EIO'].includes(code ?? '')) throw err
  } finally {
    await handle?.close().catch(() => undefined)
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
}

/**
 * Writes a file atomically: temp file in the same folder, fsync, rename over the target, fsync the
 * folder. A reader sees the old or the new content, never a mix. Transient SMB errors are retried.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Buffer,
  opts: AtomicWriteOptions = {}
): Promise<void> {
  const fsync = opts.fsync ?? true
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFileAtomicLib(file, data, opts.mode === undefined ? { fsync } : { fsync, mode: opts.mode })
      break
    } catch (err) {
      if (errCode(err) === 'ENOENT' && attempt === 0 && opts.createDir !== false) {
        await fs.mkdir(path.dirname(file), { recursive: true })
        continue
      }
      if (attempt >= 5 || !TRANSIENT.has(errCode(err) ?? '')) throw err
      await new Promise((r) => setTimeout(r, 10 * 2 ** attempt))
    }
  }
  if (opts.syncDir ?? true) await fsyncDir(path.dirname(file))
}

/**
 * Replaces a small file atomically (unique temp name in the same folder, then rename) without
 * fsync. For lock records and tombstones, rewritten at every heartbeat: write-file-atomic's extra
 * realpath/stat/chown work costs ~2 ms a write here, four times the write itself.
 */
export async function replaceSmallFile(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  try {
    await fs.writeFile(tmp, text, { flag: 'wx' })
    for (let attempt = 0; ; attempt++) {
      try {
        await fs.rename(tmp, file)
        return
      } catch (err) {
        if (attempt >= 5 || !TRANSIENT.has(errCode(err) ?? '')) throw err
        await new Promise((r) => setTimeout(r, 10 * 2 ** attempt))
      }
    }
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined)
    throw err
  }
}

/** Lists a folder, returning null when it does not exist (or is not a folder). */
export async function readdirOrNull(dir: string): Promise<string[] | null> {
  try {
    return await fs.readdir(dir)
  } catch (err) {
    if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return null
    throw err
  }
}

/** Reads a file, returning null when it does not exist. */
export async function readFileOrNull(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file)
  } catch (err) {
    if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return null
    throw err
  }
}

export { errCode }
