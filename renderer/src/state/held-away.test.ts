import { describe, expect, it } from 'vitest'
import { ErrorCode, type Result } from '../../../shared/errors'
import { afterSwitch, withoutSection } from './held-away'
import { lockView, section, setup, SHA, snapshot, tick } from './store-harness'

const held = (id: string, dirty = false) => ({ id, heading: id.toUpperCase(), phase: 'held' as const, dirty })

describe('held away: the bookkeeping', () => {
  it('leaving a document records what is still held there; showing a document takes it out', () => {
    let away = afterSwitch({}, 'plan.md', [held('a'), held('b', true)], 'other.md')
    expect(away).toEqual({
      'plan.md': [
        { id: 'a', heading: 'A', unsaved: false },
        { id: 'b', heading: 'B', unsaved: true }
      ]
    })
    away = afterSwitch(away, 'other.md', [], 'plan.md')
    expect(away).toEqual({})
    // Nothing shown before (the start), or the same document again: nothing recorded.
    expect(afterSwitch({}, null, [held('a')], 'plan.md')).toEqual({})
    expect(afterSwitch({}, 'plan.md', [held('a')], 'plan.md')).toEqual({})
    // Leaving a document where nothing is held any more forgets it.
    expect(afterSwitch(afterSwitch({}, 'plan.md', [held('a')], 'x.md'), 'plan.md', [], 'y.md')).toEqual({})
  })

  it('a section goes, and the document with its last one', () => {
    const away = afterSwitch({}, 'plan.md', [held('a'), held('b')], 'other.md')
    const one = withoutSection(away, 'plan.md', 'a')
    expect(one).toEqual({ 'plan.md': [{ id: 'b', heading: 'B', unsaved: false }] })
    expect(withoutSection(one, 'plan.md', 'b')).toEqual({})
    expect(withoutSection(one, 'nope.md', 'b')).toEqual(one)
  })
})

