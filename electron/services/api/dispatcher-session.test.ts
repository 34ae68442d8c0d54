/**
 * The dispatcher and the session-model features of the contract: a window that closes while a
 * save is on its way, the local journal, and run saves (new and deleted headings).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../shared/errors'
import { testIdentity } from '../../../test/harness/test-identity'
import { openWorkspace } from '../app-services'
import { FakeClock } from '../../../test/harness/fake-clock'
import { createDispatcher, type OwnedDispatcher } from './dispatcher'
import { DOC, TEXT, dispatcherWorkspace, fail, ok } from '../../../test/harness/dispatcher-harness'
import { holdSaves } from '../../../test/harness/hold-saves'

const ws = dispatcherWorkspace()
const open = ws.open

describe('a window that closes', () => {
  it('lets a save in flight land before its locks are released, and holds its later calls until then', async () => {
    const { s, d } = await open('ann')
    const w = { clientId: 'w' }
    const snap = ok<{ sections: { id: string; sha256: string }[] }>(
      await d.call('documents:open', { document: DOC }, w)
    )
    ok(await d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, w))
    expect(d.holdsLocks('w')).toBe(true)
    // The save reaches the disk only when the test lets it: it is "in flight" when the window closes.
    // Every save takes the document's write mutex first: holding that holds the save.
    const letSaveGo = holdSaves(s.locks)
    const order: string[] = []
    const release = s.locks.release.bind(s.locks)
    s.locks.release = async (...args: Parameters<typeof release>) => {
      // The save's own write mutex is released through here too; only the window's section lock counts.
      if (args[0].kind === 'section') order.push(`release ${args[0].sectionId} (${args[1]})`)
      return release(...args)
    }
    const saving = d
      .call(
        'sections:save',
        {
          document: DOC,
          sectionId: 'budget',
          baseSha256: snap.sections[1].sha256,
          text: '# Budget\n\nLast words\n\n'
        },
        w
      )
      .then((r) => (order.push('saved'), r))
    let closed = false
    const closing = d.clientClosed('w').then(() => void (closed = true))
    // A reloaded page (Electron keeps the window's id) asks meanwhile: it waits for the close.
    const reloaded = d.call('locks:acquire', { document: DOC, sectionId: 'risks' }, w)
    await new Promise((r) => setTimeout(r, 50))
    expect(closed).toBe(false)
    expect(order).toEqual([])
    const meanwhile = ok<{ locks: { sectionId: string }[] }>(
      await d.call('locks:list', { document: DOC }, { clientId: 'x' })
    )
    expect(meanwhile.locks.map((l) => l.sectionId)).toEqual(['budget'])

    letSaveGo()
    expect(ok<{ version: number }>(await saving).version).toBe(2)
    await closing
    expect(order).toEqual(['saved', 'release budget (window closed)'])
    expect(await fs.readFile(path.join(ws.root(), DOC), 'utf8')).toContain('Last words')
    // The reloaded page's lock is taken after the close and is not released with the old page's.
    ok(await reloaded)
    const after = ok<{ locks: { sectionId: string; mine: boolean }[] }>(
      await d.call('locks:list', { document: DOC }, w)
    )
    expect(after.locks).toEqual([expect.objectContaining({ sectionId: 'risks', mine: true })])
    expect(d.holdsLocks('w')).toBe(true)
    expect(d.holdsLocks('x')).toBe(false)
  })

  it('keeps what it holds in a document it went away from (still its own on return) until it closes', async () => {
    // The renderer keeps held sections across document switches (issue 14): nothing on the
    // services side may tie a window's locks to the document it shows.
    await fs.writeFile(path.join(ws.root(), 'notes.md'), '# Notes\n\nNothing yet.\n')
    const { d } = await open('ann')
    const w = { clientId: 'w' }
    ok(await d.call('documents:open', { document: DOC }, w))
    ok(await d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, w))
    ok(await d.call('documents:open', { document: 'notes.md' }, w))
    ok(await d.call('locks:acquire', { document: 'notes.md', sectionId: 'notes' }, w))
    const back = ok<{ locks: { sectionId: string; mine: boolean }[] }>(
      await d.call('documents:open', { document: DOC }, w)
    )
    expect(back.locks).toEqual([expect.objectContaining({ sectionId: 'budget', mine: true })])
    const other = { clientId: 'x' }
    expect(fail(await d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, other)).code).toBe(
      ErrorCode.LockHeld
    )
    await d.clientClosed('w')
    for (const document of [DOC, 'notes.md'])
      expect(ok<{ locks: unknown[] }>(await d.call('locks:list', { document }, other)).locks).toEqual([])
  })
})

describe('the local journal through the contract', () => {
  const ctx = { clientId: 'w' }
  const SHA = 'b'.repeat(64)

  async function withJournal(onFlushed?: (clientId: string) => void) {
    const journalDir = path.join(ws.root(), '..', `${path.basename(ws.root())}-journal`)
    const s = await openWorkspace({
      folder: ws.root(),
      identity: testIdentity('ann'),
      clock: new FakeClock(),
      journalDir
    })
    const d = createDispatcher(s, { onFlushed })
    ws.track(s, d)
    return { s, d, journalDir }
  }

  afterEach(async () => {
    await fs.rm(`${ws.root()}-journal`, { recursive: true, force: true })
  })

  it('writes, lists and discards a document’s unsaved text, outside the shared folder', async () => {
    const { s, d, journalDir } = await withJournal()
    expect(
      ok(
        await d.call(
          'journal:write',
          {
            document: DOC,
            entries: [
              { sectionId: 'budget', baseSha256: SHA, text: '# Budget\n\nTyped\n' },
              { sectionId: 'risks', baseSha256: null, text: '## Risks\n\nMore\n' }
            ]
          },
          ctx
        )
      )
    ).toEqual({ ok: true })
    const listed = ok<{ entries: unknown[] }>(await d.call('journal:list', { document: `./${DOC}` }, ctx))
    expect(listed.entries).toEqual([
      {
        sectionId: 'budget',
        text: '# Budget\n\nTyped\n',
        baseSha256: SHA,
        savedAt: '2026-11-21T10:00:00.000Z',
        user: 'ann'
      },
      {
        sectionId: 'risks',
        text: '## Risks\n\nMore\n',
        baseSha256: null,
        savedAt: '2026-11-21T10:00:00.000Z',
        user: 'ann'
      }
    ])
    expect(await fs.readdir(journalDir)).toEqual([path.basename(s.journal?.fileFor(DOC) ?? '')])
    expect(await fs.readdir(path.join(ws.root(), '.sectioned'))).not.toContain('journal')

    ok(
      await d.call(
        'journal:write',
        { document: DOC, entries: [{ sectionId: 'risks', baseSha256: null, text: null }] },
        ctx
      )
    )
    ok(await d.call('journal:discard', { document: DOC, sectionIds: ['nothing'] }, ctx))
    expect(
      ok<{ entries: { sectionId: string }[] }>(
        await d.call('journal:list', { document: DOC }, ctx)
      ).entries.map((e) => e.sectionId)
    ).toEqual(['budget'])
    ok(await d.call('journal:discard', { document: DOC }, ctx))
    expect(ok<{ entries: unknown[] }>(await d.call('journal:list', { document: DOC }, ctx)).entries).toEqual(
      []
    )
    expect(await fs.readdir(journalDir)).toEqual([])
  })

  it('refuses bad requests and writes nothing', async () => {
    const { s, d, journalDir } = await withJournal()
    const entry = (i: number) => ({ sectionId: `s${i}`, baseSha256: null, text: 'x' })
    const bad: unknown[] = [
      { document: DOC, entries: Array.from({ length: 201 }, (_, i) => entry(i)) },
      { document: DOC, entries: [{ sectionId: 'budget', baseSha256: 'nope', text: 'x' }] },
      { document: DOC, entries: [{ sectionId: '', baseSha256: null, text: 'x' }] },
      { document: DOC, entries: [{ sectionId: 'budget', baseSha256: null }] },
      { document: DOC, entries: [{ sectionId: 'budget', baseSha256: null, text: 'x', extra: 1 }] },
      { document: DOC },
      { entries: [] }
    ]
    for (const payload of bad) {
      expect(
        fail(await d.call('journal:write', payload, ctx)).code,
        JSON.stringify(payload).slice(0, 80)
      ).toBe(ErrorCode.Validation)
    }
    for (const document of ['../outside.md', '.sectioned/x.md', 'notes.txt']) {
      expect(fail(await d.call('journal:write', { document, entries: [entry(1)] }, ctx)).code).toBe(
        ErrorCode.PathOutside
      )
    }
    await expect(fs.readdir(journalDir)).rejects.toMatchObject({ code: 'ENOENT' })

    // The store's own limit counts what is already journalled: 150 + 51 is refused, the 150 stay.
    ok(
      await d.call(
        'journal:write',
        { document: DOC, entries: Array.from({ length: 150 }, (_, i) => entry(i)) },
        ctx
      )
    )
    const file = s.journal?.fileFor(DOC) ?? ''
    const before = await fs.readFile(file, 'utf8')
    const refused = fail(
      await d.call(
        'journal:write',
        { document: DOC, entries: Array.from({ length: 51 }, (_, i) => entry(1000 + i)) },
        ctx
      )
    )
    expect(refused).toMatchObject({
      code: ErrorCode.Validation,
      message: expect.stringMatching(/at most 200/)
    })
    expect(await fs.readFile(file, 'utf8')).toBe(before)
  })

  it('says so where the host keeps no journal, and answers app:flushed', async () => {
    const { d } = await open('ann')
    const refused = fail(await d.call('journal:list', { document: DOC }, ctx))
    expect(refused).toEqual({ code: ErrorCode.Validation, message: 'This host keeps no journal.' })
    expect(ok(await d.call('app:flushed', {}, ctx))).toEqual({ ok: true })
    const flushed: string[] = []
    const withHook = await withJournal((clientId) => flushed.push(clientId))
    expect(ok(await withHook.d.call('app:flushed', {}, { clientId: 'window-7' }))).toEqual({ ok: true })
    expect(flushed).toEqual(['window-7'])
  })
})

describe('run saves through the contract', () => {
  type Section = { id: string; heading: string; sha256: string }
  type Saved = { run: Section[]; retired: string[]; sections: Section[]; changed: boolean }
  type Views = { locks: { sectionId: string | null; mine: boolean; mineElsewhere: boolean }[] }
  const a = { clientId: 'window-a' }
  const b = { clientId: 'window-b' }
  const views = async (d: OwnedDispatcher, ctx: { clientId: string }) =>
    ok<Views>(await d.call('locks:list', { document: DOC }, ctx))
      .locks.map(({ sectionId, mine, mineElsewhere }) => ({ sectionId, mine, mineElsewhere }))
      .sort((x, y) => String(x.sectionId).localeCompare(String(y.sectionId)))

  it('a save adding a heading answers with the run; the new section is the window’s and refused to others', async () => {
    const ann = await open('ann')
    const bob = await open('bob')
    const snap = ok<{ sections: Section[] }>(await ann.d.call('documents:open', { document: DOC }, a))
    ok(await ann.d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, a))
    const text = '# Budget\n\nMoney\n\n## Travel\n\nTrains\n\n'
    const saved = ok<Saved>(
      await ann.d.call(
        'sections:save',
        { document: DOC, sectionId: 'budget', baseSha256: snap.sections[1].sha256, text },
        a
      )
    )
    expect(saved.run.map((x) => [x.id, x.heading])).toEqual([
      ['budget', 'Budget'],
      ['travel', 'Travel']
    ])
    expect(saved.retired).toEqual([])
    const after = ok<{ sections: Section[] }>(await ann.d.call('documents:open', { document: DOC }, a))
    expect(after.sections.map((x) => x.id)).toEqual(['preamble', 'budget', 'travel', 'risks'])
    expect(await fs.readFile(path.join(ws.root(), DOC), 'utf8')).toBe(`Intro\n\n${text}## Risks\n\nSome\n`)
    expect(await views(ann.d, a)).toEqual([
      { sectionId: 'budget', mine: true, mineElsewhere: false },
      { sectionId: 'travel', mine: true, mineElsewhere: false }
    ])
    expect(await views(ann.d, b)).toEqual([
      { sectionId: 'budget', mine: false, mineElsewhere: true },
      { sectionId: 'travel', mine: false, mineElsewhere: true }
    ])
    expect(ann.events.some((e) => e.name === 'locks:changed')).toBe(true)
    // Another instance is refused the new section; another window of the saver cannot save it.
    const refused = fail(await bob.d.call('locks:acquire', { document: DOC, sectionId: 'travel' }, a))
    expect(refused.code).toBe(ErrorCode.LockHeld)
    expect(refused.message).toMatch(/being edited by ann/)
    const travel = saved.run[1]
    const fromB = fail(
      await ann.d.call(
        'sections:save',
        { document: DOC, sectionId: 'travel', baseSha256: travel.sha256, text: '## Travel\n\nB\n\n' },
        b
      )
    )
    expect(fromB.code).toBe(ErrorCode.LockHeld)
    // The window that owns it saves it like any section it took itself.
    ok(
      await ann.d.call(
        'sections:save',
        { document: DOC, sectionId: 'travel', baseSha256: travel.sha256, text: '## Travel\n\nPlanes\n\n' },
        a
      )
    )
  })

  it('a run save merging the second section answers with it retired, and its lock is gone', async () => {
    const { d } = await open('ann')
    const snap = ok<{ sections: Section[] }>(await d.call('documents:open', { document: DOC }, a))
    const [, budget, risks] = snap.sections
    ok(await d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, a))
    const request = {
      document: DOC,
      sectionId: 'budget',
      baseSha256: budget.sha256,
      text: '# Budget\n\nMoney\n\nSome, merged\n',
      following: [{ sectionId: 'risks', baseSha256: risks.sha256 }]
    }
    // Every section of the run must be held by the calling window.
    expect(fail(await d.call('sections:save', request, a)).message).toMatch(/Take the lock/)
    ok(await d.call('locks:acquire', { document: DOC, sectionId: 'risks' }, b))
    expect(fail(await d.call('sections:save', request, a)).code).toBe(ErrorCode.LockHeld)
    expect(await fs.readFile(path.join(ws.root(), DOC), 'utf8')).toBe(TEXT)
    ok(await d.call('locks:release', { document: DOC, sectionId: 'risks' }, b))
    ok(await d.call('locks:acquire', { document: DOC, sectionId: 'risks' }, a))
    for (const bad of [
      { ...request, following: [{ sectionId: 'risks', baseSha256: 'nope' }] },
      { ...request, following: [{ sectionId: 'risks', baseSha256: risks.sha256, extra: 1 }] },
      { ...request, following: Array.from({ length: 101 }, () => request.following[0]) }
    ]) {
      expect(fail(await d.call('sections:save', bad, a)).code).toBe(ErrorCode.Validation)
    }

    const saved = ok<Saved>(await d.call('sections:save', request, a))
    expect(saved.run.map((x) => x.id)).toEqual(['budget'])
    expect(saved.retired).toEqual(['risks'])
    const after = ok<{ sections: Section[] }>(await d.call('documents:open', { document: DOC }, a))
    expect(after.sections.map((x) => x.id)).toEqual(['preamble', 'budget'])
    expect(await fs.readFile(path.join(ws.root(), DOC), 'utf8')).toBe(
      'Intro\n\n# Budget\n\nMoney\n\nSome, merged\n'
    )
    expect(await views(d, a)).toEqual([{ sectionId: 'budget', mine: true, mineElsewhere: false }])
    // The retired section's history is still readable through the contract.
    const history = ok<{ versions: { content: string }[] }>(
      await d.call('history:list', { document: DOC, sectionId: 'risks' }, a)
    )
    expect(history.versions.map((v) => v.content)).toEqual(['## Risks\n\nSome\n'])
  })

  it('a restore answers with its one section as the run', async () => {
    const { d } = await open('ann')
    const snap = ok<{ sections: Section[] }>(await d.call('documents:open', { document: DOC }, a))
    ok(await d.call('locks:acquire', { document: DOC, sectionId: 'risks' }, a))
    const saved = ok<Saved>(
      await d.call(
        'sections:save',
        {
          document: DOC,
          sectionId: 'risks',
          baseSha256: snap.sections[2].sha256,
          text: '## Risks\n\nNone\n'
        },
        a
      )
    )
    const restored = ok<Saved>(
      await d.call(
        'history:restore',
        { document: DOC, sectionId: 'risks', version: 1, baseSha256: saved.run[0].sha256 },
        a
      )
    )
    expect(restored.run.map((x) => x.id)).toEqual(['risks'])
    expect(restored.retired).toEqual([])
  })
})
