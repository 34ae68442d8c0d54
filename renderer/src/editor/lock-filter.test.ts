import { describe, expect, it } from 'vitest'
import { EditorSelection, EditorState, Transaction } from '@codemirror/state'
import { remoteUpdate, setConnected } from './lock-filter'
import { claimSections, sectionLocks } from './lock-state'
import { doc, lockedState, parts, rangesOf, textOf } from './test-support'

const at = (id: string) => rangesOf().find((r) => r.id === id)!
const flush = () => new Promise<void>((resolve) => queueMicrotask(resolve))

describe('section lock filter', () => {
  it('lets the writer type inside a section they hold', () => {
    const { state, blocked } = lockedState({ a: 'mine', b: 'ann' })
    const pos = at('a').from + 5
    const next = state.update({ changes: { from: pos, insert: 'X' }, selection: { anchor: pos + 1 } }).state
    expect(textOf(next, 'a')).toBe('# A\naXlpha one\n\n')
    expect(textOf(next, 'b')).toBe(parts.b)
    expect(next.selection.main.head).toBe(pos + 1)
    expect(blocked).toEqual([])
  })

  it('refuses typing inside a section held by someone else and keeps the selection', () => {
    const { state } = lockedState({ a: 'mine', b: 'ann' }, { cursor: at('b').from + 5 })
    const tr = state.update({
      changes: { from: at('b').from + 5, insert: 'X' },
      selection: { anchor: at('b').from + 6 }
    })
    expect(tr.state.doc.toString()).toBe(doc)
    expect(tr.state.selection.main.head).toBe(at('b').from + 5)
  })

  it('refuses a delete spanning the own section and a locked one, wholesale', () => {
    const { state } = lockedState({ a: 'mine', b: 'ann' })
    const tr = state.update({ changes: { from: at('a').from + 4, to: at('b').from + 3 } })
    expect(tr.docChanged).toBe(false)
    expect(tr.state.doc.toString()).toBe(doc)
  })

  it('refuses a paste over a selection reaching into a locked section', () => {
    const { state } = lockedState({ a: 'mine', b: 'ann' })
    const spanning = state.update({
      selection: EditorSelection.range(at('a').to - 3, at('b').from + 1)
    }).state
    const paste = spanning.update(spanning.replaceSelection('pasted\n'), { userEvent: 'input.paste' })
    expect(paste.state.doc.toString()).toBe(doc)
    expect(paste.state.selection.eq(spanning.selection)).toBe(true)
  })

  it('refuses a multi-cursor edit of which one cursor is in a locked section: nothing applies', () => {
    const { state } = lockedState({ a: 'mine', b: 'ann', c: 'mine' })
    const tr = state.update({
      changes: [
        { from: at('a').from + 5, insert: 'X' },
        { from: at('b').from + 5, insert: 'X' },
        { from: at('c').from + 5, insert: 'X' }
      ]
    })
    expect(tr.state.doc.toString()).toBe(doc)
  })

  it('refuses deleting the line break before a locked heading (it would glue the heading to a line)', () => {
    const { state } = lockedState({ a: 'mine', b: 'ann' })
    // Section A ends "one\n\n": dropping both breaks would leave "alpha one# B".
    const tr = state.update(
      { changes: { from: at('b').from - 2, to: at('b').from } },
      { userEvent: 'delete.backward' }
    )
    expect(tr.state.doc.toString()).toBe(doc)
  })

  it('refuses typing at the start of a locked heading line but accepts whole lines there, which join the own section', () => {
    const { state } = lockedState({ a: 'mine', b: 'ann' })
    const glued = state.update({ changes: { from: at('b').from, insert: 'x' } })
    expect(glued.state.doc.toString()).toBe(doc)
    const line = state.update({ changes: { from: at('b').from, insert: 'new line\n' } }).state
    expect(textOf(line, 'a')).toBe(parts.a + 'new line\n')
    expect(textOf(line, 'b')).toBe(parts.b)
  })

  it('lets the writer delete their own last line before a locked heading', () => {
    const { state } = lockedState({ a: 'mine', b: 'ann' })
    const next = state.update({ changes: { from: at('a').to - 1, to: at('a').to } }).state
    expect(textOf(next, 'a')).toBe('# A\nalpha one\n')
    expect(textOf(next, 'b')).toBe(parts.b)
  })

  it('lets remote updates change a locked section', () => {
    const { state, blocked } = lockedState({ a: 'mine', b: 'ann' })
    const next = state.update({
      changes: { from: at('b').from + 4, to: at('b').to - 2, insert: 'BETA' },
      annotations: [remoteUpdate.of(true), Transaction.addToHistory.of(false)]
    }).state
    expect(textOf(next, 'b')).toBe('# B\nBETA\n\n')
    expect(blocked).toEqual([])
  })

  it('allows edits across two sections the writer holds', () => {
    const { state } = lockedState({ a: 'mine', b: 'mine' })
    const next = state.update({ changes: { from: at('a').to - 2, to: at('b').from + 2, insert: '' } }).state
    expect(next.doc.toString()).not.toBe(doc)
  })

  it('claims a free section: the edit applies at once and the section is being acquired', async () => {
    const { state, blocked } = lockedState({ a: 'mine' })
    const tr = state.update({ changes: { from: at('c').from + 6, insert: 'q' } }, { userEvent: 'input.type' })
    expect(textOf(tr.state, 'c')).toBe('# C\ngaqmma three\n')
    const claim = tr.effects.find((e) => e.is(claimSections))
    expect(claim?.value).toEqual({ claim: 1, ids: ['c'], join: [], before: { c: parts.c } })
    expect(sectionLocks(tr.state).find((x) => x.id === 'c')).toMatchObject({
      phase: 'acquiring',
      editable: true,
      claim: 1
    })
    // The next keystroke into the same section joins the claim instead of asking again.
    const more = tr.state.update({ changes: { from: at('c').from + 7, insert: 'r' } })
    expect(more.effects.find((e) => e.is(claimSections))?.value).toMatchObject({
      claim: 1,
      ids: [],
      join: []
    })
    await flush()
    expect(blocked).toEqual([])
  })

  it('claims the section above too when a heading is destroyed (its text would join that section)', () => {
    const { state } = lockedState({ b: 'mine' })
    // Backspace at the start of B's heading line: the line break belongs to A.
    const tr = state.update({ changes: { from: at('b').from - 1, to: at('b').from } })
    expect(tr.effects.find((e) => e.is(claimSections))?.value).toMatchObject({ ids: ['a'] })
    // Deleting the `#` of one's own heading merges it into the section above: claimed as well.
    const hash = state.update({ changes: { from: at('b').from, to: at('b').from + 2 } })
    expect(hash.effects.find((e) => e.is(claimSections))?.value).toMatchObject({ ids: ['a'] })
  })

  it('refuses everything while disconnected, and says so', async () => {
    const { state, blocked } = lockedState({ a: 'mine' })
    const offline = state.update({ effects: setConnected.of(false) }).state
    const tr = offline.update({ changes: { from: at('a').from + 5, insert: 'X' } })
    expect(tr.state.doc.toString()).toBe(doc)
    await flush()
    expect(blocked).toEqual([{ sectionId: '', reason: 'offline' }])
    const back = tr.state.update({ effects: setConnected.of(true) }).state
    expect(back.update({ changes: { from: at('a').from + 5, insert: 'X' } }).state.doc.toString()).not.toBe(
      doc
    )
  })

  it('names the holder of a locked section, preferring it over a free one in the same edit', async () => {
    const { state, blocked } = lockedState({ b: 'ann' })
    state.update({ changes: { from: at('b').from + 5, to: at('c').from + 5 } })
    await flush()
    expect(blocked).toHaveLength(1)
    expect(blocked[0]).toMatchObject({
      sectionId: 'b',
      reason: 'held',
      holder: { user: 'Ann', host: 'studio-pc' }
    })
  })

  it('refuses an edit in a section whose lock was lost since (e.g. an undo replayed later)', () => {
    const { state } = lockedState({ a: 'mine' })
    const typed = state.update({ changes: { from: at('a').from + 5, insert: 'X' } }).state
    expect(textOf(typed, 'a')).toContain('aXlpha')
    const lost = lockedState(
      { a: 'ann' },
      { text: typed.doc.toString(), parts: { ...parts, a: textOf(typed, 'a') } }
    )
    const undo = lost.state.update({ changes: { from: at('a').from + 5, to: at('a').from + 6 } })
    expect(undo.state.doc.toString()).toBe(typed.doc.toString())
  })

  it('passes transactions that change no text (selection moves)', () => {
    const { state } = lockedState({ b: 'ann' })
    const next = state.update({ selection: { anchor: at('b').from + 3 } }).state
    expect(next.selection.main.head).toBe(at('b').from + 3)
  })

  it('judges the transaction other filters produce, not only the one dispatched', () => {
    // A filter (say, auto-formatting) that also touches the locked section B.
    const sneaky = EditorState.transactionFilter.of((tr) =>
      tr.docChanged ? [tr, { changes: { from: at('b').from + 4, insert: '!' }, sequential: true }] : tr
    )
    const { state } = lockedState({ a: 'mine', b: 'ann' }, { extensions: sneaky })
    const tr = state.update({ changes: { from: at('a').from + 5, insert: 'X' } })
    expect(tr.state.doc.toString()).toBe(doc)
  })
})