/** A store with plan.md open, whose saves succeed; `other.md` opens too. */
async function switching() {
  const s = await setup()
  s.t.answers['documents:open'] = (p) => ({
    ok: true,
    value: { ...snapshot(), document: (p as { document: string }).document }
  })
  // A run save (sections one after the other): each part of the text from its heading on.
  s.t.answers['sections:save'] = (p) => {
    const req = p as { sectionId: string; text: string; following?: { sectionId: string }[] }
    const ids = [req.sectionId, ...(req.following ?? []).map((f) => f.sectionId)]
    const parts = req.text.split(/(?=^# )/m)
    let at = 0
    const run = parts.map((part, i) => {
      const one = section(ids[i], SHA(String(i + 1)), at, at + part.length, 0)
      at += part.length
      return one
    })
    return {
      ok: true,
      value: {
        document: 'plan.md',
        section: run[0],
        fileSha256: SHA('d'),
        baseFileSha256: SHA('f'),
        runText: req.text,
        version: 2,
        changed: true,
        run,
        retired: []
      }
    }
  }
  s.t.answers['locks:release'] = () => ({ ok: true, value: { released: true } })
  /** Opens `document` as the writer does: the editor of the one left goes with its session. */
  const goTo = async (document: string) => {
    await s.store.getState().open(document)
    s.store.getState().attachSession(null)
  }
  return { ...s, goTo }
}

describe('held away: switching documents keeps the held sections', () => {
  it('saves the typed text, releases nothing, marks the document; coming back clears the mark', async () => {
    const { t, store, type, goTo } = await switching()
    type(5, 'typed ')
    await tick()
    await goTo('other.md')
    expect(t.sent('sections:save')).toEqual([
      { document: 'plan.md', sectionId: 'a', baseSha256: SHA('a'), text: '# A\natyped lpha\n\n' }
    ])
    expect(t.sent('locks:release')).toEqual([])
    expect(store.getState().current).toBe('other.md')
    expect(store.getState().heldAway).toEqual({ 'plan.md': [{ id: 'a', heading: 'A', unsaved: false }] })
    await store.getState().open('plan.md')
    expect(store.getState().heldAway).toEqual({})
  })

  it('a lock request on its way when the writer switches is waited for, then its text saved', async () => {
    const { t, store, type, goTo } = await switching()
    let grant: (r: Result<unknown>) => void = () => undefined
    t.answers['locks:acquire'] = () => new Promise((r) => (grant = r)) as never
    type(5, 'quick ')
    await tick()
    const opening = goTo('other.md')
    await tick()
    expect(t.sent('documents:open')).toEqual([]) // not before the lock is answered
    grant({ ok: true, value: lockView('a', 'me', true) })
    await opening
    expect(t.sent('sections:save')).toHaveLength(1)
    expect(t.sent('locks:release')).toEqual([])
    expect(store.getState().heldAway['plan.md']).toEqual([{ id: 'a', heading: 'A', unsaved: false }])
  })

  it('text typed while the other document is being read is saved too before the editor goes', async () => {
    const { t, store, type, goTo } = await switching()
    type(5, 'first ')
    await tick()
    const open = t.answers['documents:open']
    t.answers['documents:open'] = (p) => {
      type(11, 'late ') // the writer types on while the answer is on its way
      return open(p)
    }
    await goTo('other.md')
    expect(t.sent('sections:save').map((p) => (p as { text: string }).text)).toEqual([
      '# A\nafirst lpha\n\n',
      '# A\nafirst late lpha\n\n'
    ])
    expect(store.getState().heldAway['plan.md']).toEqual([{ id: 'a', heading: 'A', unsaved: false }])
  })

  it('text that could not be saved stays held and journalled; it is neither handed over nor released', async () => {
    const { t, store, type, goTo } = await switching()
    type(5, 'stuck ')
    await tick()
    t.answers['sections:save'] = () => ({ ok: false, error: { code: ErrorCode.Io, message: 'disk full' } })
    await goTo('other.md')
    expect(store.getState().heldAway['plan.md']).toEqual([{ id: 'a', heading: 'A', unsaved: true }])
    expect(t.sent('journal:write').at(-1)).toMatchObject({
      document: 'plan.md',
      entries: [{ sectionId: 'a', text: '# A\nastuck lpha\n\n' }]
    })
    const request = {
      id: '01JZ0000000000000000000003',
      document: 'plan.md',
      sectionId: 'a',
      heading: 'A',
      from: { user: 'bob', host: 'bob-pc' },
      at: '2026-11-21T10:32:00.000Z'
    }
    t.push('edit:requested', request)
    t.answers['requests:answer'] = () => ({ ok: true, value: { ok: true } })
    await store.getState().answerRequest(request.id, 'released')
    expect(t.sent('requests:answer')).toEqual([])
    expect(store.getState().notices.at(-1)?.text).toMatch(/in plan.md could not be saved/)
    await store.getState().releaseAway('plan.md')
    expect(t.sent('locks:release')).toEqual([])
    expect(store.getState().heldAway['plan.md']).toHaveLength(1)
  })

  it('an idle warning and a loss while not shown are told with the document’s name; others’ are not', async () => {
    const { t, store, type, goTo } = await switching()
    type(5, 'x')
    await tick()
    await goTo('other.md')
    t.push('lock:idle-warning', { document: 'plan.md', sectionId: 'a', releaseInMs: 60_000 })
    expect(store.getState().notices.at(-1)).toMatchObject({
      key: 'idle:plan.md#a',
      kind: 'warning',
      text: 'No edits for a while: “A” in plan.md (not shown) will be released in 60 s. Open it and type to keep it.'
    })
    const before = store.getState().notices.length
    // Not this window's (another window of the instance held it): nothing to say.
    t.push('lock:lost', { document: 'plan.md', sectionId: 'b', reason: 'taken over.', newHolder: null })
    t.push('lock:idle-released', { document: 'x.md', sectionId: 'a' })
    expect(store.getState().notices.length).toBe(before)
    t.push('lock:lost', {
      document: 'plan.md',
      sectionId: 'a',
      reason: 'bob on bob-pc took it over.',
      newHolder: null
    })
    const notices = store.getState().notices
    expect(notices.some((n) => n.key === 'idle:plan.md#a')).toBe(false)
    expect(notices.at(-1)).toMatchObject({
      kind: 'warning',
      text: 'You no longer hold “A” in plan.md: bob on bob-pc took it over. Everything you typed there was saved.'
    })
    expect(store.getState().heldAway).toEqual({})
  })

  it('idle release while not shown; release from the mark; a request handed over', async () => {
    const { t, store, type, goTo } = await switching()
    type(5, 'x')
    type(17, 'y')
    await tick()
    await goTo('other.md')
    expect(store.getState().heldAway['plan.md']?.map((s) => s.id)).toEqual(['a', 'b'])
    t.push('lock:idle-released', { document: 'plan.md', sectionId: 'b' })
    expect(store.getState().notices.at(-1)?.text).toBe(
      'You no longer hold “B” in plan.md: it was released after a long time without edits. Everything you typed there was saved.'
    )
    await store.getState().releaseAway('plan.md')
    expect(t.sent('locks:release')).toEqual([{ document: 'plan.md', sectionId: 'a' }])
    expect(store.getState().heldAway).toEqual({})
    expect(store.getState().notices.at(-1)?.text).toBe('Released “A” in plan.md.')
  })

  it('a colleague’s request for a section held away is answered and the mark goes', async () => {
    const { t, store, type, goTo } = await switching()
    type(5, 'x')
    await tick()
    await goTo('other.md')
    const request = {
      id: '01JZ0000000000000000000004',
      document: 'plan.md',
      sectionId: 'a',
      heading: 'A',
      from: { user: 'bob', host: 'bob-pc' },
      at: '2026-11-21T10:32:00.000Z'
    }
    t.push('edit:requested', request)
    t.answers['requests:answer'] = () => ({ ok: true, value: { ok: true } })
    await store.getState().answerRequest(request.id, 'released')
    expect(t.sent('requests:answer')).toEqual([{ id: request.id, answer: 'released' }])
    expect(store.getState().heldAway).toEqual({})
  })

  it('after a reconnect the sections held away are taken again; one refused is told', async () => {
    const { t, store, type, goTo } = await switching()
    type(5, 'x')
    type(17, 'y')
    await tick()
    await goTo('other.md')
    t.answers['refresh:status'] = () => ({ ok: false, error: { code: ErrorCode.Io, message: 'n/a' } })
    t.answers['locks:acquire'] = (p) =>
      (p as { sectionId: string }).sectionId === 'b'
        ? { ok: false, error: { code: ErrorCode.LockHeld, message: 'Section “B” is being edited by bob.' } }
        : { ok: true, value: lockView('a', 'me', true) }
    t.calls.length = 0
    t.status('open')
    t.status('closed')
    t.status('open')
    await tick()
    await tick()
    expect(t.sent('locks:acquire')).toEqual([
      { document: 'plan.md', sectionId: 'a' },
      { document: 'plan.md', sectionId: 'b' }
    ])
    expect(store.getState().heldAway['plan.md']?.map((s) => s.id)).toEqual(['a'])
    expect(store.getState().notices.at(-1)?.text).toBe(
      'You no longer hold “B” in plan.md: Section “B” is being edited by bob. Everything you typed there was saved.'
    )
  })
})
