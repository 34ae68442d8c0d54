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
 *   file, and at most a per-kind cap of bytes is read. One exception, for speed: checking that a file
 *   still holds exactly the bytes this instance wrote there (a lock's own tombstone, `holdsExactly`)
 *   opens it with the same flags and reads at most one byte more, without the `lstat` first.
 * - Anything else is a {@link ShareFileError} naming the file and what is wrong with it, so the caller
 *   can report *that* file's damage and carry on with the rest of the workspace.
 * - **Network mounts** (a registered workspace root on NFS, SMB or any FUSE mount; see mount-type.ts):
 *   a file's rename refused while another computer has the target open is retried for a bounded
 *   time, and so is a read that finds a file missing while a save's temp file is beside it (SMB
 *   clients replace by unlink-then-rename; see renameRetrying in share-fs/write.ts). Local disks
 *   take no retries.
 *
 * The parts, by concern, in share-fs/ (the services import only this file; lint enforces it):
 * roots.ts (registered workspaces, network mounts, plain folders), read.ts, write.ts, folders.ts
 * (folders, claims, metadata), move.ts (file operations' moves), errors.ts and open-flags.ts.
 */
export {
  READ_LIMITS,
  readFileOrNull,
  readFileWithIdentity,
  holdsExactly,
  isFileRetrying,
  readdirOrNull,
  listEntries
} from './share-fs/read'
export type { FileIdentity } from './share-fs/read'
export { ShareFileError, errCode } from './share-fs/errors'
export { registerShareRoot, assertPlainFolder, NETWORK_RETRY_MS } from './share-fs/roots'
export {
  writeAll,
  fsyncDir,
  fsyncFile,
  writeFileAtomic,
  replaceSmallFile,
  createExclusive,
  openOwnFile,
  fileSystemNow,
  renameInShare,
  publishNewFile
} from './share-fs/write'
export type { AtomicWriteOptions } from './share-fs/write'
export { moveEntry, makeFolder, caseRenameStep } from './share-fs/move'
export {
  ensureDir,
  removeFile,
  fileStamp,
  lstatOrNull,
  makeDirExclusive,
  removeTree,
  watchNames,
  realPath,
  isFolder
} from './share-fs/folders'

/** The handle type `openOwnFile` returns. */
export type { FileHandle } from 'node:fs/promises'
