import { HIDDEN_DIR } from '../core/workspace'

/** What a watched path (workspace-relative, `/` separators) stands for. */
export type WatchedPath =
  | { kind: 'document'; document: string }
  | {
      kind: 'lock'
      docKey: string
      lockKind: 'section' | 'document'
      /** The section lock's folder name (the section id, or its hash for an unusual id); null for the document lock. */
      component: string | null
      /** Workspace-relative path of the lock folder, the unit events are coalesced by. */
      lockDir: string
    }
  /** An edit request between writers, `.sectioned/requests/<id>.json`. */
  | { kind: 'request'; id: string }
  /** A running instance's presence record, `.sectioned/presence/<instanceId>.json`. */
  | { kind: 'presence'; instanceId: string }

/** The part of `fs.Stats` the filter looks at (chokidar passes it on its second call). */
export interface EntryKind {
  isFile(): boolean
  isDirectory(): boolean
}

const MARKDOWN = /\.(md|markdown)$/i
/** Temp files of atomic writes (core/share-fs): writeFileAtomic's `<name>.md.<digits>` and replaceSmallFile's `*.tmp`. */
const TEMP = /\.(md|markdown)\.\d+$|\.tmp$/i

/** True for a markdown document's file name. */
export function isMarkdownName(name: string): boolean {
  return MARKDOWN.test(name) && !TEMP.test(name)
}

/**
 * Whether the watcher should skip a path. Inside `.sectioned/` only the section and document lock
 * folders are watched: history, audit, metrics, drafts, backups and index.json change on every save
 * and would cost a watch handle each, and the short write mutex (`locks/write`) churns on every save
 * without meaning anything to other windows. Elsewhere only markdown files and their folders count;
 * other dot-folders (.git) and node_modules are skipped. Called without `entry` when chokidar has not
 * stat'ed the path yet, so an undecidable path is kept and judged again with its stats.
 */
export function isIgnoredPath(rel: string, entry?: EntryKind): boolean {
  if (rel === '') return false
  const parts = rel.split('/')
  if (parts.includes('..')) return true
  const name = parts[parts.length - 1]
  if (TEMP.test(name)) return true
  if (parts[0] === HIDDEN_DIR) return isIgnoredHidden(parts, entry)
  if (parts.some((p) => p.startsWith('.') || p === 'node_modules')) return true
  return entry?.isFile() === true && !MARKDOWN.test(name)
}

/**
 * `.sectioned/docs/<docKey>/locks/{sections/<id>,document}/**`, `.sectioned/requests/*.json`,
 * `.sectioned/presence/*.json` and the folders leading to them.
 */
function isIgnoredHidden(parts: string[], entry?: EntryKind): boolean {
  const file = entry?.isFile() === true
  if (parts[1] === 'requests' || parts[1] === 'presence')
    return parts.length > 3 || (parts.length === 3 && !parts[2].endsWith('.json'))
  if (parts.length >= 2 && parts[1] !== 'docs') return true
  if (parts.length >= 4 && parts[3] !== 'locks') return true
  if (parts.length >= 5 && parts[4] !== 'sections' && parts[4] !== 'document') return true
  // The folders above a lock's generations; a stray file among them means nothing.
  const folderDepth = parts[4] === 'sections' ? 7 : 6
  return parts.length <= folderDepth ? file : parts.length > folderDepth + 1
}

/**
 * The `.sectioned/docs/<key>/locks` folder when `rel` is it, its `sections` folder or the
 * document's own folder — the folders a first lock can make in one go — else null.
 */
export function lockParentOf(rel: string): string | null {
  const parts = rel.split('/')
  if (parts[0] !== HIDDEN_DIR || parts[1] !== 'docs' || parts.length < 3) return null
  const locks = [...parts.slice(0, 3), 'locks'].join('/')
  if (parts.length === 3) return locks
  if (parts[3] !== 'locks') return null
  return parts.length === 4 || (parts.length === 5 && parts[4] === 'sections') ? locks : null
}

/** Classifies a watched path; null for folders that lead to documents or locks but are neither. */
export function classifyPath(rel: string): WatchedPath | null {
  const parts = rel.split('/')
  if (parts[0] === HIDDEN_DIR) {
    if (parts[1] === 'requests' && parts.length === 3 && parts[2].endsWith('.json'))
      return { kind: 'request', id: parts[2].slice(0, -'.json'.length) }
    if (parts[1] === 'presence' && parts.length === 3 && parts[2].endsWith('.json'))
      return { kind: 'presence', instanceId: parts[2].slice(0, -'.json'.length) }
    if (parts[1] !== 'docs' || parts[3] !== 'locks' || parts.length < 5) return null
    const docKey = parts[2]
    if (parts[4] === 'document') {
      return {
        kind: 'lock',
        docKey,
        lockKind: 'document',
        component: null,
        lockDir: parts.slice(0, 5).join('/')
      }
    }
    if (parts[4] === 'sections' && parts.length >= 6) {
      const lockDir = parts.slice(0, 6).join('/')
      return { kind: 'lock', docKey, lockKind: 'section', component: parts[5], lockDir }
    }
    return null
  }
  if (isIgnoredPath(rel) || !isMarkdownName(parts[parts.length - 1])) return null
  return { kind: 'document', document: rel }
}
