// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { EditorState } from '@codemirror/state'
import type { Decoration } from '@codemirror/view'
import { EditorView } from '@codemirror/view'
import { sectionLocking } from './index'
import { buildLockDecorations, luminance, userColour } from './lock-decorations'
import { setSectionLocks } from './lock-state'
import { ann, doc, locksFor, lockedState, rangesOf } from './test-support'

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
