/**
 * A save's outcome is decided by one moment: the document's rename. Before it, a failure refuses
 * the save; after it, the save has succeeded, whatever happens next. What must follow the rename —
 * the history versions of the changed sections and the retired sections' marks — is written down
 * first, in a small *intent* (`.sectioned/docs/<key>/intents/<ulid>.json`, one per batch of saves),
 * and the intent is removed once all of it is done. A save that dies or
 * fails after its rename leaves its intent; the next save or open of the document (under its write
 * mutex) or `verify --repair` finishes it. Each intent is judged by the file as the next writer saw
 * it — the `before` of the next intent, or the file now for the newest:
 *
 * - it is the intent's `after`: the rename happened — its versions are written, each only if the
 *   section's newest version does not already hold that text (never twice), at the save's time;
 * - it is the intent's `before`: the rename never happened — the intent is discarded, no version;
 * - neither (the file was changed outside the app since): *ambiguous*. History must never claim a
 *   text the file never had, and a writer's text must never be lost, so the versions whose text the
 *   file still holds are written, and the intent is moved to `intents/unresolved/` (out of the way
 *   of saves, kept for a person) when some are not; the outcome names them.
 *
 * The section index needs no intent: it is derived data, rebuilt by reconciliation when it is stale.
 *
 * **The intent is not fsynced** (two fsyncs of the six a save made). It is there for a writer that
 * dies between its rename and its history — a killed process, a failed history write — and for
 * that the page cache is enough: the file outlives the process and the next writer reads it. Only a
 * power loss or an operating-system crash can lose an intent that was not synced, and only one
 * whose save was not yet acknowledged: a save is answered after its history versions, which are
 * fsynced (history-store.ts) — except one whose versions could not be written, acknowledged all the
 * same, whose intent is then the only record of it and is fsynced right then (`keepIntent`). What such a crash can leave is recovered from the document and
 * history: the document is durable on its own (its temp file and folder are fsynced), so its text
 * is never lost — with the intent gone, the next save finds history not ending with the section's
 * text and records it first, as an outside edit (save-commit.ts: keepPriorText); an intent whose
 * bytes never reached the disk (left empty) is discarded; a rename that never reached the disk
 * leaves the intent's `before` in the file, and the intent is discarded as it always was.
 */
import path from 'node:path'
import { ulid } from 'ulid'
import { z } from 'zod'
import type { VersionRecord } from '../../../shared/types'
import {
  fsyncDir,
  fsyncFile,
  listEntries,
  readFileOrNull,
  READ_LIMITS,
  removeFile,
  ShareFileError,
  writeFileAtomic
} from '../core/share-fs'
import type { Workspace } from '../core/workspace'
import type { HistoryStore } from '../history/history-store'
import { sectionText, sha256Hex, type SectionIndex } from '../sections/section-index'

const SHA = z.string().regex(/^[0-9a-f]{64}$/)

/** An intent holds a save's changed sections as JSON strings: up to a few times the document cap. */
const INTENT_LIMIT = 4 * READ_LIMITS.document

const versionSchema = z.object({
  sectionId: z.string().min(1),
  heading: z.string(),
  content: z.string(),
  /** SHA-256 of `content`: a damaged intent is never carried out. */
  sha256: SHA,
  author: z.string(),
  instanceId: z.string(),
  reason: z.string()
})

const intentSchema = z.object({
  format: z.literal(1),
  document: z.string().min(1),
  /** The file's checksum before the save and the one it has once the rename happened. */
  before: SHA,
  after: SHA,
  /** When the save happened (ISO): the time its versions carry, even when written by a repair. */
  time: z.string(),
  versions: z.array(versionSchema),
  retired: z.array(z.string())
})

/** What a save promises to do after its rename. */
export type SaveIntent = z.infer<typeof intentSchema>
/** One history version a save promises. */
export type IntentVersion = z.infer<typeof versionSchema>

/** What finishing one intent did (or why it could not). */
export interface IntentOutcome {
  file: string
  /**
   * completed: its versions are in history; discarded: its save never reached the file; ambiguous:
   * the file changed outside since (see the module comment); damaged: not a readable intent of this
   * document, left for a person; failed: writing history failed again, left for the next try.
   */
  outcome: 'completed' | 'discarded' | 'ambiguous' | 'damaged' | 'failed'
  detail: string
  /** Sections whose promised versions are still not in history (failed only). */
  pending?: string[]
}

/** The folder of a document's unfinished saves. */
export function intentsDir(ws: Workspace, doc: string): string {
  return path.join(ws.docDir(doc), 'intents')
}

