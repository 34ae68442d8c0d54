/**
 * The contract's `files:*` handlers over the file operations (files/file-ops.ts). Each change is
 * announced to every window at once with the events the folder tree already follows —
 * `document:changed` for a new name (a document the list lacks makes it reload), `document:removed`
 * for a name gone — and `document:renamed` so an open editor can follow its document. Other
 * instances learn of it from their watcher, which sees the same names appear and go.
 */
import type { AppServices } from '../app-services'
import type { Handlers } from './handlers'

/** The `files:*` channels. */
type FileChannel =
  | 'files:create'
  | 'files:mkdir'
  | 'files:rename'
  | 'files:trash'
  | 'files:trash-list'
  | 'files:restore'
  | 'files:duplicate'

/** What the file handlers tell the dispatcher about. */
export interface FileHooks {
  /** This instance wrote the document with this checksum. */
  saved(document: string, fileSha256: string): void
  /** This instance removed (trashed, or renamed away) the document. */
  removed(document: string): void
  /** This instance renamed or moved a document. */
  renamed(from: string, to: string): void
}

/**
 * Unsaved text this machine journalled for the old name (left by a window that closed or crashed
 * before saving; offered back when the document opens) follows it to the new name. Other
 * computers' journals are theirs: they offer it when the old name is opened there again.
 */
async function moveJournal(s: AppServices, from: string, to: string): Promise<void> {
  if (!s.journal) return
  const entries = await s.journal.list(from)
  if (entries.length === 0) return
  await s.journal.write(
    to,
    entries.map(({ sectionId, baseSha256, text }) => ({ sectionId, baseSha256, text }))
  )
  await s.journal.discard(from)
}

/** The handlers of the `files:*` channels. */
export function createFileHandlers(s: AppServices, hooks: FileHooks): Pick<Handlers, FileChannel> {
  return {
    'files:create': async (req) => {
      const r = await s.files.create(req.document, req.text ?? '')
      hooks.saved(r.document, r.fileSha256)
      return r
    },
    'files:mkdir': async (req) => s.files.mkdir(req.folder),
    'files:rename': async (req) => {
      const r = await s.files.rename(req.from, req.to)
      await moveJournal(s, r.from, r.to)
      hooks.renamed(r.from, r.to)
      hooks.removed(r.from)
      hooks.saved(r.to, r.fileSha256)
      return r
    },
    'files:trash': async (req) => {
      const r = await s.files.trash(req.document)
      hooks.removed(r.document)
      return r
    },
    'files:trash-list': async () => ({
      entries: (await s.files.trashList()).map(({ id, original, by, host, at }) => ({
        id,
        original,
        by,
        host,
        at
      }))
    }),
    'files:restore': async (req) => {
      const r = await s.files.restore(req.id)
      hooks.saved(r.document, r.fileSha256)
      return r
    },
    'files:duplicate': async (req) => {
      const r = await s.files.duplicate(req.document, req.to)
      hooks.saved(r.document, r.fileSha256)
      return r
    }
  }
}
