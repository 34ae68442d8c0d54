import path from 'node:path'
import { readdirOrNull, ShareFileError } from '../core/share-fs'
import type { Workspace } from '../core/workspace'
import { readListedLockDir, type LockDirState } from './lock-dir'

/** A lock folder found on disk with its state. */
export interface FoundLock {
  dir: string
  /** Folder name of the document's hidden data (the document path is in the record). */
  docKey: string
  kind: 'section' | 'document' | 'write'
  state: LockDirState
}

const names = readdirOrNull

/**
 * States of the section locks of one document. When there are fewer lock folders than
 * `onlyIfAtLeast`, returns null without reading them (the limit check's fast path).
 */
export async function listSectionLocks(
  sectionsDir: string,
  onlyIfAtLeast: number
): Promise<FoundLock[] | null> {
  const docKey = path.basename(path.dirname(path.dirname(sectionsDir)))
  let entries: string[] | null
  try {
    entries = await names(sectionsDir)
  } catch (err) {
    // An unreadable locks folder is that document's damage, shown as one damaged lock.
    if (!(err instanceof ShareFileError)) throw err
    return [
      { dir: sectionsDir, docKey, kind: 'section', state: { kind: 'corrupt', top: 0, problem: err.message } }
    ]
  }
  if (entries === null || entries.length < onlyIfAtLeast) return null
  return Promise.all(
    entries.map(async (e) => {
      const dir = path.join(sectionsDir, e)
      return { dir, docKey, kind: 'section' as const, state: await readListedLockDir(dir) }
    })
  )
}

/** Every lock folder of one document (by its hidden folder's key). */
export async function listDocumentLocks(ws: Workspace, docKey: string): Promise<FoundLock[]> {
  const locks = path.join(ws.hidden, 'docs', docKey, 'locks')
  const out: FoundLock[] = []
  for (const kind of ['document', 'write'] as const) {
    const dir = path.join(locks, kind)
    const state = await readListedLockDir(dir)
    if (state.kind !== 'absent') out.push({ dir, docKey, kind, state })
  }
  out.push(...((await listSectionLocks(path.join(locks, 'sections'), 0)) ?? []))
  return out
}

/** Every lock folder of the workspace (document, write and section locks of every document). */
export async function listAllLocks(ws: Workspace): Promise<FoundLock[]> {
  const out: FoundLock[] = []
  for (const docKey of (await names(path.join(ws.hidden, 'docs'))) ?? [])
    out.push(...(await listDocumentLocks(ws, docKey)))
  return out
}