/** Builds a version entry of an intent (the checksum is computed here). */
export function intentVersion(v: Omit<IntentVersion, 'sha256'>): IntentVersion {
  return { ...v, sha256: sha256Hex(v.content) }
}

/**
 * Writes a save's intent atomically and returns its file. Not fsynced (see the module comment): it
 * must outlive the process that wrote it, not a power loss.
 */
export async function writeIntent(ws: Workspace, intent: SaveIntent): Promise<string> {
  const file = path.join(intentsDir(ws, intent.document), `${ulid()}.json`)
  await writeFileAtomic(file, Buffer.from(JSON.stringify(intent), 'utf8'), {
    createDir: true,
    fsync: false,
    syncDir: false,
    // A fresh name (a ULID): no file there whose mode to keep, so no lstat before the temp file.
    mode: 0o666
  })
  return file
}

/**
 * Makes an intent durable (file, then folder): for a save acknowledged without its history versions
 * (their write failed), whose intent is then the only record of who saved that text and when.
 * Never throws: the save is acknowledged either way; a power loss would then record its text as an
 * outside edit, as before.
 */
export async function keepIntent(file: string): Promise<void> {
  try {
    await fsyncFile(file)
    await fsyncDir(path.dirname(file))
  } catch {
    // See above: the intent stays in the page cache, and the next save finishes it.
  }
}

/** Removes an intent that is done (or that a refused save never needed). Never throws. */
export async function dropIntent(file: string): Promise<void> {
  await removeFile(file).catch(() => false)
}

/**
 * Does what an intent promised: each missing version (not written twice: a section whose newest
 * valid version already holds the text is skipped) with the save's time, then the retired
 * sections' marks. Returns each section's version of this save (new or found), by section id.
 *
 * `landed` (a save in progress): settles when its document's rename is decided. The versions are
 * written and fsynced meanwhile, beside the document, and renamed into place only once it resolves
 * (history never holds a text the file did not get); a rejection writes nothing and is thrown.
 */
export async function carryOut(
  history: HistoryStore,
  intent: SaveIntent,
  landed?: Promise<unknown>
): Promise<Map<string, VersionRecord>> {
  const out = new Map<string, VersionRecord>()
  const one = async (v: IntentVersion) => {
    const latest = await history.latestValid(intent.document, v.sectionId)
    if (latest?.sha256 === v.sha256) {
      out.set(v.sectionId, latest)
      return
    }
    const entry = {
      heading: v.heading,
      content: v.content,
      author: v.author,
      instanceId: v.instanceId,
      reason: v.reason,
      timestamp: intent.time
    }
    out.set(v.sectionId, await history.append(intent.document, v.sectionId, entry, landed))
  }
  const ids = intent.versions.map((v) => v.sectionId)
  if (new Set(ids).size === ids.length) {
    // Distinct sections (every batch's intent): side by side; all are finished before a failure is thrown.
    const failed = (await Promise.allSettled(intent.versions.map(one))).find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
  } else {
    for (const v of intent.versions) await one(v)
  }
  await landed
  for (const id of intent.retired) await history.markBeforeStructure(intent.document, id)
  return out
}

/** The intent files left for one document (unfinished saves), oldest first. */
export async function pendingIntents(ws: Workspace, doc: string): Promise<string[]> {
  const dir = intentsDir(ws, doc)
  const ahead = listedAhead.get(dir)
  listedAhead.delete(dir)
  const entries = await (ahead ?? listEntries(dir).catch(() => null))
  return (entries ?? [])
    .filter((x) => x.isFile() && /^[0-9A-Z]{26}\.json$/.test(x.name))
    .map((x) => path.join(dir, x.name))
    .sort()
}

/**
 * Lists a document's intents beside other work, for its next {@link pendingIntents} (taken once): a
 * save under the write mutex lists them beside reading the file (intents are only written under
 * that mutex). Returns what forgets the listing when it was not asked for.
 */
export function listIntentsAhead(ws: Workspace, doc: string): () => void {
  const dir = intentsDir(ws, doc)
  const ahead = listEntries(dir).catch(() => null)
  listedAhead.set(dir, ahead)
  return () => {
    if (listedAhead.get(dir) === ahead) listedAhead.delete(dir)
  }
}

const listedAhead = new Map<string, ReturnType<typeof listEntries>>()

/**
 * Finishes every intent left for one document, oldest first. Callers hold its write mutex. `buf`
 * is the file as it is now and `index` its section index. Never throws for a failed write: that
 * intent is left (outcome `failed`) for the next save or repair.
 */
