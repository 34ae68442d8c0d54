/**
 * Moving a document together with its data (rename, move, trash, restore), crash-safely.
 *
 * A document is two things on disk: its file, and its data folder `.sectioned/docs/<docKey>/`
 * (index with the section ids, history, backups, drafts, unfinished save intents), whose key is
 * derived from the document's path. A rename moves both, and rewrites the `document` field that
 * every version and draft record carries (the history store refuses a record that names another
 * document). The `locks/` folder stays under the old key: the locks held during the move live there.
 *
 * Order, each step idempotent:
 *   1. an intent record `.sectioned/moves/<id>.json` (fsynced): from, to, both data folders;
 *   2. each entry of the data folder (but `locks/`) renamed to the new data folder;
 *   3. records relabelled to the new path (each an atomic replace);
 *   4. the document's file renamed — the moment the move happens for everyone else;
 *   5. the intent removed.
 * A kill -9 anywhere leaves the intent. The next start of any instance (`recoverMoves`, under the
 * document lock, so never while the mover is alive) runs the steps again from the top: entries
 * already moved are skipped, records already relabelled are left, a file already moved stays.
 * Only if the target name was taken meanwhile by someone else (both files there) is the move
 * undone instead: the data goes back and is relabelled to the old path. Nothing is ever deleted.
 * A case-only rename on a case-insensitive share is two renames of the file (through a step name);
 * a move killed between them is finished from the step name.
 */
import path from 'node:path'
import { z } from 'zod'
import { IntegrityError } from '../../../shared/errors'
import {
  caseRenameStep,
  ensureDir,
  listEntries,
  lstatOrNull,
  moveEntry,
  readdirOrNull,
  readFileOrNull,
  READ_LIMITS,
  removeFile,
  ShareFileError,
  writeFileAtomic
} from '../core/share-fs'
import type { Workspace } from '../core/workspace'
import { encodeVersion, inspectVersion } from '../history/version-file'
import { sha256Hex } from '../sections/section-index'

/** A move in progress, as recorded before its first step. */
export const moveIntentSchema = z.object({
  format: z.literal(1),
  id: z.string().regex(/^[0-9A-Za-z-]{1,64}$/),
  kind: z.enum(['rename', 'trash', 'restore']),
  /** The document path whose document lock guards the move (the old path; the original for a restore). */
  document: z.string().min(1),
  /** The new document path of a rename (its document lock is held too); null for trash and restore. */
  to: z.string().nullable(),
  /** The four places, relative to the workspace root with `/` (the share is mounted elsewhere on other computers). */
  fileFrom: z.string().min(1),
  fileTo: z.string().min(1),
  dataFrom: z.string().min(1),
  dataTo: z.string().min(1),
  /** The path records are relabelled to (a rename's new path), or null (trash and restore keep theirs). */
  relabel: z.string().nullable(),
  /** The path records go back to if the move is undone. */
  relabelBack: z.string().nullable(),
  by: z.string(),
  at: z.string()
})

/** A move in progress. */
export type MoveIntent = z.infer<typeof moveIntentSchema>

/** The steps of a move, for tests that kill the mover after one of them. */
export type MoveStep = 'intent' | 'data' | 'relabel' | 'file'

/** Where unfinished moves are recorded. */
export function movesDir(ws: Workspace): string {
  return path.join(ws.hidden, 'moves')
}

/** Records a move before its first step (durably: the recovery depends on it). */
export async function writeMoveIntent(ws: Workspace, intent: MoveIntent): Promise<string> {
  const file = path.join(movesDir(ws), `${intent.id}.json`)
  await writeFileAtomic(file, `${JSON.stringify(intent, null, 1)}\n`)
  return file
}

/** The moves left unfinished (damaged records are skipped and left for a person). */
export async function pendingMoves(ws: Workspace): Promise<{ file: string; intent: MoveIntent }[]> {
  const out: { file: string; intent: MoveIntent }[] = []
  for (const name of ((await readdirOrNull(movesDir(ws))) ?? [])
    .filter((n) => /^[^.].*\.json$/.test(n))
    .sort()) {
    const file = path.join(movesDir(ws), name)
    const intent = await readJson(file, moveIntentSchema)
    if (intent) out.push({ file, intent })
  }
  return out
}

/** Runs (or runs again) every step of a move; `after` is told each finished step. */
export async function carryOutMove(
  ws: Workspace,
  file: string,
  m: MoveIntent,
  after: (step: MoveStep) => void | Promise<void> = () => undefined
): Promise<'done' | 'undone'> {
  const [fileFrom, fileTo, dataFrom, dataTo] = [m.fileFrom, m.fileTo, m.dataFrom, m.dataTo].map((p) =>
    inside(ws, p)
  )
  await finishCaseRename(fileFrom, fileTo)
  const src = await lstatOrNull(fileFrom)
  const dst = await lstatOrNull(fileTo)
  if (src && dst && !(src.dev === dst.dev && src.ino === dst.ino)) {
    // Both names are files: the target was taken by someone else before the file moved. Undo.
    await moveData(ws, dataTo, dataFrom)
    if (m.relabelBack) await relabel(dataFrom, m.relabelBack)
    await removeFile(file)
    return 'undone'
  }
  await moveData(ws, dataFrom, dataTo)
  await after('data')
  if (m.relabel) await relabel(dataTo, m.relabel)
  await after('relabel')
  // For other instances' watchers, which see a name go and another come (watch/rename-pairs.ts).
  if (m.kind === 'rename' && m.to !== null) await writeRenameNote(dataTo, m.document, src ? fileFrom : fileTo)
  if (src) {
    await ensureDir(path.dirname(fileTo))
    await moveEntry(fileFrom, fileTo)
  }
  await after('file')
  await removeFile(file)
  return 'done'
}

