import path from 'node:path'
import { lstatOrNull, readdirOrNull, ShareFileError } from '../core/share-fs'
import type { Workspace } from '../core/workspace'
import { genName, listGenerations, readListedLockDir, RECORD_FILE, type LockDirState } from './lock-dir'

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
 * What a lock folder's top generation said, by folder: a generation is put in place with its record
 * and its holder never changes, so while the top is the same generation a released lock stays
 * released, and a held one is held by the same writer as long as its record is still there (a
 * release that found no room for a new generation renames the record in place: lock-dir.ts
 * `releaseInPlace`). For the limit counts of every acquire (SPEC L7), which read every section lock
 * of a document — before, each read opened every lock's record, twice per acquire. Never for
 * staleness: heartbeats change the record within a generation.
 */
export class TopStates {
  private readonly byDir = new Map<string, Extract<LockDirState, { kind: 'held' | 'released' }>>()

  async read(dir: string): Promise<LockDirState> {
    const known = this.byDir.get(dir)
    if (known) {
      const gens = await listGenerations(dir).catch(() => null)
      const same = gens !== null && gens.length > 0 && gens[gens.length - 1] === known.top
      if (same && known.kind === 'released') return known
      if (same && (await lstatOrNull(path.join(dir, genName(known.top), RECORD_FILE)).catch(() => null)))
        return known
    }
    const state = await readListedLockDir(dir)
    if (this.byDir.size >= MAX_REMEMBERED) this.byDir.clear()
    if (state.kind === 'held' || state.kind === 'released') this.byDir.set(dir, state)
    else this.byDir.delete(dir)
    return state
  }
}

/** How many lock folders' states are remembered (one document's hundreds, a busy workspace's few thousand). */
const MAX_REMEMBERED = 10_000

/**
 * States of the section locks of one document. When there are fewer lock folders than
 * `onlyIfAtLeast`, returns null without reading them (the limit check's fast path). `tops` reads
 * each through a {@link TopStates} (counts only).
 */
export async function listSectionLocks(
  sectionsDir: string,
  onlyIfAtLeast: number,
  tops?: TopStates
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
      const state = tops ? await tops.read(dir) : await readListedLockDir(dir)
      return { dir, docKey, kind: 'section' as const, state }
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
