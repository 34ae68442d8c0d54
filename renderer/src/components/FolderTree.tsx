import { useCallback, useEffect, useRef, useState, type DragEvent, type KeyboardEvent } from 'react'
import { useApp } from '../state/use-app'
import { HeldAwayMark } from './HeldAwayMark'
import { PresenceChips } from './PresenceChips'
import { TrashDialog } from './TrashDialog'
import { treeRows } from './tree-rows'

/** What the inline name field is doing: naming a new document or folder, or renaming one. */
type Naming = { kind: 'document' | 'folder' } | { kind: 'rename'; document: string }

/**
 * The open context menu: on a document (all actions), or on a folder or the tree's background
 * (new document or folder, in `folder`: `''` or ending in `/`).
 */
type Menu = { document: string | null; folder: string; x: number; y: number }

/** The folder a document is in, with a trailing `/` (empty at the top). */
function folderOf(document: string): string {
  const at = document.lastIndexOf('/')
  return at < 0 ? '' : document.slice(0, at + 1)
}

/** The drag payload's type: a document of this workspace being moved in the tree. */
const DRAGGED = 'application/x-sectioned-document'
/**
 * This window's mark on what it drags: Chromium carries custom types between windows, and a path
 * dragged from a window on another workspace must not rename the same path in this one.
 */
const WINDOW_MARK = crypto.randomUUID()

/** The document a drop carries, when this window started the drag; null otherwise. */
function draggedDocument(data: DataTransfer): string | null {
  const raw = data.getData(DRAGGED)
  const at = raw.indexOf('\n')
  return at > 0 && raw.slice(0, at) === WINDOW_MARK ? raw.slice(at + 1) : null
}

/** Where `document` lands when dropped into `folder` (`''` = the top), or null if it is there already. */
export function dropTarget(document: string, folder: string): string | null {
  const to = folder + document.slice(document.lastIndexOf('/') + 1)
  return to === document ? null : to
}

/**
 * The workspace's markdown documents; clicking one opens it. A context menu (right click, the
 * menu key or Shift+F10) creates, renames, duplicates and deletes (to the app's trash); F2
 * renames and Delete deletes the focused document. Folders are rows of their own (empty ones too),
 * with their documents under them. Dragging a document onto a folder, or a document in it, moves
 * it there; onto the “Documents” heading, to the top (rename moves anywhere). Names
 * are typed in an inline field, since Electron has no `prompt()`; the services refuse bad names
 * with a message shown as a notice. The trash lists deleted documents and restores them.
 */
