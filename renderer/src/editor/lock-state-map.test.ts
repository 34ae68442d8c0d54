/**
 * `mapSectionLocks` runs the boundary rules only from the first change to just past the last one
 * and shifts the rest; this compares it with the whole-list mapping it replaced (every boundary
 * through the rules), over random documents, section lists (empty sections, held and free ones
 * mixed) and edits — and checks that the id index handed on with the mapped list still matches it.
 */
import { EditorState, type ChangeSet, type Text } from '@codemirror/state'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { followBroughtHeadings, mapBoundaries } from './boundaries'
import { sectionEdits } from './section-edits-arbitrary'
import {
  claimSections,
  isMine,
  mapSectionLocks,
  patchSections,
  replaceRun,
  sectionLockField,
  sectionLocks,
  setSectionLocks,
  setSectionRange,
  type SectionLock
} from './lock-state'
import { mineOf, sectionIndex } from './section-index'

/** The implementation before the fast path: every boundary through the rules. */
function mapWhole(locks: readonly SectionLock[], changes: ChangeSet, doc: Text, stored: boolean) {
  const old = locks.map((s) => s.from)
  const mappedStarts = mapBoundaries(old.slice(1), changes, doc)
  const touched: [number, number][] = []
  if (stored) changes.iterChangedRanges((fromA, toA) => touched.push([fromA, toA]))
  let t = 0
  const starts: number[] = [0]
  for (let i = 1; i < locks.length; i++) {
    let p = mappedStarts[i - 1]
    if (stored) {
      while (t < touched.length && touched[t][1] < old[i]) t++
      if (t < touched.length && touched[t][0] <= old[i]) p = doc.lineAt(p).from
    }
    starts.push(Math.max(starts[i - 1], p))
  }
  if (stored)
    followBroughtHeadings(
      (i) => old[i],
      starts,
      (i) => isMine(locks[i]),
      changes,
      doc
    )
  return locks.map((s, i) => [s.id, starts[i], i === locks.length - 1 ? doc.length : starts[i + 1]])
}

const LINES = ['# One', '## Two', 'text here', '', 'Setext', '===', '---', '```', '- item']
const INSERTS = ['x', '\n', '# New\n', '\n# H', '', 'text\n## T\n', '=\n', '\n\n', '# A\n# B\n']

const input = sectionEdits(LINES, INSERTS).map(({ state, starts, changes, mine }) => {
  const text = state.doc.toString()
  const locks: SectionLock[] = starts.map((from, i) => ({
    id: `s${i}`,
    from,
    to: i + 1 < starts.length ? starts[i + 1] : text.length,
    editable: mine[i],
    ...(mine[i] || i % 3 ? {} : { holder: { user: 'ann', host: 'h', since: '', colour: 'red' } })
  }))
  return { state, locks, changes }
})

describe('mapSectionLocks', () => {
  it('maps every section as the whole-list mapping does, for any edit, stored or not', () => {
    fc.assert(
      fc.property(input, fc.boolean(), ({ state, locks, changes }, stored) => {
        const tr = state.update({ changes })
        if (!tr.docChanged) return
        sectionIndex(locks)
        const mapped = mapSectionLocks(locks, tr.changes, tr.newDoc, stored)
        expect(mapped.map((s) => [s.id, s.from, s.to])).toEqual(
          mapWhole(locks, tr.changes, tr.newDoc, stored)
        )
        // Untouched sections stay the same objects; the index handed on still fits the list.
        mapped.forEach((s, i) => {
          if (s.from === locks[i].from && s.to === locks[i].to) expect(s).toBe(locks[i])
        })
        const index = sectionIndex(mapped)
        expect([...index.byId]).toEqual(mapped.map((s, i) => [s.id, i]))
        expect([...index.holders].sort()).toEqual(
          mapped
            .filter((s) => s.holder)
            .map((s) => s.id)
            .sort()
        )
        expect(mineOf(mapped)).toEqual(mapped.filter(isMine))
      }),
      { numRuns: 5000 }
    )
  })
})

describe('mineOf', () => {
  it('lists the sections the filter lists, through any claims and phase patches', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('claim' as const), ids: fc.array(fc.nat(11), { maxLength: 3 }) }),
      fc.record({
        kind: fc.constant('patch' as const),
        at: fc.nat(11),
        phase: fc.constantFrom('free', 'other', 'acquiring', 'held', undefined),
        editable: fc.boolean()
      })
    )
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(step, { maxLength: 8 }), (n, steps) => {
        const doc = 'x'.repeat(n)
        const locks: SectionLock[] = Array.from({ length: n }, (_, i) => ({
          id: `s${i}`,
          from: i,
          to: i + 1,
          editable: i % 3 === 0
        }))
        let state = EditorState.create({ doc, extensions: sectionLockField }).update({
          effects: setSectionLocks.of(locks)
        }).state
        sectionIndex(sectionLocks(state))
        let claim = 1
        for (const st of steps) {
          const effect =
            st.kind === 'claim'
              ? claimSections.of({
                  claim: claim++,
                  ids: st.ids.map((i) => `s${i % n}`),
                  join: [],
                  before: {}
                })
              : patchSections.of(
                  new Map([
                    [`s${st.at % n}`, { phase: st.phase as SectionLock['phase'], editable: st.editable }]
                  ])
                )
          state = state.update({ effects: effect }).state
          const now = sectionLocks(state)
          expect(mineOf(now)).toEqual(now.filter(isMine))
        }
      }),
      { numRuns: 3000 }
    )
  })
})

