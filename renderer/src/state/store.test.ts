import { describe, expect, it } from 'vitest'
import { ErrorCode, type Result } from '../../../shared/errors'
import { sessionMeta } from '../editor'
import { findSection } from '../editor/lock-state'
import { lockView, section, setup, SHA, snapshot, TEXT, tick } from './store-harness'

describe('app store with the editor session', () => {
  it('typing takes the lock and saves with the base the snapshot gave; the answer moves the base', async () => {
    const { t, type, session, view, store } = await setup()
    type(5, 'X')
    await tick()
    expect(t.sent('locks:acquire')).toEqual([{ document: 'plan.md', sectionId: 'a' }])
    t.answers['sections:save'] = (p) => {
      const text = (p as { text: string }).text
      const a = section('a', SHA('c'), 0, text.length, 0)
      return {
        ok: true,
        value: {
          document: 'plan.md',
          section: a,
          fileSha256: SHA('d'),
          baseFileSha256: SHA('f'),
          runText: text,
          version: 2,
          changed: true,
          run: [a],
          retired: []
        }
      }
    }
    await session.save()
    expect(t.sent('sections:save')).toEqual([
      { document: 'plan.md', sectionId: 'a', baseSha256: SHA('a'), text: '# A\naXlpha\n\n' }
    ])
    expect(findSection(view.state, 'a')?.sha).toBe(SHA('c')) // the next save stands on what was saved
    // The window's copy follows its own save from the answer: the save's own announcement, and the
    // refresh after the save, read nothing.
    expect(store.getState().snapshot).toMatchObject({
      fileSha256: SHA('d'),
      text: '# A\naXlpha\n\n# B\nbeta\n'
    })
    t.push('document:changed', { document: 'plan.md', fileSha256: SHA('d'), external: false })
    await tick()
    expect(t.calls.filter((c) => /^documents:(open|changes)$/.test(c.channel))).toEqual([])
    // Another writer's save is read: only what changed since the version the window has.
    t.answers['documents:changes'] = () => ({
      ok: true,
      value: { kind: 'same', fileSha256: SHA('e'), locks: [] }
    })
    t.push('document:changed', { document: 'plan.md', fileSha256: SHA('e'), external: true })
    await tick()
    expect(t.sent('documents:changes')).toEqual([{ document: 'plan.md', since: SHA('d') }])
  })

  it('a refused lock: one notice naming the holder, and the typing rolled back into it', async () => {
    const { t, store, type, text } = await setup()
    t.answers['locks:acquire'] = () => ({
      ok: false,
      error: { code: ErrorCode.LockHeld, message: '“B” is being edited by bob on bob-pc, since 10:32.' }
    })
    type(15, '1')
    type(16, '2')
    await tick()
    await tick()
    expect(text()).toBe(TEXT)
    const notices = store.getState().notices
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatchObject({
      kind: 'warning',
      key: 'held:b',
      draft: { sectionId: 'b', text: '# B\n12beta\n', journal: true }
    })
    expect(notices[0].text).toMatch(/^“B” is being edited by bob on bob-pc, since 10:32\./)
  })

  it('a conflicting save opens the conflict view; keeping mine saves on the fresh base', async () => {
    const { t, store, type, session } = await setup()
    type(15, 'mine ')
    await tick()
    t.answers['sections:save'] = () => ({
      ok: false,
      error: {
        code: ErrorCode.Conflict,
        message: 'changed',
        details: { mine: '# B\nmine beta\n', theirs: '# B\ntheirs\n', theirsChecksum: SHA('e') }
      }
    })
    await session.save()
    expect(store.getState().conflict).toEqual({
      sectionIds: ['b'],
      mine: '# B\nmine beta\n',
      theirs: '# B\ntheirs\n',
      theirsChecksum: SHA('e')
    })
    t.answers['documents:open'] = () => ({
      ok: true,
      value: snapshot([], '# A\nalpha\n\n# B\ntheirs\n', SHA('e'))
    })
    t.answers['sections:save'] = (p) => {
      const b = section('b', SHA('9'), 11, 30, 3)
      // From now on the file has the saved text.
      t.answers['documents:open'] = () => ({
        ok: true,
        value: snapshot([], '# A\nalpha\n\n# B\nmine beta\n', SHA('9'))
      })
      return {
        ok: true,
        value: {
          document: 'plan.md',
          section: b,
          sections: [b],
          fileSha256: SHA('d'),
          version: 3,
          changed: (p as { baseSha256: string }).baseSha256 === SHA('e'),
          run: [b],
          retired: []
        }
      }
    }
    await store.getState().resolveConflict('mine')
    await tick()
    expect(store.getState().conflict).toBeNull()
    expect(t.sent('sections:save').at(-1)).toMatchObject({
      sectionId: 'b',
      baseSha256: SHA('e'),
      text: '# B\nmine beta\n'
    })
  })

  it('a lost lock keeps the unsaved text as a draft; locks and connection events reach the editor', async () => {
    const { t, store, type, view } = await setup()
    type(4, 'unsaved ')
    await tick()
    t.push('lock:lost', {
      document: 'plan.md',
      sectionId: 'a',
      reason: 'it was taken over.',
      newHolder: null
    })
    expect(store.getState().notices.at(-1)).toMatchObject({
      kind: 'error',
      draft: { sectionId: 'a', text: '# A\nunsaved alpha\n\n' }
    })
    expect(findSection(view.state, 'a')?.editable).toBe(false)
    const calls = t.calls.length
    // Each window's event carries the locks as that window sees them: nothing is asked again.
    t.push('locks:changed', { document: 'plan.md', locks: [lockView('b', 'bob', false)] })
    await tick()
    expect(t.calls.length).toBe(calls)
    expect(findSection(view.state, 'b')?.holder?.user).toBe('bob')
    t.push('locks:changed', { document: 'plan.md', locks: [{ bogus: true }] }) // off-contract payloads are dropped
    expect(t.calls.length).toBe(calls)
    t.status('open')
    t.status('closed')
    expect(store.getState().status).toBe('closed')
    expect(view.state.field(sessionMeta).connected).toBe(false)
  })

  it('request edit: takes the section when the holder releases it; an answer to no request changes nothing', async () => {
    const { t, store, view } = await setup()
    t.answers['requests:send'] = () => ({ ok: true, value: { id: '01JZ0000000000000000000001' } })
    await store.getState().requestEdit('a')
    t.push('edit:answered', {
      id: '01JZ0000000000000000000001',
      document: 'plan.md',
      sectionId: 'a',
      heading: 'A',
      answer: 'released',
      by: 'ann'
    })
    await tick()
    expect(t.sent('locks:acquire').at(-1)).toEqual({ document: 'plan.md', sectionId: 'a' })
    expect(findSection(view.state, 'a')?.phase).toBe('held')
    expect(store.getState().notices.at(-1)?.text).toBe('ann released “A”: it is yours now.')
    const calls = t.calls.length
    t.push('edit:answered', {
      id: '01JZ0000000000000000000009',
      document: 'plan.md',
      sectionId: 'b',
      heading: 'B',
      answer: 'released',
      by: 'ann'
    })
    await tick()
    expect(t.calls.length).toBe(calls)
  })

  it('answering "release" saves first, and refuses to hand over text that could not be saved', async () => {
    const { t, store, type } = await setup()
    type(5, 'mine ')
    await tick()
    const request = {
      id: '01JZ0000000000000000000002',
      document: 'plan.md',
      sectionId: 'a',
      heading: 'A',
      from: { user: 'bob', host: 'bob-pc' },
      at: '2026-11-21T10:32:00.000Z'
    }
    t.push('edit:requested', request)
    t.push('edit:requested', request)
    expect(store.getState().incoming).toEqual([request])
    t.answers['sections:save'] = () => ({ ok: false, error: { code: ErrorCode.Io, message: 'disk full' } })
    t.answers['requests:answer'] = () => ({ ok: true, value: { ok: true } })
    await store.getState().answerRequest(request.id, 'released')
    expect(t.sent('requests:answer')).toEqual([])
    expect(store.getState().notices.at(-1)?.text).toMatch(/could not be saved/)
  })

  it('opening offers journalled text the file does not have, and forgets what the file has', async () => {
    const { t, store } = await setup()
    t.answers['journal:list'] = () => ({
      ok: true,
      value: {
        entries: [
          { sectionId: 'a', text: '# A\nalpha\n\n', baseSha256: SHA('a'), savedAt: 'x', user: 'me' },
          { sectionId: 'b', text: '# B\nbeta and more\n', baseSha256: SHA('b'), savedAt: 'x', user: 'me' }
        ]
      }
    })
    t.answers['journal:discard'] = () => ({ ok: true, value: { ok: true } })
    // Opening the document the editor already shows only asks what changed; a fresh window opens it.
    const sha = store.getState().snapshot?.fileSha256 ?? ''
    t.answers['documents:changes'] = () => ({ ok: true, value: { kind: 'same', fileSha256: sha, locks: [] } })
    const calls = t.calls.length
    await store.getState().open('plan.md')
    expect(t.calls.slice(calls).map((c) => c.channel)).toEqual(['documents:changes'])
    store.getState().attachSession(null)
    await store.getState().open('plan.md')
    expect(t.sent('journal:discard')).toEqual([{ document: 'plan.md', sectionIds: ['a'] }])
    expect(store.getState().notices.filter((n) => n.key?.startsWith('journal:'))).toEqual([
      expect.objectContaining({
        draft: { sectionId: 'b', text: '# B\nbeta and more\n', baseSha256: SHA('b'), journal: true }
      })
    ])
  })

  it('keyed notices replace plain ones of the same key, never kept text', async () => {
    const { store } = await setup()
    const n = store.getState()
    n.notify({ key: 'held:a', kind: 'warning', text: 'one' })
    n.notify({ key: 'held:a', kind: 'warning', text: 'two' })
    expect(store.getState().notices.map((x) => x.text)).toEqual(['two'])
    n.notify({ key: 'lost:a', kind: 'error', text: 'lost', draft: { sectionId: 'a', text: 'words' } })
    n.notify({
      key: 'lost:a',
      kind: 'error',
      text: 'lost again',
      draft: { sectionId: 'a', text: 'other words' }
    })
    n.notify({
      key: 'lost:a',
      kind: 'error',
      text: 'lost again',
      draft: { sectionId: 'a', text: 'other words' }
    })
    expect(store.getState().notices.map((x) => x.draft?.text ?? x.text)).toEqual([
      'two',
      'words',
      'other words'
    ])
    n.retract('lost:a')
    expect(store.getState().notices).toHaveLength(3)
  })

  it('answers that come back out of order never move the editor back to an older version', async () => {
    const { t, store, text } = await setup()
    const v2 = { ...snapshot([], TEXT.replace('beta', 'beta two'), SHA('2')), fileSha256: SHA('2') }
    const v3 = { ...snapshot([], TEXT.replace('beta', 'beta three'), SHA('3')), fileSha256: SHA('3') }
    const later: ((r: Result<unknown>) => void)[] = []
    t.answers['documents:changes'] = () =>
      new Promise<Result<unknown>>((resolve) => later.push(resolve)) as unknown as Result<unknown>
    t.push('document:changed', { document: 'plan.md', fileSha256: SHA('2'), external: true })
    await tick()
    t.push('document:changed', { document: 'plan.md', fileSha256: SHA('3'), external: true })
    await tick()
    expect(later).toHaveLength(2)
    // The second question's answer (the newer version) first, then the first's.
    later[1]({ ok: true, value: { kind: 'full', snapshot: v3 } })
    await tick()
    later[0]({ ok: true, value: { kind: 'full', snapshot: v2 } })
    await tick()
    await tick()
    expect(text()).toBe(v3.text)
    expect(store.getState().snapshot?.fileSha256).toBe(SHA('3'))
  })
})
