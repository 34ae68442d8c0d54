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

/** Every damaged index, draft, edit request, metrics and audit file of the workspace. */
export async function findDamagedFiles(ws: Workspace): Promise<DamagedFile[]> {
  const files: { file: string; limit: number; json: boolean }[] = []
  const add = async (dir: string, suffix: string, limit: number, json: boolean) => {
    for (const e of (await listEntries(dir)) ?? []) {
      if (e.name.endsWith(suffix)) files.push({ file: path.join(dir, e.name), limit, json })
    }
  }
  const docs = path.join(ws.hidden, 'docs')
  for (const d of (await listEntries(docs)) ?? []) {
    if (!d.isDirectory()) continue
    const dir = path.join(docs, d.name)
    files.push({ file: path.join(dir, 'index.json'), limit: READ_LIMITS.index, json: true })
    await add(path.join(dir, 'drafts'), '.json', READ_LIMITS.version, true)
  }
  await add(ws.requestsDir, '.json', READ_LIMITS.request, true)
  await add(ws.metricsDir, '.json', READ_LIMITS.metrics, true)
  await add(ws.auditDir, '.jsonl', READ_LIMITS.audit, false)
  const found: DamagedFile[] = []
  for (const f of files) {
    const damage = await check(f.file, f.limit, f.json)
    if (damage) found.push(damage)
  }
  return found
}