export function FolderTree() {
  const documents = useApp((s) => s.documents)
  const folders = useApp((s) => s.folders)
  const current = useApp((s) => s.current)
  const open = useApp((s) => s.open)
  const client = useApp((s) => s.client)
  const notify = useApp((s) => s.notify)
  const loadWorkspace = useApp((s) => s.loadWorkspace)
  const heldAway = useApp((s) => s.heldAway)
  const releaseAway = useApp((s) => s.releaseAway)
  const [menu, setMenu] = useState<Menu | null>(null)
  const [naming, setNaming] = useState<Naming | null>(null)
  const [name, setName] = useState('')
  const menuRef = useRef<HTMLDivElement>(null)
  const [trashOpen, setTrashOpen] = useState(false)
  const closeTrash = useCallback(() => setTrashOpen(false), [])
  /** The folder a dragged document is over (`''` = the top), for the drop highlight. */
  const [dropFolder, setDropFolder] = useState<string | null>(null)

  useEffect(() => {
    if (!menu) return
    menuRef.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus()
    // A click anywhere else closes the menu, as a native one would.
    const close = (e: MouseEvent) => {
      if (!menuRef.current?.contains(e.target as Node)) setMenu(null)
    }
    window.addEventListener('mousedown', close)
    return () => window.removeEventListener('mousedown', close)
  }, [menu])

  const failed = (message: string) => notify({ kind: 'error', text: message })

  const startNaming = (n: Naming, initial: string) => {
    setMenu(null)
    setNaming(n)
    setName(initial)
  }

  const trash = async (document: string) => {
    setMenu(null)
    const r = await client.call('files:trash', { document })
    if (!r.ok) return failed(r.error.message)
    notify({
      kind: 'info',
      text: `“${document}” was moved to the trash; Trash… in the folder list’s menu (right click) puts it back.`
    })
    await loadWorkspace()
  }

  const duplicate = async (document: string) => {
    setMenu(null)
    const r = await client.call('files:duplicate', { document })
    if (!r.ok) return failed(r.error.message)
    await loadWorkspace()
  }

  const move = async (from: string, folder: string) => {
    setDropFolder(null)
    const to = dropTarget(from, folder)
    if (to === null) return
    const r = await client.call('files:rename', { from, to })
    if (!r.ok) return failed(r.error.message)
    notify({ kind: 'info', text: `“${from}” moved to “${r.value.to}”.` })
    await loadWorkspace()
  }

  /** Drop-zone handlers for a folder: a document of ours dragged over it may be dropped there. */
  const dropZone = (folder: string) => ({
    onDragOver: (e: DragEvent) => {
      if (!e.dataTransfer.types.includes(DRAGGED)) return
      e.preventDefault()
      e.dataTransfer.dropEffect = 'move'
      if (dropFolder !== folder) setDropFolder(folder)
    },
    onDragLeave: () => setDropFolder(null),
    onDrop: (e: DragEvent) => {
      const from = draggedDocument(e.dataTransfer)
      if (from === null) return
      e.preventDefault()
      e.stopPropagation()
      void move(from, folder)
    }
  })

  const submit = async () => {
    if (!naming) return
    const typed = name.trim()
    if (typed === '') return setNaming(null)
    if (naming.kind === 'rename') {
      const r = await client.call('files:rename', { from: naming.document, to: typed })
      if (!r.ok) return failed(r.error.message)
    } else if (naming.kind === 'folder') {
      const r = await client.call('files:mkdir', { folder: typed })
      if (!r.ok) return failed(r.error.message)
    } else {
      const document = /\.md$/i.test(typed) ? typed : `${typed}.md`
      const r = await client.call('files:create', { document })
      if (!r.ok) return failed(r.error.message)
      await loadWorkspace()
      await open(r.value.document)
    }
    setNaming(null)
    await loadWorkspace()
  }

  const onNameKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') void submit()
    if (e.key === 'Escape') setNaming(null)
  }

  const onDocumentKey = (e: KeyboardEvent<HTMLButtonElement>, document: string) => {
    if (e.key === 'F2') {
      e.preventDefault()
      startNaming({ kind: 'rename', document }, document)
    } else if (e.key === 'Delete') {
      e.preventDefault()
      void trash(document)
    } else if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
      e.preventDefault()
      const box = e.currentTarget.getBoundingClientRect()
      setMenu({ document, folder: folderOf(document), x: box.left + 16, y: box.bottom })
    }
  }

  const nameField = (label: string) => (
    <input
      className="tree-name"
      aria-label={label}
      autoFocus
      value={name}
      onChange={(e) => setName(e.target.value)}
      onKeyDown={onNameKey}
      onBlur={() => setNaming(null)}
    />
  )

  return (
    <nav
      className="tree"
      aria-label="Documents"
      onContextMenu={(e) => {
        e.preventDefault()
        setMenu({ document: null, folder: '', x: e.clientX, y: e.clientY })
      }}
    >
      <h2 className={dropFolder === '' ? 'drop-target' : ''} {...dropZone('')}>
        Documents
      </h2>
      {documents.length === 0 && <p className="muted">No .md files in this folder yet.</p>}
      {naming &&
        naming.kind !== 'rename' &&
        nameField(naming.kind === 'folder' ? 'New folder name' : 'New document name')}
      <ul>
        {treeRows(documents, folders).map((row) => {
          const d = row.path
          const indent = { paddingLeft: `${row.depth * 12}px` }
          if (row.kind === 'folder') {
            const folder = `${d}/`
            return (
              <li
                key={folder}
                className={`tree-folder ${dropFolder === folder ? 'drop-target' : ''}`}
                style={indent}
                title={folder}
                onContextMenu={(e) => {
                  e.preventDefault()
                  e.stopPropagation()
                  setMenu({ document: null, folder, x: e.clientX, y: e.clientY })
                }}
                {...dropZone(folder)}
              >
                {row.name}/
              </li>
            )
          }
          return (
            <li
              key={d}
              style={indent}
              className={
                dropFolder !== null && dropFolder !== '' && folderOf(d) === dropFolder ? 'drop-target' : ''
              }
              {...dropZone(folderOf(d))}
            >
              {naming?.kind === 'rename' && naming.document === d ? (
                nameField(`New name for ${d}`)
              ) : (
                <button
                  className={d === current ? 'active' : ''}
                  // The row shows the file name under its folder; its name for assistive
                  // technology (and tests) is the whole path, as the tooltip.
                  aria-label={d}
                  draggable
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DRAGGED, `${WINDOW_MARK}\n${d}`)
                    e.dataTransfer.effectAllowed = 'move'
                  }}
                  onDragEnd={() => setDropFolder(null)}
                  onClick={() => void open(d)}
                  onKeyDown={(e) => onDocumentKey(e, d)}
                  onContextMenu={(e) => {
                    e.preventDefault()
                    e.stopPropagation()
                    setMenu({ document: d, folder: folderOf(d), x: e.clientX, y: e.clientY })
                  }}
                  title={d}
                >
                  <span className="tree-doc">{row.name}</span>
                  <HeldAwayMark document={d} />
                  <PresenceChips document={d} where="tree" />
                </button>
              )}
            </li>
          )
        })}
      </ul>
      {menu && (
        <div
          ref={menuRef}
          className="tree-menu"
          role="menu"
          aria-label={menu.document ? `Actions for ${menu.document}` : 'New'}
          style={{ left: menu.x, top: menu.y }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setMenu(null)
            if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              e.preventDefault()
              const items = [
                ...(menuRef.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])
              ]
              const at = items.indexOf(document.activeElement as HTMLButtonElement)
              const next = (at + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length
              items[next]?.focus()
            }
          }}
        >
          <button role="menuitem" onClick={() => startNaming({ kind: 'document' }, menu.folder)}>
            New document
          </button>
          <button role="menuitem" onClick={() => startNaming({ kind: 'folder' }, menu.folder)}>
            New folder
          </button>
          {menu.document !== null && (
            <>
              <button
                role="menuitem"
                onClick={() =>
                  startNaming({ kind: 'rename', document: menu.document ?? '' }, menu.document ?? '')
                }
              >
                Rename… (F2)
              </button>
              {(heldAway[menu.document]?.length ?? 0) > 0 && (
                <button
                  role="menuitem"
                  data-testid="release-away"
                  onClick={() => {
                    setMenu(null)
                    void releaseAway(menu.document ?? '')
                  }}
                >
                  Release the sections you hold here
                </button>
              )}
              <button role="menuitem" onClick={() => void duplicate(menu.document ?? '')}>
                Duplicate
              </button>
              <button role="menuitem" onClick={() => void trash(menu.document ?? '')}>
                Delete (to trash)
              </button>
            </>
          )}
          <button
            role="menuitem"
            onClick={() => {
              setMenu(null)
              setTrashOpen(true)
            }}
          >
            Trash…
          </button>
          <button role="menuitem" onClick={() => setMenu(null)}>
            Cancel
          </button>
        </div>
      )}
      {trashOpen && <TrashDialog onClose={closeTrash} />}
    </nav>
  )
}
