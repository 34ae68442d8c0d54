/**
 * Folders and what is known about a path without reading it: creating folders (plain and exclusive,
 * the lock claim's atomic step), removing files and trees, `lstat`, a file's stamp, watching names.
 */
import { promises as fs, watch, type Stats } from 'node:fs'
import path from 'node:path'
import { errCode, explain } from './errors'
import { assertPlainFolder } from './roots'

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

/** True when `dir` is a folder, following links (the workspace root itself may be reached through one). */
export async function isFolder(dir: string): Promise<boolean> {
  const st = await fs.stat(dir).catch(() => null)
  return st?.isDirectory() ?? false
}
