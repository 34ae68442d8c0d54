/**
 * Random documents, section starts and edits for the property tests that compare a fast path of
 * the section field with the whole-list code it replaced (lock-filter-near, lock-state-map).
 */
import { EditorState, type ChangeSpec } from '@codemirror/state'
import fc from 'fast-check'
import { startsWithHeading } from './headings'

export interface SectionEditsCase {
  state: EditorState
  /** Section starts: 0, every heading line, and empty sections slipped in; sorted, tiling the text. */
  starts: number[]
  /** Non-overlapping changes, in order. */
  changes: ChangeSpec[]
  /** Per section (up to 45): whether this window holds it, for tests that mix held and free ones. */
  mine: boolean[]
}

/** Documents of `lines` (joined by line breaks) and up to three edits each inserting one of `inserts`. */
export function sectionEdits(
  lines: readonly string[],
  inserts: readonly string[]
): fc.Arbitrary<SectionEditsCase> {
  return fc
    .record({
      lines: fc.array(fc.constantFrom(...lines), { minLength: 1, maxLength: 40 }),
      empties: fc.array(fc.nat(40), { maxLength: 4 }),
      mine: fc.array(fc.boolean(), { minLength: 45, maxLength: 45 }),
      edits: fc.array(
        fc.record({
          at: fc.nat(10_000),
          len: fc.nat(30),
          insert: fc.constantFrom(...inserts),
          // Edges at section starts (where boundaries follow their own rules), half of the time.
          edge: fc.option(fc.record({ section: fc.nat(40), end: fc.boolean() }), { freq: 1 })
        }),
        { minLength: 1, maxLength: 3 }
      )
    })
    .map(({ lines: picked, empties, mine, edits }) => {
      const text = picked.join('\n')
      const state = EditorState.create({ doc: text })
      const starts = [0]
      for (let n = 1; n <= state.doc.lines; n++) {
        const from = state.doc.line(n).from
        if (from > 0 && startsWithHeading(state.doc, from)) starts.push(from)
      }
      for (const e of empties) starts.push(starts[e % starts.length])
      starts.sort((a, b) => a - b)
      const changes: ChangeSpec[] = []
      let floor = 0
      for (const e of edits) {
        const start = e.edge ? starts[e.edge.section % starts.length] : -1
        let from = floor + (e.at % Math.max(1, text.length - floor + 1))
        let to = Math.min(text.length, from + e.len)
        if (e.edge && e.edge.end && start >= floor) [from, to] = [Math.max(floor, start - e.len), start]
        else if (e.edge && start >= floor) [from, to] = [start, Math.min(text.length, start + e.len)]
        if (from > text.length) break
        changes.push({ from, to, insert: e.insert })
        floor = to + 1
        if (floor > text.length) break
      }
      return { state, starts, changes, mine }
    })
}
