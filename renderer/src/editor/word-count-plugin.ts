/**
 * Reports the open document's word counts (document, the cursor's section, the selection) a moment
 * after typing or moving stops, so a keystroke costs nothing here. Counting itself is incremental
 * (word-count-tree.ts): after the first count of a document only changed lines are counted again.
 */
import { ViewPlugin } from '@codemirror/view'
import { sectionIndexAt, sectionLocks } from './lock-state'
import { countDocument, type WordCounts } from './word-count-tree'

/** The name of each count's entry on the performance timeline. */
export const WORD_COUNT_MEASURE = 'sectioned:word-count'

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
    // The first count comes soon after the view opens, not in the middle of building it.
    timer = setTimeout(count, 0)
    return {
      update(u) {
        const moved = sectionLocks(u.startState) !== sectionLocks(u.state)
        if (!u.docChanged && !u.selectionSet && !moved) return
        if (timer) clearTimeout(timer)
        timer = setTimeout(count, COUNT_AFTER_MS)
      },
      destroy() {
        if (timer) clearTimeout(timer)
        report(null)
      }
    }
  })
}
