import { describe, expect, it } from 'vitest'
import { ErrorCode, type Result } from '../../../shared/errors'
import { SectionedClient } from '../ipc/client'
import type { ConnectionStatus, Transport } from '../ipc/transport'
import { createAppStore } from './store'

const SHA_A = 'a'.repeat(64)
const SHA_B = 'b'.repeat(64)
const SHA_C = 'c'.repeat(64)

const section = (id: string, sha256: string) => ({
  id,
  level: 1,
  heading: id.toUpperCase(),
  startLine: 0,
  endLine: 1,
  start: 0,
  end: 1,
  sha256
})
const holder = (user: string, instanceId: string) => ({
  ownerId: user,
  user,
  host: `${user}-pc`,
  instanceId,
  since: '2026-11-21T10:32:00.000Z'
})

/** A transport that answers from a table and records what was asked; events can be pushed by the test. */
class FakeTransport implements Transport {
  readonly kind = 'web' as const
  calls: { channel: string; payload: unknown }[] = []
  answers: Record<string, (payload: unknown) => Result<unknown>> = {}
  private listeners = new Map<string, ((p: unknown) => void)[]>()
  private statusListeners: ((s: ConnectionStatus) => void)[] = []

  async invoke(channel: string, payload: unknown): Promise<Result<unknown>> {
    this.calls.push({ channel, payload })
    const answer = this.answers[channel]
    return answer
      ? answer(payload)
      : { ok: false, error: { code: ErrorCode.Io, message: `no answer for ${channel}` } }
  }
  on(event: string, cb: (p: unknown) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), cb])
    return () => undefined
  }
  onStatus(cb: (s: ConnectionStatus) => void) {
    this.statusListeners.push(cb)
    return () => undefined
  }
  push(event: string, payload: unknown) {
    for (const l of this.listeners.get(event) ?? []) l(payload)
  }
  status(s: ConnectionStatus) {
    for (const l of this.statusListeners) l(s)
  }
}

/** The fake main side grants `sectionId` to this window, held by `user`. */
function grantLocks(t: FakeTransport, sectionId: string, user: string, instanceId: string) {
  t.answers['locks:acquire'] = () => ({
    ok: true,
    value: {
      kind: 'section',
      document: 'plan.md',
      sectionId,
      holder: holder(user, instanceId),
      lastHeartbeat: 'x',
      mine: true,
      mineElsewhere: false,
      stale: false
    }
  })
}

function setup() {
  const t = new FakeTransport()
  t.answers['documents:open'] = () => ({
    ok: true,
    value: {
      document: 'plan.md',
      fileSha256: SHA_C,
      text: '# A\n# B\n',
      sections: [section('a', SHA_A), section('b', SHA_B)],
      locks: []
    }
  })
  const { store, dispose } = createAppStore(new SectionedClient(t))
  return { t, store, dispose }
}

