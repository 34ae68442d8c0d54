import { EditorSelection, EditorState } from '@codemirror/state'
import { describe, expect, it } from 'vitest'
import { mergedDocument, remoteDocumentSpec } from './remote-document'
import { planSnapshot } from './session-sync'
import { sectionLockField, sectionLocks, setSectionLocks, type SectionLock } from './lock-state'
import { sectionLockFilter } from './lock-filter'

const lock = (id: string, from: number, to: number, editable: boolean): SectionLock => ({
  id,
  from,
  to,
  heading: id,
  editable
})

function editor(text: string, locks: SectionLock[], cursor: number) {
  const state = EditorState.create({
    doc: text,
    selection: EditorSelection.cursor(cursor),
    extensions: [sectionLockField, sectionLockFilter]
  })
  return state.update({ effects: setSectionLocks.of(locks) }).state
}

describe('a remote change of the document shape while holding a section', () => {
  // A: 0–8, B: 8–17, C: 17–28; the writer holds B and has typed "mine!" (unsaved).
  const typed = '# A\none\n# B\nmine!\n# C\nthree\n'
  const locks = [lock('a', 0, 8, false), lock('b', 8, 18, true), lock('c', 18, 29, false)]

  it("keeps the writer's held text and cursor, takes everyone else's changes, and new sections", () => {
    const state = editor(typed, locks, 17) // the cursor after "mine!"
    // Someone inserted a section X before B and changed C; the server still has B's saved text.
    const server = '# A\none\n# X\nnew\n# B\nmine\n# C\nthree, edited\n'
    const serverRanges = [
      { id: 'a', from: 0, to: 8 },
      { id: 'x', from: 8, to: 16 },
      { id: 'b', from: 16, to: 25 },
      { id: 'c', from: 25, to: 43 }
    ]
    const merged = mergedDocument(state, server, serverRanges)
    expect(merged.text).toBe('# A\none\n# X\nnew\n# B\nmine!\n# C\nthree, edited\n')
    expect(merged.ranges.find((r) => r.id === 'b')).toEqual({ id: 'b', from: 16, to: 26 })
    const next = state.update(
      remoteDocumentSpec(
        state,
        merged.text,
        merged.ranges.map((r) => lock(r.id, r.from, r.to, r.id === 'b'))
      )
    ).state
    expect(next.doc.toString()).toBe(merged.text)
    expect(next.sliceDoc(next.selection.main.head - 5, next.selection.main.head)).toBe('mine!')
    expect(sectionLocks(next).map((l) => [l.id, l.from, l.to])).toEqual([
      ['a', 0, 8],
      ['x', 8, 16],
      ['b', 16, 26],
      ['c', 26, 44]
    ])
  })

  it('names a held section the server deleted, so its text can be kept as a draft', () => {
    const state = editor(typed, locks, 16)
    const section = (id: string, from: number, to: number) => ({
      id,
      level: 1,
      heading: id.toUpperCase(),
      from,
      to,
      sha256: id.repeat(64)
    })
    const snapshot = {
      document: 'd.md',
      fileSha256: 'f'.repeat(64),
      text: '# A\none\n# C\nthree\n',
      sections: [section('a', 0, 8), section('c', 8, 19)],
      locks: [],
      readOnly: null
    }
    expect(planSnapshot(state, snapshot, new Map()).orphans).toEqual([{ id: 'b', text: '# B\nmine!\n' }])
  })
})
