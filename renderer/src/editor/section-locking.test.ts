// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { EditorState } from '@codemirror/state'
import { EditorView } from '@codemirror/view'
import { sectionLocking } from './index'
import type { BlockedEdit } from './lock-filter'
import { sectionLocks, setSectionLocks } from './lock-state'
import { doc, locksFor, rangesOf, textOf } from './test-support'

const at = (id: string) => rangesOf().find((r) => r.id === id)!
const flush = () => new Promise<void>((resolve) => queueMicrotask(resolve))

describe('section locking in an EditorView', () => {
  let view: EditorView | null = null
  afterEach(() => view?.destroy())

  it('refuses a keystroke in a free section, and the app can grant the lock from the callback', async () => {
    const seen: BlockedEdit[] = []
    view = new EditorView({
      parent: document.body,
      state: EditorState.create({
        doc,
        extensions: sectionLocking({
          onBlockedEdit: (e) => {
            seen.push(e)
            // What the app does once locks:acquire succeeded: a new lock set, dispatched on the view.
            if (e.free && view) {
              const locks = sectionLocks(view.state).map((s) =>
                s.id === e.sectionId ? { ...s, editable: true } : s
              )
              view.dispatch({ effects: setSectionLocks.of(locks) })
            }
          }
        })
      })
    })
    view.dispatch({ effects: setSectionLocks.of(locksFor({ b: 'ann' })) })
    const pos = at('c').from + 4
    view.dispatch({ changes: { from: pos, insert: 'G' }, userEvent: 'input.type' })
    expect(view.state.doc.toString()).toBe(doc)
    await flush()
    expect(seen).toEqual([{ sectionId: 'c', free: true, heading: 'C' }])
    view.dispatch({ changes: { from: pos, insert: 'G' }, userEvent: 'input.type' })
    expect(textOf(view.state, 'c')).toBe('# C\nGgamma three\n')

    view.dispatch({ changes: { from: at('b').from + 4, insert: 'nope' }, userEvent: 'input.type' })
    await flush()
    expect(seen[1]).toMatchObject({ sectionId: 'b', free: false, holder: { user: 'Ann' } })
    expect(textOf(view.state, 'b')).toBe('# B\nbeta two\n\n')
  })
})
