import { afterEach, describe, expect, it, vi } from 'vitest'
import { ErrorCode, type Result } from '../../../shared/errors'
import { SectionedClient } from '../ipc/client'
import type { ConnectionStatus, Transport } from '../ipc/transport'
import { createAppStore } from './store'

const SHA = 'f'.repeat(64)
const snapshot = (document: string) => ({
  document,
  fileSha256: SHA,
  text: `# ${document}\n`,
  sections: [],
  locks: [],
  readOnly: null
})

/** Answers from a table (an answer may be held back by returning a promise) and records what was asked. */
class FakeTransport implements Transport {
  readonly kind = 'web' as const
  calls: { channel: string; payload: unknown }[] = []
  answers: Record<string, (payload: unknown) => Result<unknown> | Promise<Result<unknown>>> = {
    'workspace:info': () => ({
      ok: true,
      value: { root: '/w', user: 'ann', host: 'h', instanceId: 'i', heartbeatIntervalMs: 1, idleTimeoutMs: 1 }
    }),
    'documents:list': () => ({ ok: true, value: { documents: ['a.md', 'b.md'], folders: [] } }),
    'documents:open': (p) => ({ ok: true, value: snapshot((p as { document: string }).document) }),
    'journal:list': () => ({ ok: true, value: { entries: [] } }),
    'drafts:list': () => ({ ok: true, value: { drafts: [] } }),
    'places:remember': () => ({ ok: true, value: { ok: true } })
  }
  async invoke(channel: string, payload: unknown): Promise<Result<unknown>> {
    this.calls.push({ channel, payload })
    const answer = this.answers[channel]
    return answer ? answer(payload) : { ok: false, error: { code: ErrorCode.Io, message: `no ${channel}` } }
  }
  on() {
    return () => undefined
  }
  onStatus(cb: (s: ConnectionStatus) => void) {
    void cb
    return () => undefined
  }
  sent(channel: string) {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.payload)
  }
}

const place = (document: string, top: number) => ({ document, top, anchor: top + 2, head: top + 2 })

function setup(shown: string | null) {
  const t = new FakeTransport()
  t.answers['places:get'] = () => ({
    ok: true,
    value: { shown, documents: shown ? [place(shown, 40), place('b.md', 7)] : [] }
  })
  const { store, dispose } = createAppStore(new SectionedClient(t), { now: () => 0 })
  return { t, store, dispose }
}

afterEach(() => vi.useRealTimers())

describe('places', () => {
  it('reopens the document shown last, with the places the host remembered', async () => {
    const { t, store, dispose } = setup('a.md')
    await store.getState().loadWorkspace()
    await store.getState().reopenLast()
    expect(store.getState().current).toBe('a.md')
    expect(store.getState().places['a.md']).toEqual(place('a.md', 40))
    expect(store.getState().recentDocuments).toEqual(['a.md', 'b.md'])
    expect(t.sent('documents:open')).toEqual([{ document: 'a.md' }])
    dispose()
  })

  it('opens nothing, and says nothing, when the document is not in the folder any more', async () => {
    const { t, store, dispose } = setup('gone.md')
    await store.getState().loadWorkspace()
    await store.getState().reopenLast()
    expect(store.getState().current).toBe(null)
    expect(t.sent('documents:open')).toEqual([])
    expect(store.getState().notices).toEqual([])
    dispose()
  })

  it('leaves a document the writer opened meanwhile alone', async () => {
    const { t, store, dispose } = setup('a.md')
    await store.getState().loadWorkspace()
    const reopening = store.getState().reopenLast()
    await store.getState().open('b.md')
    await reopening
    expect(store.getState().current).toBe('b.md')
    expect(t.sent('documents:open')).toEqual([{ document: 'b.md' }])
    dispose()
  })

  it('the document asked for last is the one shown, whatever order the answers come in', async () => {
    const { t, store, dispose } = setup(null)
    let release: () => void = () => undefined
    const held = new Promise<void>((r) => (release = r))
    t.answers['documents:open'] = async (p) => {
      const document = (p as { document: string }).document
      if (document === 'a.md') await held
      return { ok: true, value: snapshot(document) }
    }
    const first = store.getState().open('a.md')
    await store.getState().open('b.md')
    release()
    await first
    expect(store.getState().current).toBe('b.md')
    dispose()
  })

  it('a click on the document being reopened joins its read: the document is read once', async () => {
    const { t, store, dispose } = setup('a.md')
    let release: () => void = () => undefined
    const held = new Promise<void>((r) => (release = r))
    t.answers['documents:open'] = async (p) => {
      await held
      return { ok: true, value: snapshot((p as { document: string }).document) }
    }
    await store.getState().loadWorkspace()
    const reopening = store.getState().reopenLast()
    await vi.waitFor(() => expect(t.sent('documents:open')).toHaveLength(1))
    const clicked = store.getState().open('a.md')
    release()
    await Promise.all([reopening, clicked])
    expect(store.getState().current).toBe('a.md')
    expect(store.getState().snapshot?.text).toBe('# a.md\n')
    expect(t.sent('documents:open')).toEqual([{ document: 'a.md' }])
    // Once answered, a later open asks again (the answer is not kept).
    await store.getState().open('b.md')
    await store.getState().open('a.md')
    expect(t.sent('documents:open')).toEqual([
      { document: 'a.md' },
      { document: 'b.md' },
      { document: 'a.md' }
    ])
    dispose()
  })

  it('remembers a place in memory at once and sends it to the host once it settles', async () => {
    vi.useFakeTimers()
    const { t, store, dispose } = setup(null)
    store.getState().placeChanged(place('a.md', 1))
    store.getState().placeChanged(place('a.md', 2))
    store.getState().placeChanged(place('b.md', 3))
    expect(store.getState().places['a.md']).toEqual(place('a.md', 2))
    expect(store.getState().recentDocuments).toEqual(['b.md', 'a.md'])
    expect(t.sent('places:remember')).toEqual([])
    await vi.advanceTimersByTimeAsync(1000)
    // Every document shown is sent (the host keeps the order), the newest last.
    expect(t.sent('places:remember')).toEqual([place('a.md', 2), place('b.md', 3)])
    // Disposing sends what is still waiting.
    store.getState().placeChanged(place('a.md', 9))
    dispose()
    expect(t.sent('places:remember')).toEqual([place('a.md', 2), place('b.md', 3), place('a.md', 9)])
  })

  it('a renamed document keeps its place and its rank', () => {
    const { store, dispose } = setup(null)
    store.getState().placeChanged(place('a.md', 5))
    store.getState().placeChanged(place('b.md', 1))
    store.getState().placeRenamed('a.md', 'notes/a.md')
    expect(store.getState().places).toEqual({
      'notes/a.md': place('notes/a.md', 5),
      'b.md': place('b.md', 1)
    })
    expect(store.getState().recentDocuments).toEqual(['b.md', 'notes/a.md'])
    dispose()
  })
})