/** What `replaceRun` did before the in-place path: drop, append, sort, clamp and re-tile everything. */
function replaceWhole(
  locks: readonly SectionLock[],
  run: { replace: readonly string[]; sections: readonly SectionLock[] },
  docLength: number
) {
  const gone = new Set(run.replace)
  const kept = locks.filter((s) => !gone.has(s.id) && !run.sections.some((n) => n.id === s.id))
  const clamp = (n: number) => Math.min(Math.max(0, n), docLength)
  const sorted = [...kept, ...run.sections]
    .map((s) => ({ ...s, from: clamp(s.from), to: clamp(s.to) }))
    .sort((a, b) => a.from - b.from || a.to - b.to)
  let end = 0
  for (const s of sorted) {
    s.from = Math.max(s.from, end)
    s.to = Math.max(s.to, s.from)
    end = s.to
  }
  if (sorted.length > 0) {
    sorted[0].from = 0
    for (let i = 0; i < sorted.length - 1; i++) sorted[i].to = sorted[i + 1].from
    sorted[sorted.length - 1].to = docLength
  }
  return sorted
}

describe('replaceRun', () => {
  it('gives what dropping, sorting and re-tiling every section gives, for any run', () => {
    const input = fc.record({
      cuts: fc.uniqueArray(fc.nat(60), { minLength: 1, maxLength: 12 }),
      empties: fc.array(fc.nat(60), { maxLength: 3 }),
      first: fc.nat(20),
      count: fc.nat(4),
      newCuts: fc.array(fc.integer({ min: -3, max: 63 }), { maxLength: 4 }),
      reuse: fc.array(fc.boolean(), { maxLength: 5 }),
      holder: fc.boolean(),
      // A pinned range first (a remote section's), which can leave the list not quite tiling.
      pin: fc.option(fc.record({ at: fc.nat(20), from: fc.nat(60), len: fc.nat(10) }))
    })
    fc.assert(
      fc.property(input, ({ cuts, empties, first, count, newCuts, reuse, holder, pin }) => {
        const doc = 'x'.repeat(60)
        const starts = [0, ...cuts.filter((c) => c > 0), ...empties].sort((a, b) => a - b)
        const locks: SectionLock[] = starts.map((from, i) => ({
          id: `s${i}`,
          from,
          to: i + 1 < starts.length ? starts[i + 1] : doc.length,
          editable: i % 2 === 0
        }))
        const f = first % locks.length
        const replace = locks.slice(f, f + count + 1).map((s) => s.id)
        const lo = locks[f].from
        const hi = locks[Math.min(locks.length - 1, f + count)].to
        const inner = [
          lo,
          ...newCuts.map((c) => lo + (c % Math.max(1, hi - lo + 1))).sort((a, b) => a - b),
          hi
        ]
        const sections: SectionLock[] = inner.slice(0, -1).map((from, k) => ({
          id: reuse[k] ? replace[k % replace.length] : `n${k}`,
          from,
          to: inner[k + 1],
          editable: true,
          ...(holder && k === 0 ? { holder: { user: 'ann', host: 'h', since: '', colour: 'red' } } : {})
        }))
        let state = EditorState.create({ doc, extensions: sectionLockField }).update({
          effects: setSectionLocks.of(locks)
        }).state
        if (pin) {
          const from = Math.min(pin.from, doc.length)
          const r = { id: `s${pin.at % locks.length}`, from, to: Math.min(doc.length, from + pin.len) }
          state = state.update({ effects: setSectionRange.of(r) }).state
        }
        sectionIndex(sectionLocks(state))
        const next = sectionLocks(state.update({ effects: replaceRun.of({ replace, sections }) }).state)
        expect(next).toEqual(replaceWhole(sectionLocks(state), { replace, sections }, doc.length))
        const index = sectionIndex(next)
        for (const s of next) expect(next.findIndex((x) => x.id === s.id)).toBe(index.byId.get(s.id))
        expect(index.byId.size).toBe(new Set(next.map((s) => s.id)).size)
        expect([...index.mine].sort()).toEqual([...new Set(next.filter(isMine).map((s) => s.id))].sort())
        expect(mineOf(next)).toEqual(next.filter(isMine))
        expect([...index.holders].sort()).toEqual(
          next
            .filter((s) => s.holder)
            .map((s) => s.id)
            .sort()
        )
      }),
      { numRuns: 5000 }
    )
  })
})
