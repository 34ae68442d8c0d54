/**
 * The app's own files in `.sectioned/` that are not what they should be — a link, a pipe, a folder,
 * a file over its cap, unreadable, or not JSON — each named with what is wrong, for `verify`.
 * (History versions and lock records are checked by their own stores; see HistoryStore.verifyAll
 * and inspectLocks.) Finding damage never stops at the first: every file is looked at.
 */
import path from 'node:path'
import { listEntries, readFileOrNull, READ_LIMITS, ShareFileError } from './share-fs'
import type { Workspace } from './workspace'

/** One damaged file and what is wrong with it. */
export interface DamagedFile {
  file: string
  problem: string
}

/** Checks one file: readable within `limit` and, when `json`, parseable. */
async function check(file: string, limit: number, json: boolean): Promise<DamagedFile | null> {
  try {
    const buf = await readFileOrNull(file, limit)
    if (buf === null) return null
    if (json) JSON.parse(buf.toString('utf8'))
    return null
  } catch (err) {
    if (err instanceof ShareFileError) return { file, problem: err.problem }
    if (err instanceof SyntaxError) return { file, problem: 'is not valid JSON' }
    return { file, problem: `could not be read (${err instanceof Error ? err.message : String(err)})` }
  }
}

/** Adds the files of `dir` ending in `suffix` to `files`. */
async function collect(
  files: Candidate[],
  dir: string,
  suffix: string,
  limit: number,
  json: boolean
): Promise<void> {
  for (const e of (await listEntries(dir)) ?? []) {
    if (e.name.endsWith(suffix)) files.push({ file: path.join(dir, e.name), limit, json })
  }
}

interface Candidate {
  file: string
  limit: number
  json: boolean
}

async function checkAll(files: Candidate[]): Promise<DamagedFile[]> {
  const found: DamagedFile[] = []
  for (const f of files) {
    const damage = await check(f.file, f.limit, f.json)
    if (damage) found.push(damage)
  }
  return found
}

/** The damaged index and drafts of one document's data folder (`.sectioned/docs/<docKey>`). */
export async function findDamagedDocumentFiles(docDir: string): Promise<DamagedFile[]> {
  const files: Candidate[] = [{ file: path.join(docDir, 'index.json'), limit: READ_LIMITS.index, json: true }]
  await collect(files, path.join(docDir, 'drafts'), '.json', READ_LIMITS.version, true)
  return checkAll(files)
}

/** The damaged edit requests, metrics, presence and audit files of the workspace (not per document). */
export async function findDamagedSharedFiles(ws: Workspace): Promise<DamagedFile[]> {
  const files: Candidate[] = []
  await collect(files, ws.requestsDir, '.json', READ_LIMITS.request, true)
  await collect(files, ws.metricsDir, '.json', READ_LIMITS.metrics, true)
  await collect(files, ws.presenceDir, '.json', READ_LIMITS.presence, true)
  await collect(files, ws.auditDir, '.jsonl', READ_LIMITS.audit, false)
  return checkAll(files)
}

/** Every damaged index, draft, edit request, metrics and audit file of the workspace. */
export async function findDamagedFiles(ws: Workspace): Promise<DamagedFile[]> {
  const found: DamagedFile[] = []
  const docs = path.join(ws.hidden, 'docs')
  for (const d of (await listEntries(docs)) ?? []) {
    if (d.isDirectory()) found.push(...(await findDamagedDocumentFiles(path.join(docs, d.name))))
  }
  found.push(...(await findDamagedSharedFiles(ws)))
  return found
}
