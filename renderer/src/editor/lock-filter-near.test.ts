/**
 * `affectedSections` maps only the sections near a change (see `mappedNear` in lock-filter.ts); this
 * compares it with the whole-list mapping it replaced, over random documents, section lists (empty
 * sections included) and edits (typing, line breaks, headings made and destroyed, multi-cursor).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { startsWithHeading } from './headings'
import { sectionEdits } from './section-edits-arbitrary'
import { affectedSections } from './lock-filter'
import { insertionOwner, mapSectionLocks, sectionIndexAt, type SectionLock } from './lock-state'
import type { Text, Transaction } from '@codemirror/state'

/** The implementation before `mappedNear`: every section mapped. */
function affectedByWholeMapping(tr: Transaction, locks: readonly SectionLock[]): number[] {
  const out = new Set<number>()
  const lines: Array<[number, number]> = []
  const endsWithBreak = (t: Text) => t.length > 0 && t.sliceString(t.length - 1) === '\n'
  tr.changes.iterChanges((fromA, toA, fromB, toB, inserted) => {
    lines.push([fromB, toB])
    if (fromA === toA) {
      const k = insertionOwner(locks, fromA, endsWithBreak(inserted))
      if (k >= 0) out.add(k)
      return
    }
    let first = Math.max(0, sectionIndexAt(locks, fromA))
    while (first > 0 && locks[first - 1].to >= fromA) first--
    for (let i = first; i < locks.length && locks[i].from < toA; i++) {
      const s = locks[i]
      if (s.to > fromA || (s.from === s.to && fromA <= s.from)) out.add(i)
    }
  })
  const doc = tr.newDoc
  const mapped = mapSectionLocks(locks, tr.changes, doc)
  for (const [fromB, toB] of lines) {
    const firstLine = doc.lineAt(fromB)
    const lo = firstLine.number > 1 ? doc.line(firstLine.number - 1).from : 0
    const hi = Math.min(doc.length, doc.lineAt(toB).to + 1)
    for (let i = Math.max(1, sectionIndexAt(mapped, lo)); i < mapped.length && mapped[i].from <= hi; i++) {
      const s = mapped[i]
      if (s.from < lo || s.from === s.to) continue
      if (!startsWithHeading(doc, s.from)) {
        out.add(i)
        out.add(i - 1)
      }
    }
  }
  return [...out].sort((a, b) => a - b)
}

const LINES = ['# One', '## Two', 'text here', '', 'Setext', '===', '---', '    # code', '```', '- item']
const INSERTS = ['x', '\n', '# New\n', '\n# H', '', 'text\n## T\n', '=\n', '\n\n']

const input = sectionEdits(LINES, INSERTS).map(({ state, starts, changes }) => {
  const text = state.doc.toString()
  const locks: SectionLock[] = starts.map((from, i) => ({
    id: `s${i}`,
    from,
    to: i + 1 < starts.length ? starts[i + 1] : text.length,
    editable: true
  }))
  return { state, locks, changes }
})

describe('affectedSections', () => {
  it('finds the same sections as mapping the whole list, for any edit', () => {
    fc.assert(
      fc.property(input, ({ state, locks, changes }) => {
        const tr = state.update({ changes })
        if (!tr.docChanged) return
        expect(affectedSections(tr, locks)).toEqual(affectedByWholeMapping(tr, locks))
      }),
      { numRuns: 5000 }
    )
  })
})
