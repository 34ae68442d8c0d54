/**
 * Where the writer is in a document — the text at the top of the view and the cursor — reported as
 * it changes (scrolling, moving the cursor) and once more when the view goes, and put back when the
 * document is shown again (the quick switcher, a restart). Positions are offsets in the text: after
 * other writers' changes they may point a little off, never outside the text (they are clamped).
 */
import { EditorSelection } from '@codemirror/state'
import { EditorView, ViewPlugin } from '@codemirror/view'

/** A place in the open document (UTF-16 offsets). */
export interface Place {
  /** The start of the first line shown whole at the top of the view. */
  top: number
  anchor: number
  head: number
}

/** How long scrolling or cursor moves settle before the place is reported. */
const REPORT_AFTER_MS = 150

/** The place the view shows now; null while it has no layout (hidden, not in the page). */
export function placeOf(view: EditorView): Place | null {
  const rect = view.scrollDOM.getBoundingClientRect()
  if (rect.height <= 0 || !view.dom.isConnected) return null
  const edge = Math.max(0, rect.top - view.documentTop)
  let block = view.lineBlockAtHeight(edge)
  // The first line shown whole: restoring puts it at the top again, so the view does not creep.
  if (block.top < edge - 1 && block.to < view.state.doc.length) block = view.lineBlockAt(block.to + 1)
  const top = block.from
  const { anchor, head } = view.state.selection.main
  return { top, anchor, head }
}

/** Shows `place`: its line at the top of the view and the cursor where it was. */
export function restorePlace(view: EditorView, place: Place): void {
  const clamp = (n: number) => Math.max(0, Math.min(n, view.state.doc.length))
  const top = view.state.doc.lineAt(clamp(place.top)).from
  view.dispatch({
    selection: EditorSelection.single(clamp(place.anchor), clamp(place.head)),
    effects: EditorView.scrollIntoView(top, { y: 'start' })
  })
}

/** Reports the view's place to `report` a moment after it changes, and when the view is destroyed. */
export function placeMemory(report: (place: Place) => void) {
  return ViewPlugin.define((view) => {
    let timer: ReturnType<typeof setTimeout> | null = null
    const measure = () => {
      const place = placeOf(view)
      if (place) report(place)
    }
    const schedule = () => {
      if (timer) clearTimeout(timer)
      timer = setTimeout(() => {
        timer = null
        measure()
      }, REPORT_AFTER_MS)
    }
    view.scrollDOM.addEventListener('scroll', schedule, { passive: true })
    // Once at the start too: the document is shown even if the writer never scrolls in it.
    schedule()
    return {
      update(u) {
        if (u.selectionSet) schedule()
      },
      destroy() {
        if (timer) clearTimeout(timer)
        view.scrollDOM.removeEventListener('scroll', schedule)
        // Plugins go before the view leaves the page: this is the place the writer leaves.
        measure()
      }
    }
  })
}
