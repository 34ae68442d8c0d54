/** A row of the folder tree: a folder (its name with a trailing `/`) or a document (its file name). */
export interface TreeRow {
  kind: 'folder' | 'document'
  /** Workspace-relative path with `/`, no trailing `/`. */
  path: string
  /** What the row shows: the last part of the path. */
  name: string
  /** How many folders it is in. */
  depth: number
}

/**
 * The tree's rows for sorted document and folder paths: each folder followed by what it holds,
 * folders before documents at every level (as file managers and VS Code show them). A document
 * whose folder is not listed (a listing taken mid-change) still gets its folders' rows.
 */
export function treeRows(documents: readonly string[], folders: readonly string[]): TreeRow[] {
  const allFolders = new Set(folders)
  for (const d of documents) {
    for (let at = d.indexOf('/'); at > 0; at = d.indexOf('/', at + 1)) allFolders.add(d.slice(0, at))
  }
  const children = new Map<string, { folders: string[]; documents: string[] }>()
  const of = (parent: string) => {
    let c = children.get(parent)
    if (!c) children.set(parent, (c = { folders: [], documents: [] }))
    return c
  }
  const parentOf = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf('/')))
  for (const f of allFolders) of(parentOf(f)).folders.push(f)
  for (const d of documents) of(parentOf(d)).documents.push(d)
  const rows: TreeRow[] = []
  const nameOf = (p: string) => p.slice(p.lastIndexOf('/') + 1)
  const walk = (parent: string, depth: number) => {
    const c = children.get(parent)
    if (!c) return
    for (const f of [...c.folders].sort()) {
      rows.push({ kind: 'folder', path: f, name: nameOf(f), depth })
      walk(f, depth + 1)
    }
    for (const d of [...c.documents].sort()) rows.push({ kind: 'document', path: d, name: nameOf(d), depth })
  }
  walk('', 0)
  return rows
}
