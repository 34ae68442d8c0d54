/**
 * Reports the open document's word counts (document, the cursor's section, the selection) a moment
 * after typing or moving stops, so a keystroke costs nothing here. Counting itself is incremental
 * (word-count-tree.ts): after the first count of a document only changed lines are counted again.
 */
import { ViewPlugin } from '@codemirror/view'
import { sectionIndexAt, sectionLocks } from './lock-state'
import { countDocument, wordsBetween, type WordCounts } from './word-count-tree'

/** The name of each count's entry on the performance timeline. */
export const WORD_COUNT_MEASURE = 'sectioned:word-count'
/** The name of each task of a long document's first count. */
export const WORD_COUNT_WARM_MEASURE = 'sectioned:word-count-warm'

/** How long one task of the first count of a long document may take. */
const WARM_SLICE_MS = 12

/** How long typing or cursor moves settle before the counts are taken. */
const COUNT_AFTER_MS = 200

/** Calls `report` with fresh counts after changes settle, and with null when the view goes. */
export function wordCount(report: (counts: WordCounts | null) => void) {
  return ViewPlugin.define((view) => {
    let timer: ReturnType<typeof setTimeout> | null = null
    const count = () => {
      timer = null
      const start = performance.now()
      const { state } = view
      const locks = sectionLocks(state)
      const section = locks[sectionIndexAt(locks, state.selection.main.head)]
      const counts = countDocument(state.doc, section ?? null, state.selection.ranges)
      // On the page's performance timeline (devtools; the e2e reads it on a 5 MB document).
      performance.measure(WORD_COUNT_MEASURE, { start })
      report(counts)
    }
    // The first count of a long document is the only costly one (~300 ms for 5 MB): it is done a
    // piece of the text tree at a time, a few ms per task, so the page stays responsive; the count
    // after it finds every piece cached. Pieces are immutable: edits meanwhile change nothing here.
    const pieces = [...(view.state.doc.children ?? [])]
    let warming: ReturnType<typeof setTimeout> | null = null
    const warm = () => {
      warming = null
      const start = performance.now()
      const until = start + WARM_SLICE_MS
      while (pieces.length && performance.now() < until) {
        const piece = pieces.shift()
        // A piece too big for one task is split into its own pieces.
        if (piece?.children && piece.length > 100_000) pieces.unshift(...piece.children)
        else if (piece) wordsBetween(piece, 0, piece.length)
      }
      performance.measure(WORD_COUNT_WARM_MEASURE, { start })
      if (pieces.length) warming = setTimeout(warm, 0)
      else if (!timer) timer = setTimeout(count, 0)
    }
    warm()
    return {
      update(u) {
        const moved = sectionLocks(u.startState) !== sectionLocks(u.state)
        if (!u.docChanged && !u.selectionSet && !moved) return
        if (timer) clearTimeout(timer)
        timer = warming ? null : setTimeout(count, COUNT_AFTER_MS)
      },
      destroy() {
        if (timer) clearTimeout(timer)
        if (warming) clearTimeout(warming)
        report(null)
      }
    }
  })
}
