/**
 * What the app remembers about where the writer was (issue 14): the recent workspace folders, and
 * per folder the documents last shown with their scroll position and cursor. Pure functions over
 * plain values, so the order, the de-duplication, the caps and the validation of a hand-edited
 * settings file are unit-tested without a file system.
 */
import path from 'node:path'

/** How many recent folders are kept (File ▸ Open Recent). */
export const RECENT_FOLDERS_MAX = 10
/** How many workspaces keep their documents' positions. */
export const REMEMBERED_WORKSPACES_MAX = 10
/** How many documents per workspace keep their position (most recently shown first). */
export const REMEMBERED_DOCUMENTS_MAX = 30

/** Where the writer was in one document: the first character at the top of the view, the cursor. */
export interface DocumentPlace {
  /** Workspace-relative path with `/`, as the contract names documents. */
  document: string
  /** Offset (UTF-16) of the text at the top of the editor's view. */
  top: number
  /** The cursor's anchor and head (UTF-16 offsets; equal when nothing is selected). */
  anchor: number
  head: number
}

/** One workspace's remembered documents, the one shown first. */
export interface WorkspacePlaces {
  /** Absolute folder path. */
  folder: string
  /** The document shown last (null: none; it may have been closed or deleted since). */
  shown: string | null
  /** Most recently shown first, at most REMEMBERED_DOCUMENTS_MAX. */
  documents: DocumentPlace[]
}

/** A value read back from the file, and what was wrong with it (one line each, for the log). */
export interface Checked<T> {
  value: T
  problems: string[]
}

/** The form folders are compared in: absolute, without a trailing separator. */
export function folderKey(folder: string): string {
  return path.resolve(folder)
}

/** `folder` first, any earlier mention of it removed, at most RECENT_FOLDERS_MAX entries. */
export function addRecentFolder(list: readonly string[], folder: string): string[] {
  const key = folderKey(folder)
  return [key, ...list.filter((f) => folderKey(f) !== key)].slice(0, RECENT_FOLDERS_MAX)
}

/**
 * The recent folders as read from a hand-editable file: anything but an array of absolute paths
 * is dropped entry by entry (named in `problems`), duplicates after the first go, and the list is
 * cut to the cap.
 */
export function checkRecentFolders(raw: unknown): Checked<string[]> {
  if (!Array.isArray(raw)) return { value: [], problems: ['recentFolders is not a list; ignored'] }
  const problems: string[] = []
  let value: string[] = []
  raw.forEach((entry, i) => {
    if (typeof entry !== 'string' || !path.isAbsolute(entry.trim())) {
      problems.push(`recentFolders[${i}] is not an absolute folder path; dropped`)
      return
    }
    if (value.some((f) => folderKey(f) === folderKey(entry.trim()))) return
    value = [...value, folderKey(entry.trim())]
  })
  if (value.length > RECENT_FOLDERS_MAX) value = value.slice(0, RECENT_FOLDERS_MAX)
  return { value, problems }
}

const isOffset = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
const isDocument = (d: unknown): d is string =>
  typeof d === 'string' && d.length > 0 && d.length <= 4096 && !d.startsWith('/') && !d.includes('\0')

function checkPlace(raw: unknown): DocumentPlace | null {
  if (typeof raw !== 'object' || raw === null) return null
  const { document, top, anchor, head } = raw as Record<string, unknown>
  if (!isDocument(document) || !isOffset(top) || !isOffset(anchor) || !isOffset(head)) return null
  return { document, top, anchor, head }
}

/**
 * The remembered workspaces as read from a hand-editable file: an entry or a document place that
 * does not have the right shape is dropped (and named in `problems`); duplicates after the first
 * go; both lists are cut to their caps. Whether the documents still exist is the window's question.
 */
export function checkWorkspacePlaces(raw: unknown): Checked<WorkspacePlaces[]> {
  if (!Array.isArray(raw)) return { value: [], problems: ['workspaces is not a list; ignored'] }
  const problems: string[] = []
  const value: WorkspacePlaces[] = []
  raw.forEach((entry, i) => {
    const w = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : null
    if (!w || typeof w.folder !== 'string' || !path.isAbsolute(w.folder) || !Array.isArray(w.documents)) {
      problems.push(`workspaces[${i}] is not a remembered workspace; dropped`)
      return
    }
    const folder = folderKey(w.folder)
    if (value.some((v) => v.folder === folder)) return
    const documents: DocumentPlace[] = []
    for (const d of w.documents as unknown[]) {
      const place = checkPlace(d)
      if (!place) problems.push(`workspaces[${i}] has a document place that is not one; dropped`)
      else if (!documents.some((p) => p.document === place.document)) documents.push(place)
    }
    const shown = isDocument(w.shown) ? w.shown : null
    if (w.shown !== undefined && w.shown !== null && shown === null)
      problems.push(`workspaces[${i}].shown is not a document path; ignored`)
    value.push({ folder, shown, documents: documents.slice(0, REMEMBERED_DOCUMENTS_MAX) })
  })
  return { value: value.slice(0, REMEMBERED_WORKSPACES_MAX), problems }
}

/**
 * Records that `place.document` is shown in `folder` at `place`: the workspace and the document go
 * first, older mentions go, and both lists keep their caps.
 */
export function rememberPlace(
  list: readonly WorkspacePlaces[],
  folder: string,
  place: DocumentPlace
): WorkspacePlaces[] {
  const key = folderKey(folder)
  const before = list.find((w) => w.folder === key)
  const documents = [place, ...(before?.documents ?? []).filter((d) => d.document !== place.document)]
  const next: WorkspacePlaces = {
    folder: key,
    shown: place.document,
    documents: documents.slice(0, REMEMBERED_DOCUMENTS_MAX)
  }
  return [next, ...list.filter((w) => w.folder !== key)].slice(0, REMEMBERED_WORKSPACES_MAX)
}

/** The remembered places of `folder` (none: an empty, nothing shown). */
export function placesOf(list: readonly WorkspacePlaces[], folder: string): WorkspacePlaces {
  const key = folderKey(folder)
  return list.find((w) => w.folder === key) ?? { folder: key, shown: null, documents: [] }
}
