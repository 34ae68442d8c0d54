/**
 * A save's outcome is decided by one moment: the document's rename. What must follow it — the
 * section index, the history versions, the retired sections' marks — is written down first, in a
 * small durable *intent* (`.sectioned/docs/<key>/intents/<ulid>.json`), and the intent is removed
 * once all of it is done. A save that dies or fails after the rename has still succeeded; the next
 * save of the document (under its write mutex) or `verify --repair` finishes the intent:
 *
 * - the file's checksum is the intent's `after`: the rename happened — the rest is completed
 *   (versions already written are not written twice);
 * - it is the intent's `before`: the rename never happened — the intent is dropped;
 * - neither (the file changed since, outside the app): each version is completed only if its
 *   section still holds exactly that text, else dropped — history never claims text the file
 *   never had.
 */
import path from 'node:path'
import { ulid } from 'ulid'
import { z } from 'zod'
import {
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

const versionSchema = z.object({
  sectionId: z.string().min(1),
  heading: z.string(),
  content: z.string(),
  author: z.string(),
  instanceId: z.string(),
  reason: z.string()
})

const intentSchema = z.object({
  format: z.literal(1),
  document: z.string(),
  before: z.string(),
  after: z.string(),
  versions: z.array(versionSchema),
  retired: z.array(z.string())
})

/** What a save promises to do after its rename. */
export type SaveIntent = z.infer<typeof intentSchema>
export type IntentVersion = z.infer<typeof versionSchema>

/** What finishing one document's intents did. */
export interface IntentOutcome {
  file: string
  outcome: 'completed' | 'dropped' | 'damaged'
  detail: string
}

function intentsDir(ws: Workspace, doc: string): string {
  return path.join(ws.docDir(doc), 'intents')
}

/** Writes a save's intent durably (fsynced, like the document) and returns its file. */
export async function writeIntent(ws: Workspace, intent: SaveIntent): Promise<string> {
  const file = path.join(intentsDir(ws, intent.document), `${ulid()}.json`)
  await writeFileAtomic(file, Buffer.from(JSON.stringify(intent), 'utf8'), { createDir: true })
  return file
}

/** Removes an intent that is done (or that a refused save never needed). */
export async function dropIntent(file: string): Promise<void> {
  await removeFile(file).catch(() => false)
}

/**
 * Does what an intent promised: each missing version (not written twice: a section whose newest
 * version already has the text is skipped) and the retired sections' marks. (A lost index needs no
 * intent: it is derived data, rebuilt by reconciliation at the next read.)
 */
export async function carryOut(history: HistoryStore, intent: SaveIntent): Promise<void> {
  for (const v of intent.versions) {
    const latest = await history.latestValid(intent.document, v.sectionId)
    if (latest?.sha256 === sha256Hex(v.content)) continue
    await history.append(intent.document, v.sectionId, {
      heading: v.heading,
      content: v.content,
      author: v.author,
      instanceId: v.instanceId,
      reason: v.reason
    })
  }
  for (const id of intent.retired) await history.markBeforeStructure(intent.document, id)
}

/** The intent files left for one document (unfinished saves), oldest first. */
export async function pendingIntents(ws: Workspace, doc: string): Promise<string[]> {
  const entries = await listEntries(intentsDir(ws, doc)).catch(() => null)
  return (entries ?? [])
    .filter((x) => x.isFile() && x.name.endsWith('.json'))
    .map((x) => path.join(intentsDir(ws, doc), x.name))
    .sort()
}

/**
 * Finishes every intent left for one document. Callers hold its write mutex. `buf` is the file as
 * it is now and `index` its section index.
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
  const now = sha256Hex(buf)
  const out: IntentOutcome[] = []
  for (const file of files) {
    const intent = await readIntent(file)
    if (intent === null || intent.document !== doc) {
      out.push({ file, outcome: 'damaged', detail: 'not a save intent of this document; left for verify' })
      continue
    }
    if (now === intent.before && now !== intent.after) {
      await dropIntent(file)
      out.push({ file, outcome: 'dropped', detail: 'the save never reached the file' })
      continue
    }
    const kept =
      now === intent.after
        ? intent
        : {
            ...intent,
            versions: intent.versions.filter((v) => {
              const s = index.sections.find((x) => x.id === v.sectionId)
              return s !== undefined && sectionText(buf, s) === v.content
            })
          }
    await carryOut(history, kept)
    await dropIntent(file)
    out.push({
      file,
      outcome: 'completed',
      detail:
        now === intent.after
          ? `${kept.versions.length} version(s) of a save that reached the file recorded`
          : `the file changed since; ${kept.versions.length} of ${intent.versions.length} version(s) still in it recorded`
    })
  }
  return out
}

async function readIntent(file: string): Promise<SaveIntent | null> {
  try {
    const buf = await readFileOrNull(file, READ_LIMITS.version)
    if (!buf) return null
    const parsed = intentSchema.safeParse(JSON.parse(buf.toString('utf8')))
    return parsed.success ? parsed.data : null
  } catch (err) {
    if (err instanceof ShareFileError || err instanceof SyntaxError) return null
    throw err
  }
}
