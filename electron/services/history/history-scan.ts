/**
 * Walks every section history in a workspace (`.sectioned/docs/<docKey>/history/<section>/`)
 * without knowing the documents' names: the folder names are hashes, so the names come from the
 * records themselves. Also the read-only integrity check behind `HistoryStore.verifyAll` and the
 * admin CLI's "verify".
 */
import path from 'node:path'
import { errCode, readdirOrNull, readFileOrNull, READ_LIMITS, ShareFileError } from '../core/share-fs'
import { idComponent, type Workspace } from '../core/workspace'
import { inspectVersion, parseVersionFileName, versionFileName, type IntegrityProblem } from './version-file'

/** One section's history folder and the version numbers its file names carry (ascending). */
export interface HistoryFolder {
  /** The document's hidden folder name (`Workspace.docKey`). */
  docKey: string
  /** The section's folder name (`idComponent(sectionId)`). */
  sectionKey: string
  dir: string
  versions: number[]
}

async function readDirOrEmpty(dir: string): Promise<string[]> {
  return ((await readdirOrNull(dir)) ?? []).sort()
}

/** Version numbers in one folder, ascending; empty when the folder does not exist. */
export async function versionsIn(dir: string): Promise<number[]> {
  const versions: number[] = []
  for (const name of await readDirOrEmpty(dir)) {
    const v = parseVersionFileName(name)
    if (v !== null) versions.push(v)
  }
  return versions.sort((a, b) => a - b)
}

/** Every section history folder of the workspace, optionally only those of one document folder. */
export async function historyFolders(ws: Workspace, onlyDocKey?: string): Promise<HistoryFolder[]> {
  const docsDir = path.join(ws.hidden, 'docs')
  const docKeys = onlyDocKey === undefined ? await readDirOrEmpty(docsDir) : [onlyDocKey]
  const folders: HistoryFolder[] = []
  for (const docKey of docKeys) {
    const historyDir = path.join(docsDir, docKey, 'history')
    for (const sectionKey of await readDirOrEmpty(historyDir)) {
      const dir = path.join(historyDir, sectionKey)
      const versions = await versionsIn(dir)
      // Folders left empty (or holding only a crashed writer's temp file) are not histories.
      if (versions.length > 0) folders.push({ docKey, sectionKey, dir, versions })
    }
  }
  return folders
}

/**
 * The first readable, valid record of a folder, newest first (the newest is the likeliest to be
 * intact after a bad copy, and one is enough to learn the document and section it belongs to).
 */
export async function identifyFolder(
  folder: HistoryFolder
): Promise<{ document: string; sectionId: string } | null> {
  for (const v of [...folder.versions].reverse()) {
    try {
      const buf = await readFileOrNull(path.join(folder.dir, versionFileName(v)), READ_LIMITS.version)
      if (!buf) continue
      const text = buf.toString('utf8')
      const res = inspectVersion(text, v)
      if (res.ok) return { document: res.record.document, sectionId: res.record.sectionId }
    } catch {
      // unreadable: try an older version
    }
  }
  return null
}

/** Checks one version file completely; returns null when it is sound. */
async function checkFile(
  ws: Workspace,
  folder: HistoryFolder,
  name: string,
  version: number
): Promise<IntegrityProblem | null> {
  const file = path.join(folder.dir, name)
  let text: string
  try {
    const buf = await readFileOrNull(file, READ_LIMITS.version)
    if (!buf) return { file, problem: 'it disappeared while history was checked' }
    text = buf.toString('utf8')
  } catch (err) {
    if (err instanceof ShareFileError) return { file, problem: err.problem }
    return { file, problem: `it could not be read (${errCode(err) ?? String(err)})` }
  }
  const res = inspectVersion(text, version)
  if (!res.ok) return { file, problem: res.problem }
  const { document, sectionId } = res.record
  // Folders are derived from (document, section); a record elsewhere would be read as the wrong history.
  if (ws.docKey(document) !== folder.docKey || idComponent(sectionId) !== folder.sectionKey) {
    return {
      file,
      problem: `it belongs to section “${sectionId}” of ${document}, which is kept in another folder`
    }
  }
  return null
}

/**
 * Verifies every version file of every document: JSON, schema, checksum, number versus file name,
 * and that each record sits in its own document's and section's folder. Gaps in numbering are not
 * problems (pruning makes them). Never throws for bad data; only for an unreadable workspace.
 */
export async function verifyHistory(ws: Workspace): Promise<IntegrityProblem[]> {
  const problems: IntegrityProblem[] = []
  for (const folder of await historyFolders(ws)) {
    for (const version of folder.versions) {
      const problem = await checkFile(ws, folder, versionFileName(version), version)
      if (problem) problems.push(problem)
    }
  }
  return problems
}
