/**
 * Scroll sync, editor → preview: when the editor scrolls, the preview shows the same place. The
 * preview's top-level blocks carry their first source line (`data-line`, markdown.ts); the editor's
 * top visible line is looked up between two of them and the preview scrolled in proportion.
 * The editor is found from the DOM (CodeMirror's `EditorView.findFromDOM`), so the editor needs to
 * know nothing about the preview, and a new editor (another document) is followed at once.
 */
import { EditorView } from '@codemirror/view'

/** The 0-based line at the top of the editor whose scroller is `scroller`, or null. */
export function editorTopLine(scroller: Element): number | null {
  const editor = scroller.closest('.cm-editor')
  const view = editor instanceof HTMLElement ? EditorView.findFromDOM(editor) : null
  if (!view) return null
  const top = view.scrollDOM.getBoundingClientRect().top
  const block = view.lineBlockAtHeight(Math.max(0, top - view.documentTop))
  const line = view.state.doc.lineAt(block.from)
  // Part of the way into a long paragraph counts, so the preview moves smoothly through it.
  const into =
    block.height > 0 ? Math.min(1, Math.max(0, (top - view.documentTop - block.top) / block.height)) : 0
  return line.number - 1 + into * (view.state.doc.lineAt(block.to).number - line.number + 1)
}

/** Scrolls `preview` so that source line `line` (fractional) is at its top. */
export function scrollPreviewTo(preview: HTMLElement, line: number): void {
  const blocks = Array.from(preview.querySelectorAll<HTMLElement>('[data-line]'))
  if (blocks.length === 0) return
  const lineOf = (el: HTMLElement) => Number(el.dataset.line)
  let i = blocks.findIndex((el) => lineOf(el) > line) - 1
  if (i === -2) i = blocks.length - 1 // every block starts above: the last one
  if (i < 0) {
    preview.scrollTop = 0
    return
  }
  const base = preview.getBoundingClientRect().top - preview.scrollTop
  const topOf = (el: HTMLElement) => el.getBoundingClientRect().top - base
  const here = blocks[i]
  const next = blocks[i + 1]
  const from = topOf(here)
  const to = next ? topOf(next) : from + here.offsetHeight
  const span = next ? lineOf(next) - lineOf(here) : Math.max(1, line - lineOf(here) + 1)
  preview.scrollTop = from + ((to - from) * (line - lineOf(here))) / Math.max(1, span) - 8
}

/** Follows every editor's scrolling in `preview` until the returned function is called. */
export function followEditorScroll(preview: HTMLElement): () => void {
  let frame = 0
  const onScroll = (e: Event) => {
    const target = e.target
    if (!(target instanceof Element) || !target.classList.contains('cm-scroller')) return
    cancelAnimationFrame(frame)
    frame = requestAnimationFrame(() => {
      const line = editorTopLine(target)
      if (line !== null) scrollPreviewTo(preview, line)
    })
  }
  // Scroll events do not bubble; a listener in the capture phase on the document hears every one.
  document.addEventListener('scroll', onScroll, true)
  return () => {
    cancelAnimationFrame(frame)
    document.removeEventListener('scroll', onScroll, true)
  }
}

/** Brings `preview` to where the editor is now (after the preview's HTML changed). */
export function syncToEditorNow(preview: HTMLElement): void {
  const scroller = document.querySelector('.cm-editor .cm-scroller')
  const line = scroller ? editorTopLine(scroller) : null
  if (line !== null && line > 0) scrollPreviewTo(preview, line)
}