export async function finishIntents(
  ws: Workspace,
  history: HistoryStore,
  doc: string,
  buf: Buffer,
  index: SectionIndex
): Promise<IntentOutcome[]> {
  const files = await pendingIntents(ws, doc)
  if (files.length === 0) return []
  const intents = await Promise.all(files.map(readIntent))
  const now = sha256Hex(buf)
  const out: IntentOutcome[] = []
  for (const [k, file] of files.entries()) {
    const intent = intents[k]
    if (intent === 'empty') {
      // Named but never written out: an unsynced intent cut by a power loss (see the module comment).
      await dropIntent(file)
      out.push({
        file,
        outcome: 'discarded',
        detail: 'empty: its bytes never reached the disk (a power loss)'
      })
      continue
    }
    if (intent === null || intent.document !== doc) {
      out.push({ file, outcome: 'damaged', detail: 'not a readable save intent of this document' })
      continue
    }
    // The file as the next save saw it (its intent's `before`), else as it is now.
    const seen = intents.slice(k + 1).find((i) => isIntentOf(i, doc))?.before ?? now
    out.push(await finishOne(ws, history, file, intent, seen, seen === now ? { buf, index } : null))
  }
  return out
}

async function finishOne(
  ws: Workspace,
  history: HistoryStore,
  file: string,
  intent: SaveIntent,
  seen: string,
  current: { buf: Buffer; index: SectionIndex } | null
): Promise<IntentOutcome> {
  if (seen !== intent.after && seen === intent.before) {
    await dropIntent(file)
    return { file, outcome: 'discarded', detail: 'its save never reached the file: nothing to record' }
  }
  const landed = seen === intent.after
  // Ambiguous: only versions whose text the file holds now are history (none when a later save
  // already changed the file: that save's own `before` is what the outside edit left).
  const kept = landed
    ? intent.versions
    : intent.versions.filter((v) => current !== null && holds(current.buf, current.index, v))
  const unsure = intent.versions.filter((v) => !kept.includes(v)).map((v) => v.sectionId)
  try {
    await carryOut(history, { ...intent, versions: kept, retired: landed ? intent.retired : [] })
  } catch (err) {
    return {
      file,
      outcome: 'failed',
      detail: `its history could not be written (${err instanceof Error ? err.message : String(err)})`,
      pending: kept.map((v) => v.sectionId)
    }
  }
  if (landed) {
    await dropIntent(file)
    return {
      file,
      outcome: 'completed',
      detail: `${kept.length} version(s) of a save that reached the file recorded`
    }
  }
  if (unsure.length === 0) {
    await dropIntent(file)
    return {
      file,
      outcome: 'ambiguous',
      detail: `the file changed outside Sectioned since this save; its text is still there, so its ${kept.length} version(s) were recorded`
    }
  }
  const aside = await setAside(ws, intent.document, file)
  return {
    file,
    outcome: 'ambiguous',
    detail:
      `the file changed outside Sectioned since this save, and section(s) ${unsure.map((s) => `“${s}”`).join(', ')} ` +
      `no longer hold its text: not recorded as history (the file may never have had it); the text is kept in ${aside}`
  }
}

/** True when the section `v` names holds exactly its text in `buf`. */
function holds(buf: Buffer, index: SectionIndex, v: IntentVersion): boolean {
  const s = index.sections.find((x) => x.id === v.sectionId)
  return s !== undefined && sectionText(buf, s) === v.content
}

/** Moves an ambiguous intent to `intents/unresolved/` (kept for a person, never carried out). */
async function setAside(ws: Workspace, doc: string, file: string): Promise<string> {
  const target = path.join(intentsDir(ws, doc), 'unresolved', path.basename(file))
  const data = await readFileOrNull(file, INTENT_LIMIT)
  if (data) await writeFileAtomic(target, data, { createDir: true })
  await dropIntent(file)
  return target
}

function isIntentOf(i: SaveIntent | 'empty' | null, doc: string): i is SaveIntent {
  return i !== null && i !== 'empty' && i.document === doc
}

/** The intent in `file`; 'empty' for a file of no bytes, null when it is not a readable intent. */
async function readIntent(file: string): Promise<SaveIntent | 'empty' | null> {
  try {
    const buf = await readFileOrNull(file, INTENT_LIMIT)
    if (!buf) return null
    if (buf.length === 0) return 'empty'
    const parsed = intentSchema.safeParse(JSON.parse(buf.toString('utf8')))
    if (!parsed.success) return null
    // A damaged text is never written to history.
    const ok = parsed.data.versions.every((v) => sha256Hex(v.content) === v.sha256)
    return ok ? parsed.data : null
  } catch (err) {
    if (err instanceof ShareFileError || err instanceof SyntaxError) return null
    throw err
  }
}
