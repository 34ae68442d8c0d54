/**
 * A document's file on the share: listing the documents, reading one (remembering which file, and
 * how many names it had, for the read-only reason and the identity check before a rename), and
 * writing one atomically while telling the watcher it is this instance's own write.
 */
import path from 'node:path'
import { ValidationError } from '../../../shared/errors'
import {
  listEntries,
  lstatOrNull,
  removeFile,
  READ_LIMITS,
  readFileWithIdentity,
  ShareFileError,
  writeFileAtomic,
  type FileIdentity
} from '../core/share-fs'
import { readOnlyReason } from './encoding'

/** Markdown documents under `root` (recursively, skipping hidden folders), as sorted relative paths. */
export async function listDocuments(root: string): Promise<string[]> {
  return (await listTree(root)).documents
}

/**
 * The workspace's markdown documents and its folders (empty ones too, so a folder just made shows
 * in the tree), both as sorted relative paths with `/`; hidden folders and node_modules skipped.
 */
export async function listTree(root: string): Promise<{ documents: string[]; folders: string[] }> {
  const documents: string[] = []
  const folders: string[] = []
  const walk = async (dir: string, rel: string): Promise<void> => {
    // Links are not followed (a linked file or folder would be a second name for a document).
    for (const e of (await listEntries(dir)) ?? []) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue
      const childRel = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) {
        folders.push(childRel)
        await walk(path.join(dir, e.name), childRel)
      } else if (e.isFile() && /\.(md|markdown)$/i.test(e.name)) documents.push(childRel)
    }
  }
  await walk(root, '')
  return { documents: documents.sort(), folders: folders.sort() }
}

/**
 * Told about each write of a document just before it lands, and when it failed, so the watcher can
 * tell this instance's own saves from other writers' (the OwnWriteRegistry satisfies it).
 */
export interface OwnWriteSink {
  note(document: string, sha256: string): void
  forget(document: string, sha256: string): void
}

/** Writes a document atomically, telling `ownWrites` about it first (and again if it failed). */
export async function writeDocument(
  ownWrites: OwnWriteSink | undefined,
  document: string,
  abs: string,
  data: Buffer,
  sha256: string,
  /** The file the spliced text was read from: if the name now leads to another file, nothing is written. */
  expect?: FileIdentity & { mode?: number },
  /** Awaited just before the rename (the save's intent, written meanwhile); a rejection writes nothing. */
  beforeRename?: Promise<unknown>,
  /** Called as soon as the document is replaced (see writeFileAtomic). */
  afterRename?: () => void,
  /** Called once its bytes are written, before their fsync (see writeFileAtomic). */
  afterWrite?: () => void
): Promise<void> {
  ownWrites?.note(document, sha256)
  // A file just read (`expect`): its folder is there (only checked for links, not made again), and
  // the temp file takes the mode the read saw — two steps fewer before the temp file is opened. The
  // target is still checked (a regular file, still the one read) just before the rename.
  const read = expect
    ? { expect, createDir: false, ...(expect.mode !== undefined ? { mode: expect.mode & 0o7777 } : {}) }
    : {}
  try {
    await writeFileAtomic(abs, data, { ...read, beforeRename, afterRename, afterWrite })
  } catch (err) {
    ownWrites?.forget(document, sha256)
    throw err
  }
}

/** Why the document read as `buf` may not be edited (see encoding.ts); null when it may. */
export function readOnlyOf(rel: string, buf: Buffer): string | null {
  const from = readFrom.get(buf)
  return readOnlyReason(buf, from?.nlink ?? 1, rel, from?.mode)
}

/** Which file each document read came from, and how many names it had on disk. */
const readFrom = new WeakMap<Buffer, FileIdentity & { nlink: number; mode: number }>()

/** The file a buffer returned by a document read came from (undefined for other buffers). */
export function identityOfRead(buf: Buffer): (FileIdentity & { mode: number }) | undefined {
  return readFrom.get(buf)
}

export async function readFile(abs: string): Promise<Buffer | null> {
  try {
    const read = await readFileWithIdentity(abs, READ_LIMITS.document)
    if (!read) return null
    readFrom.set(read.data, read.identity)
    return read.data
  } catch (err) {
    if (err instanceof ShareFileError && err.sysCode === undefined && /folder/.test(err.problem))
      throw new ValidationError(`“${abs}” is a folder, not a document.`)
    throw err
  }
}

/** Removes atomic-write temp files beside documents under `root` older than `maxAgeMs` by the file system's clock (`fsNow`). */
export async function removeStaleTempFiles(root: string, fsNow: number, maxAgeMs: number): Promise<string[]> {
  const removed: string[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const e of (await listEntries(dir)) ?? []) {
      const full = path.join(dir, e.name)
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') await walk(full)
      else if (e.isFile() && /\.(md|markdown)\.\d{1,10}$/i.test(e.name)) {
        const st = await lstatOrNull(full).catch(() => null)
        if (st && fsNow - st.mtimeMs > maxAgeMs) {
          await removeFile(full)
          removed.push(full)
        }
      }
    }
  }
  await walk(root)
  return removed
}
