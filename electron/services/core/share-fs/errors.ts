/**
 * What is wrong with a file on the share, in words a writer can read: the {@link ShareFileError}
 * every part of share-fs throws, and the translation of OS error codes into it.
 */
import type { Stats } from 'node:fs'
import { ErrorCode, SectionedError } from '../../../../shared/errors'

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

export function describeKind(st: Stats): string {
  if (st.isSymbolicLink()) return 'is a link; the app does not follow links in the shared folder'
  if (st.isDirectory()) return 'is a folder where a file was expected'
  if (st.isFIFO()) return 'is a pipe (FIFO), not a file'
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a file'
  if (st.isSocket()) return 'is a socket, not a file'
  return 'is not a regular file'
}

/** Turns an OS error on `file` into a ShareFileError a writer can read (ENOENT/ENOTDIR pass through). */
export function explain(file: string, err: unknown): unknown {
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
