/**
 * Names the real cause when a command fails because the shared folder cannot be written: a
 * read-only mount (EROFS) or missing permission (EACCES/EPERM) — Node's recursive `mkdir` answers
 * ENOENT on a read-only file system, which would otherwise reach people as "ENOENT … mkdir" — or a
 * file planted where the app needs a folder (ENOTDIR).
 */
import { constants, promises as fs } from 'node:fs'
import path from 'node:path'
import { ErrorCode, SectionedError } from '../../../shared/errors'
import { errCode } from '../../services/core/share-fs'
import { HIDDEN_DIR } from '../../services/core/workspace'

const DENIED: Record<string, string> = {
  EROFS: 'EROFS: a read-only file system',
  EACCES: 'EACCES: permission denied',
  EPERM: 'EPERM: operation not permitted'
}

/** A command failed because the shared folder cannot be written. */
export class ReadOnlyShareError extends SectionedError {
  constructor(
    readonly folder: string,
    readonly sysCode: string
  ) {
    super(
      ErrorCode.Io,
      `the shared folder ${folder} is read-only${sysCode === 'EROFS' ? '' : ' for you'} (${DENIED[sysCode]}); nothing was locked or changed`
    )
  }
}

/** Why `dir` cannot be written (EROFS, EACCES, EPERM), or null when it can (or does not exist). */
async function writeDenied(dir: string): Promise<string | null> {
  try {
    await fs.access(dir, constants.W_OK)
    return null
  } catch (err) {
    const code = errCode(err) ?? ''
    return code in DENIED ? code : null
  }
}

/** A file planted where the app needs a folder (ENOTDIR): names the file instead of the path below it. */
export class FileInPlaceOfFolderError extends SectionedError {
  constructor(
    readonly file: string,
    root: string
  ) {
    super(
      ErrorCode.Integrity,
      `${file} is a file where the app needs a folder; move it out of the way (\`sectioned verify ${root}\` lists every such problem)`
    )
  }
}

/** The nearest ancestor of `p` (below `root`) that exists and is not a folder. */
async function fileAbove(p: string, root: string): Promise<string | null> {
  for (let at = p; at.startsWith(root + path.sep); at = path.dirname(at)) {
    const st = await fs.lstat(at).catch(() => null)
    if (st && !st.isDirectory()) return at
  }
  return null
}

/**
 * The error to report for `err`, thrown by a command on the workspace at `root`: a
 * {@link ReadOnlyShareError} when the failure is (or hides) a refused write and the workspace's
 * hidden folder — or, before it exists, the workspace itself — cannot be written; else `err`.
 */
export async function explainWriteFailure(root: string, err: unknown): Promise<unknown> {
  const code = errCode(err)
  const where = (err as { path?: unknown }).path
  if (code === 'ENOTDIR' && typeof where === 'string') {
    const file = await fileAbove(where, root)
    return file === null ? err : new FileInPlaceOfFolderError(file, root)
  }
  if (code !== 'ENOENT' && !(code !== undefined && code in DENIED)) return err
  for (const dir of [path.join(root, HIDDEN_DIR), root]) {
    const st = await fs.lstat(dir).catch(() => null)
    if (!st?.isDirectory()) continue
    const denied = await writeDenied(dir)
    return denied === null ? err : new ReadOnlyShareError(dir === root ? root : dir, denied)
  }
  return err
}
