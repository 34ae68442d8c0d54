// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { EditorState, Transaction } from '@codemirror/state'
import { EditorView } from '@codemirror/view'
import { sectionLocking } from './index'
import { remoteUpdate } from './lock-filter'
import { sectionLockField, setSectionLocks } from './lock-state'
import { applyRemoteSection } from './remote-update'
import { doc, locksFor, lockedState, parts, rangesOf, textOf } from './test-support'

const at = (id: string) => rangesOf().find((r) => r.id === id)!

describe('applyRemoteSection', () => {
  it('replaces only the locked section, annotated remote and outside the undo history', () => {
    const { state } = lockedState({ a: 'mine', b: 'ann' })
    const tr = applyRemoteSection(state, 'b', '# B\nbeta, rewritten by Ann\nand longer\n\n')!
    expect(tr.annotation(remoteUpdate)).toBe(true)
    expect(tr.annotation(Transaction.addToHistory)).toBe(false)
    expect(textOf(tr.state, 'b')).toBe('# B\nbeta, rewritten by Ann\nand longer\n\n')
    for (const id of ['preamble', 'a', 'c']) expect(textOf(tr.state, id)).toBe(parts[id])
  })

  it('keeps a cursor after the remote section on the same character and one before it in place', () => {
    const after = at('c').from + 6
    const { state } = lockedState({ a: 'mine', b: 'ann', c: 'mine' }, { cursor: after })
    const longer = applyRemoteSection(state, 'b', '# B\nbeta two, extended\n\n')!.state
    expect(longer.sliceDoc(longer.selection.main.head, longer.selection.main.head + 3)).toBe(
      doc.slice(after, after + 3)
    )
    const before = at('a').from + 6
    const s2 = lockedState({ a: 'mine', b: 'ann' }, { cursor: before }).state
    const shorter = applyRemoteSection(s2, 'b', '# B\n\n')!.state
    expect(shorter.selection.main.head).toBe(before)
  })

  it('keeps a cursor at the edges in the writer’s own sections, even for text appended or prepended', () => {
    const { state } = lockedState({ a: 'mine', b: 'ann', c: 'mine' }, { cursor: at('c').from })
    const appended = applyRemoteSection(state, 'b', parts.b + 'appended\n\n')!.state
    expect(appended.selection.main.head).toBe(at('c').from + 'appended\n\n'.length)
    expect(textOf(appended, 'c')).toBe(parts.c)
    expect(textOf(appended, 'b')).toBe(parts.b + 'appended\n\n')
    const s2 = lockedState({ a: 'mine', b: 'ann', c: 'mine' }, { cursor: at('b').from }).state
    const prepended = applyRemoteSection(s2, 'b', '# B\n' + parts.b)!.state
    expect(textOf(prepended, 'b')).toBe('# B\n' + parts.b)
    expect(textOf(prepended, 'a')).toBe(parts.a)
  })

  it('fills an empty remote preamble without pulling the cursor out of the first section', () => {
    const { state } = lockedState({ preamble: 'ann', a: 'mine' }, { cursor: 0 })
    const next = applyRemoteSection(state, 'preamble', 'Front matter\n\n')!.state
    expect(textOf(next, 'preamble')).toBe('Front matter\n\n')
    expect(textOf(next, 'a')).toBe(parts.a)
    expect(next.selection.main.head).toBe('Front matter\n\n'.length)
  })

  it('keeps a selection inside the own section spanning its text', () => {
    const { state } = lockedState({ a: 'mine', b: 'ann', c: 'mine' })
    const sel = state.update({ selection: { anchor: at('c').from, head: at('c').to } }).state
    const next = applyRemoteSection(sel, 'b', 'x')!.state
    expect(next.sliceDoc(next.selection.main.from, next.selection.main.to)).toBe(parts.c)
  })

  it('stores CRLF text from disk as the editor’s line breaks', () => {
    const { state } = lockedState({ b: 'ann' })
    const next = applyRemoteSection(state, 'b', '# B\r\nnew\r\n\r\n')!.state
    expect(textOf(next, 'b')).toBe('# B\nnew\n\n')
    expect(textOf(next, 'c')).toBe(parts.c)
  })

  it('returns null for an unknown section or unchanged text', () => {
    const { state } = lockedState({ b: 'ann' })
    expect(applyRemoteSection(state, 'nope', 'x')).toBeNull()
    expect(applyRemoteSection(state, 'b', parts.b)).toBeNull()
  })

  it('leaves the section locked afterwards: local typing in it is still refused', () => {
    const { state } = lockedState({ a: 'mine', b: 'ann' })
    const next = applyRemoteSection(state, 'b', '# B\nnew\n\n')!.state
    const b = next.field(sectionLockField).find((s) => s.id === 'b')!
    const typed = next.update({ changes: { from: b.from + 5, insert: 'X' } }).state
    expect(typed.doc.toString()).toBe(next.doc.toString())
  })
})

describe('applyRemoteSection on an EditorView', () => {
  let view: EditorView | null = null
  afterEach(() => view?.destroy())

  it('dispatches into the view and keeps the writer’s cursor', () => {
    const cursor = at('c').from + 4
    view = new EditorView({
      parent: document.body,
      state: EditorState.create({ doc, selection: { anchor: cursor }, extensions: sectionLocking() })
    })
    view.dispatch({ effects: setSectionLocks.of(locksFor({ a: 'ann', b: 'ann', c: 'mine' })) })
    applyRemoteSection(view, 'a', '# A\nAnn wrote this\n\n')
    applyRemoteSection(view, 'b', '# B\n\n')
    expect(textOf(view.state, 'a')).toBe('# A\nAnn wrote this\n\n')
    expect(textOf(view.state, 'c')).toBe(parts.c)
    const head = view.state.selection.main.head
    expect(view.state.sliceDoc(head - 4, head)).toBe('# C\n')
    expect(view.contentDOM.textContent).toContain('Ann wrote this')
  })
})
