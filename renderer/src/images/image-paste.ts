/**
 * Pasting or dropping an image into the editor: the image is saved by the services under the
 * images folder (`files:save-image`: allow-listed types, 10 MiB, a free safe name, and only while
 * this window holds the section) and a markdown link to it is typed at the cursor — an ordinary
 * edit, so the section's autosave writes it to the file.
 *
 * Listens on the document in the capture phase and finds the editor from the DOM, so the editor
 * needs no part in it and a new editor (another document) is served at once.
 */
import { EditorView } from '@codemirror/view'
import type { StoreApi } from 'zustand'
import { phaseOf, sectionIndexAt, sectionLocks } from '../editor/lock-state'
import type { AppState } from '../state/store'

/** The image types the services accept (shared/contract-schemas.ts imageMime). */
const IMAGE_MIMES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml'] as const
type ImageMime = (typeof IMAGE_MIMES)[number]

function isImageMime(type: string): type is ImageMime {
  return (IMAGE_MIMES as readonly string[]).includes(type)
}

/** The image files of a paste or drop (none: the editor handles it as text). */
function imagesOf(data: DataTransfer | null): File[] {
  return Array.from(data?.files ?? []).filter((f) => isImageMime(f.type))
}

/** The file's bytes as base64, as the contract carries them. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

/** The markdown for an image link (the description from the file name, brackets taken out). */
export function imageMarkdown(name: string, link: string): string {
  const alt = name.replace(/\.[^.]*$/, '').replace(/[[\]\\]/g, '')
  return `![${alt}](${link})`
}

/** Saves `files` for the section at `pos` of `view` and types their links there. */
async function insertImages(
  store: StoreApi<AppState>,
  view: EditorView,
  pos: number,
  files: File[]
): Promise<void> {
  const { client, current, notify } = store.getState()
  if (!current) return
  const locks = sectionLocks(view.state)
  const section = locks[sectionIndexAt(locks, pos)]
  if (!section || phaseOf(section) !== 'held') {
    notify({
      kind: 'info',
      text: 'Images go into a section you are editing: type in the section first, then paste or drop the image.'
    })
    return
  }
  const links: string[] = []
  for (const file of files) {
    if (!isImageMime(file.type)) continue
    const r = await client.call('files:save-image', {
      document: current,
      sectionId: section.id,
      name: file.name || 'image',
      mime: file.type,
      data: await base64Of(file)
    })
    if (!r.ok) {
      notify({ kind: 'error', text: `The image was not saved: ${r.error.message}` })
      continue
    }
    links.push(imageMarkdown(file.name || 'image', r.value.link))
  }
  if (links.length === 0 || store.getState().current !== current) return
  // Where the writer is now (they may have typed on while the image was saved), if still in the section.
  const now = sectionLocks(view.state).find((s) => s.id === section.id)
  const head = view.state.selection.main
  const at =
    now && head.from >= now.from && head.to <= now.to
      ? head
      : { from: Math.min(pos, view.state.doc.length), to: Math.min(pos, view.state.doc.length) }
  const insert = links.join('\n')
  view.dispatch({
    changes: { from: at.from, to: at.to, insert },
    selection: { anchor: at.from + insert.length },
    userEvent: 'input.paste'
  })
  view.focus()
}

/** The editor view an event happened in, if any. */
function editorOf(target: EventTarget | null): EditorView | null {
  const el = target instanceof Element ? target.closest('.cm-editor') : null
  return el instanceof HTMLElement ? EditorView.findFromDOM(el) : null
}

/** Handles image pastes and drops in every editor of `doc` until the returned function is called. */
export function wireImagePaste(store: StoreApi<AppState>, doc: Document = document): () => void {
  const onPaste = (e: ClipboardEvent) => {
    const view = editorOf(e.target)
    const files = imagesOf(e.clipboardData)
    if (!view || files.length === 0) return
    e.preventDefault()
    e.stopPropagation()
    void insertImages(store, view, view.state.selection.main.from, files)
  }
  const onDrop = (e: DragEvent) => {
    const view = editorOf(e.target)
    const files = imagesOf(e.dataTransfer)
    if (!view || files.length === 0) return
    e.preventDefault()
    e.stopPropagation()
    const pos = view.posAtCoords({ x: e.clientX, y: e.clientY }) ?? view.state.selection.main.from
    void insertImages(store, view, pos, files)
  }
  doc.addEventListener('paste', onPaste, true)
  doc.addEventListener('drop', onDrop, true)
  return () => {
    doc.removeEventListener('paste', onPaste, true)
    doc.removeEventListener('drop', onDrop, true)
  }
}