/**
 * A case-only rename on a case-insensitive share passes through a step name (share-fs's
 * `caseRenameStep`): a move killed between its two renames has neither name, and the file is
 * put at the target from there.
 */
async function finishCaseRename(fileFrom: string, fileTo: string): Promise<void> {
  const step = caseRenameStep(fileTo)
  if ((await lstatOrNull(fileFrom)) || (await lstatOrNull(fileTo)) || !(await lstatOrNull(step))) return
  await moveEntry(step, fileTo)
}

/** A workspace-relative path of an intent as an absolute one; a record pointing outside the workspace is refused. */
function inside(ws: Workspace, rel: string): string {
  const abs = path.resolve(ws.root, ...rel.split('/'))
  const back = path.relative(ws.root, abs)
  if (back === '' || back.startsWith('..') || path.isAbsolute(back) || rel.includes('\\'))
    throw new IntegrityError(
      `A move record names “${rel}”, which is not inside the workspace; it was left as it is.`
    )
  return abs
}

/** The workspace-relative form (with `/`) of a path inside the workspace, as intents store it. */
export function relOf(ws: Workspace, abs: string): string {
  return path.relative(ws.root, abs).split(path.sep).join('/')
}

/**
 * Moves every entry of a data folder but `locks/` to another. An entry already at the target that
 * did not come from here (data left by an earlier document of that name, removed outside the app)
 * is set aside under `.sectioned/orphaned/`, never deleted.
 */
async function moveData(ws: Workspace, from: string, to: string): Promise<void> {
  const entries = (await listEntries(from)) ?? []
  const moving = entries.filter((e) => e.name !== 'locks')
  if (moving.length === 0) return
  await ensureDir(to)
  for (const e of moving) {
    const target = path.join(to, e.name)
    if (await lstatOrNull(target)) {
      const aside = path.join(ws.hidden, 'orphaned', `${path.basename(to)}-${Date.now()}`)
      await ensureDir(aside)
      await moveEntry(target, path.join(aside, e.name))
    }
    await moveEntry(path.join(from, e.name), target)
  }
}

/** Rewrites the `document` field of every version and draft record in a data folder that names another path. */
async function relabel(dataDir: string, document: string): Promise<void> {
  for (const section of (await listEntries(path.join(dataDir, 'history'))) ?? []) {
    if (!section.isDirectory()) continue
    const dir = path.join(dataDir, 'history', section.name)
    for (const name of (await readdirOrNull(dir)) ?? []) {
      if (!/^v\d{9}\.json$/.test(name)) continue
      const buf = await readSafely(path.join(dir, name))
      if (!buf) continue
      const res = inspectVersion(buf.toString('utf8'), null)
      // A damaged version is left as it is: verify reports it where it was.
      if (!res.ok || res.record.document === document) continue
      await writeFileAtomic(path.join(dir, name), encodeVersion({ ...res.record, document }))
    }
  }
  const drafts = path.join(dataDir, 'drafts')
  for (const name of (await readdirOrNull(drafts)) ?? []) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue
    const buf = await readSafely(path.join(drafts, name))
    if (!buf) continue
    try {
      const draft = JSON.parse(buf.toString('utf8')) as unknown
      if (typeof draft !== 'object' || draft === null || !('document' in draft)) continue
      if ((draft as { document: unknown }).document === document) continue
      await writeFileAtomic(path.join(drafts, name), JSON.stringify({ ...draft, document }, null, 1))
    } catch {
      // a damaged draft is skipped, as the draft list skips it
    }
  }
}

async function readSafely(file: string): Promise<Buffer | null> {
  return readFileOrNull(file, READ_LIMITS.version).catch((err: unknown) => {
    if (err instanceof ShareFileError) return null // a link, a pipe, too big: not the app's record
    throw err
  })
}

/** Reads a small JSON record and checks its shape; null when missing or damaged. */
export async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T | null> {
  const buf = await readFileOrNull(file, READ_LIMITS.request).catch(() => null)
  if (!buf) return null
  try {
    const parsed = schema.safeParse(JSON.parse(buf.toString('utf8')))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/** The note a rename leaves in the new name's data folder: the old name, and the content it moved. */
const RENAME_NOTE = 'renamed-from.json'
const renameNoteSchema = z.object({ format: z.literal(1), from: z.string().min(1), fileSha256: z.string() })

async function writeRenameNote(dataDir: string, from: string, file: string): Promise<void> {
  const buf = await readFileOrNull(file, READ_LIMITS.document)
  if (!buf) return
  const note = { format: 1, from, fileSha256: sha256Hex(buf) }
  await writeFileAtomic(path.join(dataDir, RENAME_NOTE), `${JSON.stringify(note)}\n`, {
    fsync: false, // a hint for watchers: lost, a rename is seen as a delete and a new document
    syncDir: false
  })
}

/**
 * The name `document` had before a rename in the app moved its data here, when the note says the
 * rename moved exactly this content (`sha256`); null otherwise (no note, an older rename, edited since).
 */
export async function renamedFrom(ws: Workspace, document: string, sha256: string): Promise<string | null> {
  const note = await readJson(path.join(ws.docDir(document), RENAME_NOTE), renameNoteSchema)
  return note && note.fileSha256 === sha256 && note.from !== document ? note.from : null
}