describe('app store', () => {
  it('acquires a lock, remembers the base checksum and saves against it', async () => {
    const { t, store } = setup()
    await store.getState().open('plan.md')
    grantLocks(t, 'a', 'ann', 'i1')
    expect(await store.getState().acquire('a')).toBe(true)
    expect(store.getState().bases).toEqual({ a: SHA_A })
    t.answers['sections:save'] = () => ({
      ok: true,
      value: {
        document: 'plan.md',
        section: section('a', SHA_C),
        sections: [section('a', SHA_C), section('b', SHA_B)],
        fileSha256: SHA_B,
        version: 2,
        changed: true
      }
    })
    expect(await store.getState().save('a', '# A\nnew\n')).toBe(true)
    expect(t.calls.at(-1)).toEqual({
      channel: 'sections:save',
      payload: { document: 'plan.md', sectionId: 'a', baseSha256: SHA_A, text: '# A\nnew\n' }
    })
    expect(store.getState().bases.a).toBe(SHA_C) // the next save is based on what we saved
  })

  it('a refused lock shows the holder and changes nothing', async () => {
    const { t, store } = setup()
    await store.getState().open('plan.md')
    t.answers['locks:acquire'] = () => ({
      ok: false,
      error: { code: ErrorCode.LockHeld, message: '“A” is being edited by Bob on bob-pc, since 10:32.' }
    })
    expect(await store.getState().acquire('a')).toBe(false)
    expect(store.getState().bases).toEqual({})
    expect(store.getState().notices.map((n) => [n.kind, n.text])).toEqual([
      ['warning', '“A” is being edited by Bob on bob-pc, since 10:32.']
    ])
  })

  it('a conflicting save opens the conflict view with both texts; choosing mine saves on top of theirs', async () => {
    const { t, store } = setup()
    await store.getState().open('plan.md')
    grantLocks(t, 'b', 'ann', 'i1')
    await store.getState().acquire('b')
    t.answers['sections:save'] = () => ({
      ok: false,
      error: {
        code: ErrorCode.Conflict,
        message: 'changed',
        details: { mine: 'mine', theirs: 'theirs', theirsChecksum: SHA_C, draftFile: 'x.json' }
      }
    })
    expect(await store.getState().save('b', 'mine')).toBe(false)
    expect(store.getState().conflict).toEqual({
      sectionId: 'b',
      mine: 'mine',
      theirs: 'theirs',
      theirsChecksum: SHA_C
    })
    t.answers['sections:save'] = (p) => ({
      ok: true,
      value: {
        document: 'plan.md',
        section: section('b', SHA_A),
        sections: [section('a', SHA_A), section('b', SHA_A)],
        fileSha256: SHA_B,
        version: 3,
        changed: (p as { baseSha256: string }).baseSha256 === SHA_C
      }
    })
    // After the save the file holds b at SHA_A; the refresh that follows must see no new conflict.
    t.answers['documents:open'] = () => ({
      ok: true,
      value: {
        document: 'plan.md',
        fileSha256: SHA_B,
        text: '# A\n# B\n',
        sections: [section('a', SHA_A), section('b', SHA_A)],
        locks: []
      }
    })
    await store.getState().resolveConflict('mine')
    const save = t.calls.filter((c) => c.channel === 'sections:save').at(-1)
    expect(save?.payload).toMatchObject({ baseSha256: SHA_C, text: 'mine' })
    expect(store.getState().conflict).toBeNull()
  })

  it('a held section changed on disk by someone else goes to the conflict view, not into the editor', async () => {
    const { t, store } = setup()
    await store.getState().open('plan.md')
    grantLocks(t, 'b', 'ann', 'i1')
    await store.getState().acquire('b')
    store.getState().setTextProvider((id) => (id === 'b' ? '# B\nmy words\n' : null))
    t.answers['documents:open'] = () => ({
      ok: true,
      value: {
        document: 'plan.md',
        fileSha256: SHA_A,
        text: '# A\n# B outside\n',
        sections: [section('a', SHA_A), { ...section('b', SHA_C), start: 4, end: 16 }],
        locks: []
      }
    })
    t.push('document:changed', { document: 'plan.md', fileSha256: SHA_A, external: true })
    await new Promise((r) => setTimeout(r, 0))
    expect(store.getState().conflict).toEqual({
      sectionId: 'b',
      mine: '# B\nmy words\n',
      theirs: '# B outside\n',
      theirsChecksum: SHA_C
    })
    // Taking theirs puts their text into the editor and makes it the new base.
    await store.getState().resolveConflict('theirs')
    expect(store.getState().conflict).toBeNull()
    expect(store.getState().overwrite).toMatchObject({ sectionId: 'b', text: '# B outside\n' })
    expect(store.getState().bases.b).toBe(SHA_C)
  })

  it('request edit: sends, and takes the section when the holder releases it; a decline is told', async () => {
    const { t, store } = setup()
    await store.getState().open('plan.md')
    t.answers['requests:send'] = () => ({ ok: true, value: { id: '01JZ0000000000000000000001' } })
    await store.getState().requestEdit('a')
    expect(store.getState().outgoing).toEqual({
      '01JZ0000000000000000000001': { document: 'plan.md', sectionId: 'a' }
    })
    grantLocks(t, 'a', 'bob', 'i2')
    t.push('edit:answered', {
      id: '01JZ0000000000000000000001',
      document: 'plan.md',
      sectionId: 'a',
      heading: 'A',
      answer: 'released',
      by: 'ann'
    })
    await new Promise((r) => setTimeout(r, 0))
    expect(t.calls.at(-1)).toEqual({
      channel: 'locks:acquire',
      payload: { document: 'plan.md', sectionId: 'a' }
    })
    expect(store.getState().locks).toEqual([expect.objectContaining({ sectionId: 'a', mine: true })])
    expect(store.getState().notices.at(-1)?.text).toBe('ann released “A”: it is yours now.')
    // An answer to a request this window never sent changes nothing.
    const calls = t.calls.length
    t.push('edit:answered', {
      id: '01JZ0000000000000000000009',
      document: 'plan.md',
      sectionId: 'b',
      heading: 'B',
      answer: 'released',
      by: 'ann'
    })
    await new Promise((r) => setTimeout(r, 0))
    expect(t.calls.length).toBe(calls)
  })

  it('an incoming request is listed once, and answering it removes it', async () => {
    const { t, store } = setup()
    const request = {
      id: '01JZ0000000000000000000002',
      document: 'plan.md',
      sectionId: 'b',
      heading: 'B',
      from: { user: 'bob', host: 'bob-pc' },
      at: '2026-11-21T10:32:00.000Z'
    }
    t.push('edit:requested', request)
    t.push('edit:requested', request)
    expect(store.getState().incoming).toEqual([request])
    t.answers['requests:answer'] = () => ({ ok: true, value: { ok: true } })
    await store.getState().answerRequest(request.id, 'declined')
    expect(t.calls.at(-1)).toEqual({
      channel: 'requests:answer',
      payload: { id: request.id, answer: 'declined' }
    })
    expect(store.getState().incoming).toEqual([])
  })

  it('a lost lock keeps the unsaved text as a draft notice; events update locks and status', async () => {
    const { t, store } = setup()
    await store.getState().open('plan.md')
    store.getState().setTextProvider((id) => (id === 'a' ? 'unsaved words' : null))
    t.push('lock:lost', { document: 'plan.md', sectionId: 'a', reason: 'it was taken over', newHolder: null })
    expect(store.getState().notices.at(-1)).toMatchObject({
      kind: 'error',
      draft: { sectionId: 'a', text: 'unsaved words' }
    })
    t.answers['locks:list'] = () => ({
      ok: true,
      value: {
        locks: [
          {
            kind: 'section',
            document: 'plan.md',
            sectionId: 'b',
            holder: holder('bob', 'i2'),
            lastHeartbeat: 'x',
            mine: false,
            mineElsewhere: false,
            stale: false
          }
        ]
      }
    })
    t.push('locks:changed', { document: 'plan.md', locks: [] })
    await new Promise((r) => setTimeout(r, 0))
    // The window re-reads its own view of the locks rather than trusting the broadcast's flags.
    expect(t.calls.at(-1)).toEqual({ channel: 'locks:list', payload: { document: 'plan.md' } })
    expect(store.getState().locks.map((l) => [l.sectionId, l.holder.user])).toEqual([['b', 'bob']])
    const calls = t.calls.length
    t.push('locks:changed', { document: 'plan.md', locks: [{ bogus: true }] }) // off-contract payloads are dropped
    expect(t.calls.length).toBe(calls)
    t.status('closed')
    expect(store.getState().status).toBe('closed')
  })
})
