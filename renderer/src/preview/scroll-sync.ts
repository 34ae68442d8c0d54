/**
 * Scroll sync, both ways: when the editor scrolls, the preview shows the same place, and when the
 * writer scrolls the preview, the editor follows. The preview's top-level blocks carry their first
 * source line (`data-line`, markdown.ts); a pane's top line is looked up between two of them and
 * the other pane scrolled in proportion. The editor is found from the DOM (CodeMirror's
 * `EditorView.findFromDOM`), so the editor needs to know nothing about the preview, and a new
 * editor (another document) is followed at once. A scroll this module made is not followed back
 * (it would bounce between the panes).
 */
import { EditorView } from '@codemirror/view'

/** The scrollTop each pane was last given here: a scroll event that finds it there is ours. */
const setHere = new WeakMap<Element, number>()

function setScrollTop(el: Element, top: number): void {
  el.scrollTop = top
  setHere.set(el, el.scrollTop)
}

/** Whether `el`'s scroll event comes from a scroll made here (not by the writer). */
function ours(el: Element): boolean {
  const top = setHere.get(el)
  return top !== undefined && Math.abs(el.scrollTop - top) < 2
}

function viewOf(scroller: Element): EditorView | null {
  const editor = scroller.closest('.cm-editor')
  return editor instanceof HTMLElement ? EditorView.findFromDOM(editor) : null
}

/** The 0-based line at the top of the editor whose scroller is `scroller`, or null. */
export function editorTopLine(scroller: Element): number | null {
  const view = viewOf(scroller)
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
    setScrollTop(preview, 0)
    return
  }
  const base = preview.getBoundingClientRect().top - preview.scrollTop
  const topOf = (el: HTMLElement) => el.getBoundingClientRect().top - base
  const here = blocks[i]
  const next = blocks[i + 1]
  const from = topOf(here)
  const to = next ? topOf(next) : from + here.offsetHeight
  const span = next ? lineOf(next) - lineOf(here) : Math.max(1, line - lineOf(here) + 1)
  setScrollTop(preview, from + ((to - from) * (line - lineOf(here))) / Math.max(1, span) - 8)
}

/** The source line (0-based, fractional) at the top of `preview`, or null without blocks. */
export function previewTopLine(preview: HTMLElement): number | null {
  const blocks = Array.from(preview.querySelectorAll<HTMLElement>('[data-line]'))
  if (blocks.length === 0) return null
  const base = preview.getBoundingClientRect().top - preview.scrollTop
  const topOf = (el: HTMLElement) => el.getBoundingClientRect().top - base
  const lineOf = (el: HTMLElement) => Number(el.dataset.line)
  // The same 8 px of air scrollPreviewTo leaves above the line.
  const y = preview.scrollTop + 8
  let i = blocks.findIndex((el) => topOf(el) > y) - 1
  if (i === -2) i = blocks.length - 1
  if (i < 0) return 0
  const here = blocks[i]
  const next = blocks[i + 1]
  const from = topOf(here)
  const to = next ? topOf(next) : from + here.offsetHeight
  const span = next ? lineOf(next) - lineOf(here) : 1
  return lineOf(here) + (to > from ? Math.min(1, (y - from) / (to - from)) * span : 0)
}

/** Scrolls the editor of `scroller` so that source line `line` (0-based, fractional) is at its top. */
export function scrollEditorTo(scroller: Element, line: number): void {
  const view = viewOf(scroller)
  if (!view) return
  const doc = view.state.doc
  const n = Math.min(doc.lines, Math.max(1, Math.floor(line) + 1))
  const block = view.lineBlockAt(doc.line(n).from)
  const lines = doc.lineAt(block.to).number - doc.lineAt(block.from).number + 1
  const into = Math.min(1, Math.max(0, (line - (doc.lineAt(block.from).number - 1)) / lines))
  // Where the document starts inside the scroller (CodeMirror's top padding).
  const offset = view.documentTop - scroller.getBoundingClientRect().top + scroller.scrollTop
  setScrollTop(scroller, offset + block.top + into * block.height)
}

/**
 * Follows every editor's scrolling in `preview`, and scrolls the editor when the writer scrolls
 * `preview`, until the returned function is called.
 */
export function followEditorScroll(preview: HTMLElement): () => void {
  let frame = 0
  const onScroll = (e: Event) => {
    const target = e.target
    if (!(target instanceof Element) || ours(target)) return
    if (target === preview) {
      cancelAnimationFrame(frame)
      frame = requestAnimationFrame(() => {
        const scroller = document.querySelector('.cm-editor .cm-scroller')
        const line = previewTopLine(preview)
        if (scroller && line !== null) scrollEditorTo(scroller, line)
      })
      return
    }
    if (!target.classList.contains('cm-scroller')) return
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
