// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { EditorState } from '@codemirror/state'
import type { Decoration } from '@codemirror/view'
import { EditorView } from '@codemirror/view'
import { sectionLocking } from './index'
import { buildLockDecorations, luminance, userColour } from './lock-decorations'
import { sectionLockField, sectionLocks, setSectionLocks } from './lock-state'
import { ann, doc, locksFor, lockedState, rangesOf } from './test-support'
import type { Who } from './test-support'

const at = (id: string) => rangesOf().find((r) => r.id === id)!
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))
const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)

describe('userColour', () => {
  const names = Array.from({ length: 200 }, (_, i) => `owner-${i}-${'xyz'.repeat(i % 4)}`).concat([
    'Ann',
    'Bob',
    'Zoë',
    '陈'
  ])

  it('is a stable hex colour per user', () => {
    expect(userColour('Ann')).toBe(userColour('Ann'))
    expect(userColour('Ann')).toMatch(/^#[0-9a-f]{6}$/)
    expect(new Set(names.map(userColour)).size).toBeGreaterThan(150)
  })

  it('reads on light and dark backgrounds (≥ 4.5:1 against white and black)', () => {
    for (const name of names) {
      const l = luminance(rgb(userColour(name)))
      expect(contrast(l, 1)).toBeGreaterThanOrEqual(4.5)
      expect(contrast(l, 0)).toBeGreaterThanOrEqual(4.5)
    }
  })
})

function decorations(state: EditorState) {
  const out: Array<{ from: number; value: Decoration }> = []
  buildLockDecorations(state).between(0, state.doc.length, (from, _to, value) => {
    out.push({ from, value })
  })
  return out
}

describe('buildLockDecorations', () => {
  it('colours every line of a section held by someone else, marks own sections, leaves free ones plain', () => {
    const { state } = lockedState({ a: 'mine', b: 'ann' })
    const lines = decorations(state).filter((d) => d.value.spec.class)
    const classAt = (pos: number) => lines.find((d) => d.from === pos)?.value.spec.class
    const lineStarts = (id: string) => {
      const r = at(id)
      const starts: number[] = []
      for (let p = r.from; p < r.to; p = state.doc.lineAt(p).to + 1) starts.push(p)
      return starts
    }
    for (const p of lineStarts('a')) expect(classAt(p)).toBe('cm-section-mine')
    for (const p of lineStarts('b')) expect(classAt(p)).toBe('cm-section-locked')
    for (const p of lineStarts('c')) expect(classAt(p)).toBeUndefined()
    const b = lines.find((d) => d.from === at('b').from)!
    expect(b.value.spec.attributes.style).toContain('#a0522d')
  })

  it('puts a badge at the end of the locked heading line, and a saved mark at the held one', () => {
    const { state } = lockedState({ a: 'mine', b: 'ann' })
    const widgets = decorations(state).filter((d) => d.value.spec.widget)
    expect(widgets.map((w) => [w.from, w.value.spec.widget.constructor.name])).toEqual([
      [state.doc.lineAt(at('a').from).to, 'SavedMark'],
      [state.doc.lineAt(at('b').from).to, 'HolderBadge']
    ])
  })

  it('limits itself to the visible ranges', () => {
    const { state } = lockedState({ a: 'ann', b: 'ann', c: 'ann' })
    const c = at('c')
    const set = buildLockDecorations(state, [{ from: c.from, to: c.to }])
    let count = 0
    set.between(0, at('b').to - 1, () => {
      count++
    })
    expect(count).toBe(0)
  })
})

describe('lock decorations in an EditorView', () => {
  let view: EditorView | null = null
  afterEach(() => view?.destroy())

  it('shows the holder’s name at the heading and updates when the locks change', () => {
    view = new EditorView({
      parent: document.body,
      state: EditorState.create({ doc, extensions: sectionLocking() })
    })
    view.dispatch({ effects: setSectionLocks.of(locksFor({ a: 'mine', b: 'ann' })) })
    const badge = view.dom.querySelector('.cm-section-holder')
    expect(badge?.textContent).toBe(`Ann · studio-pc · since ${ann.sinceText}`)
    expect(view.dom.querySelectorAll('.cm-section-locked')).toHaveLength(3)
    expect(view.dom.querySelectorAll('.cm-section-mine').length).toBeGreaterThan(0)
    view.dispatch({ effects: setSectionLocks.of(locksFor({ a: 'mine' })) })
    expect(view.dom.querySelector('.cm-section-holder')).toBeNull()
  })
})

/** What the decorations were when every section was looked at: (position, class or widget) pairs. */
function wholeLoop(state: EditorState, ranges: readonly { from: number; to: number }[]): string[] {
  const doc = state.doc
  const out: string[] = []
  for (const s of sectionLocks(state)) {
    const kind = s.editable ? 'mine' : s.holder ? 'locked' : null
    if (!kind || s.from >= s.to) continue
    const end = s.to === doc.length ? s.to : s.to - 1
    let done = 0
    for (const r of ranges) {
      const lo = Math.max(s.from, r.from)
      const hi = Math.min(end, r.to)
      if (lo > hi) continue
      for (let n = Math.max(doc.lineAt(lo).number, done + 1); n <= doc.lineAt(hi).number; n++) {
        out.push(`${doc.line(n).from} cm-section-${kind}`)
        done = n
      }
    }
    const first = doc.lineAt(s.from)
    if (ranges.some((r) => r.from <= first.to && r.to >= first.from))
      out.push(`${first.to} ${kind === 'mine' ? 'SavedMark' : 'HolderBadge'}`)
  }
  return out.sort()
}

describe('buildLockDecorations over part of the document', () => {
  it('gives what looking at every section gives, for any sections and visible ranges', () => {
    const LINES = ['# A', 'text', '', '## B', 'more text here']
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...LINES), { minLength: 1, maxLength: 30 }),
        fc.uniqueArray(fc.nat(200), { maxLength: 10 }),
        fc.array(fc.constantFrom<Who>('mine', 'ann', 'free'), { minLength: 12, maxLength: 12 }),
        fc.array(fc.nat(200), { minLength: 1, maxLength: 6 }),
        (lines, cuts, who, edges) => {
          const text = lines.join('\n')
          // Boundaries anywhere (mid-line ones too: a heading glued to the line above).
          const starts = [0, ...cuts.map((c) => c % (text.length + 1)).filter((c) => c > 0)].sort(
            (a, b) => a - b
          )
          const locks = starts.map((from, i) => ({
            id: `s${i}`,
            from,
            to: i + 1 < starts.length ? starts[i + 1] : text.length,
            editable: who[i % who.length] === 'mine',
            ...(who[i % who.length] === 'ann' ? { holder: ann } : {})
          }))
          const state = EditorState.create({ doc: text, extensions: sectionLockField }).update({
            effects: setSectionLocks.of(locks)
          }).state
          const e = edges.map((x) => x % (text.length + 1)).sort((a, b) => a - b)
          const ranges: { from: number; to: number }[] = []
          for (let i = 0; i + 1 < e.length; i += 2) ranges.push({ from: e[i], to: e[i + 1] })
          if (ranges.length === 0) ranges.push({ from: e[0], to: text.length })
          const got: string[] = []
          buildLockDecorations(state, ranges).between(0, text.length, (from, _to, value) => {
            got.push(`${from} ${value.spec.class ?? value.spec.widget.constructor.name}`)
          })
          expect(got.sort()).toEqual(wholeLoop(state, ranges))
        }
      ),
      { numRuns: 10000 }
    )
  })
})
