/**
 * The app's trash: `.sectioned/trash/<id>/` holds a deleted document's file (bytes unchanged,
 * under its own name), its data folder as `data/` (history, backups, drafts, index — so a restore
 * brings its history back) and `record.json` saying where it was, who deleted it and when.
 */
import path from 'node:path'
import { z } from 'zod'
import { listEntries, lstatOrNull } from '../core/share-fs'
import type { Workspace } from '../core/workspace'
import { readJson } from './doc-move'

/** What is known of a trashed document. */
export const trashRecordSchema = z.object({
  format: z.literal(1),
  id: z.string(),
  /** Where the document was (workspace-relative). */
  original: z.string().min(1),
  /** Its file name inside the trash folder. */
  name: z.string().min(1),
  by: z.string(),
  host: z.string(),
  /** When it was deleted (ISO, the deleting instance's injected clock). */
  at: z.string()
})

/** A trashed document. */
export type TrashRecord = z.infer<typeof trashRecordSchema>

/** Trash ids are ULIDs: safe as a single folder name. */
export const TRASH_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/

/** The trash folder. */
export function trashDir(ws: Workspace): string {
  return path.join(ws.hidden, 'trash')
}

/** One trashed document's folder. */
export function trashEntryDir(ws: Workspace, id: string): string {
  return path.join(trashDir(ws), id)
}

/** The record of a trashed document, or null when it has none or its file is no longer there (restored, or a delete that died before its move). */
export async function readTrashEntry(ws: Workspace, id: string): Promise<TrashRecord | null> {
  if (!TRASH_ID.test(id)) return null
  const dir = trashEntryDir(ws, id)
  const record = await readJson(path.join(dir, 'record.json'), trashRecordSchema)
  if (!record || record.id !== id || path.basename(record.name) !== record.name) return null
  const st = await lstatOrNull(path.join(dir, record.name)).catch(() => null)
  return st?.isFile() ? record : null
}

/** Every trashed document, newest first. */
export async function listTrash(ws: Workspace): Promise<TrashRecord[]> {
  const out: TrashRecord[] = []
  for (const e of (await listEntries(trashDir(ws))) ?? []) {
    if (!e.isDirectory()) continue
    const record = await readTrashEntry(ws, e.name)
    if (record) out.push(record)
  }
  return out.sort((a, b) => (a.id < b.id ? 1 : -1))
}
