import { describe, expect, it } from 'vitest'
import { createStore } from 'zustand/vanilla'
import { createNoticeSlice, type NoticeSlice } from './notices'

const notices = () => createStore<NoticeSlice>()(createNoticeSlice())

describe('notices', () => {
  it('the same words of the same kind without a key are one notice, the newest', () => {
    const store = notices()
    const n = store.getState()
    for (let i = 0; i < 5; i++) n.notify({ kind: 'error', text: 'Could not save “Budget”.' })
    n.notify({ kind: 'warning', text: 'Could not save “Budget”.' })
    n.notify({ kind: 'error', text: 'Could not save “Intro”.' })
    const shown = store.getState().notices
    expect(shown.map((x) => `${x.kind}: ${x.text}`)).toEqual([
      'error: Could not save “Budget”.',
      'warning: Could not save “Budget”.',
      'error: Could not save “Intro”.'
    ])
    // The one kept is the last one notified (newest id), so it is shown last among its equals.
    expect(shown[0]?.id).toBe(5)
  })

  it('a keyed notice does not replace an unkeyed one with the same words, nor kept text', () => {
    const store = notices()
    const n = store.getState()
    n.notify({ kind: 'warning', text: 'Held.' })
    n.notify({ key: 'held:a', kind: 'warning', text: 'Held.' })
    n.notify({ kind: 'warning', text: 'Held.', draft: { sectionId: 'a', text: 'words' } })
    n.notify({ kind: 'warning', text: 'Held.' })
    expect(store.getState().notices.map((x) => [x.key ?? null, x.draft?.text ?? null])).toEqual([
      ['held:a', null],
      [null, 'words'],
      [null, null]
    ])
  })
})
