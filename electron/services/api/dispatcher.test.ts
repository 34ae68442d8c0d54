import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ContractEvent } from './dispatcher-types'
import { ErrorCode, type Result } from '../../../shared/errors'
import { testIdentity } from '../test-support/test-identity'
import { openWorkspace, type AppServices } from '../app-services'
import { FakeClock } from '../test-support/fake-clock'
import { createDispatcher, type OwnedDispatcher } from './dispatcher'
import { holdSaves } from '../locks/hold-saves'

let root: string
const opened: { s: AppServices; d: OwnedDispatcher }[] = []
const DOC = 'plan.md'
const TEXT = 'Intro\n\n# Budget\n\nMoney\n\n## Risks\n\nSome\n'

async function open(user: string, clock = new FakeClock()) {
  const s = await openWorkspace({
    folder: root,
    identity: testIdentity(user),
    clock,
    lockSettings: { heartbeatIntervalMs: 1000, idleTimeoutMs: 0 }
  })
  const d = createDispatcher(s)
  opened.push({ s, d })
  const events: ContractEvent[] = []
  d.onEvent((e) => events.push(e))
  return { s, d, events }
}

function ok<T = Record<string, unknown>>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`)
  return r.value as T
}

function fail(r: Result<unknown>) {
  if (r.ok) throw new Error('expected a failure')
  return r.error
}

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-api-'))
  await fs.writeFile(path.join(root, DOC), TEXT)
})

afterEach(async () => {
  for (const { s, d } of opened.splice(0)) {
    await d.dispose()
    await s.dispose()
  }
  await fs.rm(root, { recursive: true, force: true })
})

describe('validation at the boundary', () => {
  it('answers every bad payload with a VALIDATION error value, never a crash', async () => {
    const { d } = await open('ann')
    const ctx = { clientId: 'w1' }
    const bad: [string, unknown][] = [
      ['nope:nothing', {}],
      ['__proto__', {}],
      ['documents:open', {}],
      ['documents:open', 'plan.md'],
      ['documents:open', null],
      ['documents:open', [DOC]],
      ['documents:open', { document: DOC, extra: 1 }],
      ['documents:open', { document: 42 }],
      ['locks:acquire', { document: DOC, sectionId: 'x'.repeat(300) }],
      ['locks:acquire', { document: DOC, sectionId: 'budget', retries: 1e9 }],
      ['sections:save', { document: DOC, sectionId: 'budget', baseSha256: 'not-a-sha', text: '# Budget\n' }],
      ['history:restore', { document: DOC, sectionId: 'budget', version: 0, baseSha256: 'a'.repeat(64) }]
    ]
    for (const [channel, payload] of bad) {
      const r = await d.call(channel, payload, ctx)
      expect(fail(r).code, `${channel} ${JSON.stringify(payload)}`).toBe(ErrorCode.Validation)
    }
    expect(await fs.readFile(path.join(root, DOC), 'utf8')).toBe(TEXT)
  })

  it('confines paths to the workspace', async () => {
    const { d } = await open('ann')
    for (const document of ['../outside.md', '/etc/passwd', '.sectioned/docs/x.md', 'notes.txt']) {
      expect(fail(await d.call('documents:open', { document }, { clientId: 'w' })).code).toBe(
        ErrorCode.PathOutside
      )
    }
  })
})

describe('windows and instances', () => {
  it('a lock belongs to the window that took it; the other window sees it as mine elsewhere and cannot save', async () => {
    const { d, events } = await open('ann')
    const a = { clientId: 'window-a' }
    const b = { clientId: 'window-b' }
    const snap = ok<{ sections: { id: string; sha256: string }[]; locks: unknown[] }>(
      await d.call('documents:open', { document: DOC }, a)
    )
    expect(snap.sections.map((x) => x.id)).toEqual(['preamble', 'budget', 'risks'])
    expect(snap.locks).toEqual([])

    const view = ok<{ mine: boolean; holder: { user: string } }>(
      await d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, a)
    )
    expect(view).toMatchObject({ mine: true, holder: { user: 'ann' } })
    const fromB = ok<{ locks: { sectionId: string; mine: boolean; mineElsewhere: boolean }[] }>(
      await d.call('locks:list', { document: DOC }, b)
    )
    expect(fromB.locks).toEqual([
      expect.objectContaining({ sectionId: 'budget', mine: false, mineElsewhere: true })
    ])
    const refused = fail(await d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, b))
    expect(refused.code).toBe(ErrorCode.LockHeld)
    expect(refused.message).toMatch(/ann \(in another window\)/)
    const budget = snap.sections[1]
    expect(
      fail(
        await d.call(
          'sections:save',
          { document: DOC, sectionId: 'budget', baseSha256: budget.sha256, text: '# Budget\n\nB\n\n' },
          b
        )
      ).code
    ).toBe(ErrorCode.LockHeld)

    const saved = ok<{ version: number; changed: boolean }>(
      await d.call(
        'sections:save',
        { document: DOC, sectionId: 'budget', baseSha256: budget.sha256, text: '# Budget\n\nA\n\n' },
        a
      )
    )
    expect(saved).toMatchObject({ version: 2, changed: true })
    expect(events.some((e) => e.name === 'locks:changed')).toBe(true)

    await d.clientClosed('window-a') // the window closed: its locks go
    expect(ok<{ locks: unknown[] }>(await d.call('locks:list', { document: DOC }, b)).locks).toEqual([])
  })

  it('refuses another writer with their name, and a conflict carries both texts', async () => {
    const ann = await open('ann')
    const bob = await open('bob')
    const ctx = { clientId: 'w' }
    const snap = ok<{ sections: { id: string; sha256: string }[] }>(
      await ann.d.call('documents:open', { document: DOC }, ctx)
    )
    ok(await ann.d.call('locks:acquire', { document: DOC, sectionId: 'risks' }, ctx))
    const refused = fail(await bob.d.call('locks:acquire', { document: DOC, sectionId: 'risks' }, ctx))
    expect(refused.code).toBe(ErrorCode.LockHeld)
    expect(refused.message).toMatch(/^“Risks” is being edited by ann on ann-pc, since \d\d:\d\d\.$/)
    expect(refused.details).toMatchObject({ holder: { user: 'ann', host: 'ann-pc' } })

    await fs.writeFile(path.join(root, DOC), TEXT.replace('Some', 'Changed outside'))
    const conflict = fail(
      await ann.d.call(
        'sections:save',
        {
          document: DOC,
          sectionId: 'risks',
          baseSha256: snap.sections[2].sha256,
          text: '## Risks\n\nMine\n'
        },
        ctx
      )
    )
    expect(conflict.code).toBe(ErrorCode.Conflict)
    expect(conflict.details).toMatchObject({
      mine: '## Risks\n\nMine\n',
      theirs: '## Risks\n\nChanged outside\n'
    })
    expect(typeof conflict.details?.draftFile).toBe('string')
  })

  it('tells the window when its lock was taken over (lock:lost)', async () => {
    const bobClock = new FakeClock()
    const ann = await open('ann', new FakeClock()) // frozen: her clock never moves
    const bob = await open('bob', bobClock)
    ok(await ann.d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, { clientId: 'w' }))
    expect(
      fail(await bob.d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, { clientId: 'w' })).code
    ).toBe(ErrorCode.LockHeld)
    await bobClock.advance(3000)
    ok(await bob.d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, { clientId: 'w' }))
    await ann.s.locks.heartbeat()
    const lost = ann.events.find((e) => e.name === 'lock:lost')
    expect(lost?.payload).toMatchObject({ document: DOC, sectionId: 'budget', newHolder: { user: 'bob' } })
  })
})

/** A real-clock instance with the workspace watcher (native events on the temp folder). */
async function watching(user: string, opts: { settingsFile?: string } = {}) {
  const s = await openWorkspace({
    folder: root,
    identity: testIdentity(user),
    lockSettings: { heartbeatIntervalMs: 5000, idleTimeoutMs: 0 },
    watch: { mode: 'native' }
  })
  const d = createDispatcher(s, opts)
  opened.push({ s, d })
  const events: ContractEvent[] = []
  d.onEvent((e) => events.push(e))
  const next = (name: string, match: (p: Record<string, unknown>) => boolean = () => true, ms = 5000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = events.find((e) => e.name === name && match(e.payload as Record<string, unknown>))
      if (found) return resolve(found.payload as Record<string, unknown>)
      const timer = setTimeout(() => reject(new Error(`no ${name} within ${ms} ms`)), ms)
      const sub = d.onEvent((e) => {
        if (e.name !== name || !match(e.payload as Record<string, unknown>)) return
        clearTimeout(timer)
        sub.dispose()
        resolve(e.payload as Record<string, unknown>)
      })
    })
  return { s, d, events, next }
}

describe('other instances, through the workspace watcher', () => {
  const ctx = { clientId: 'w' }

  it("announces another instance's lock and save, and an outside program's write as external", async () => {
    const ann = await watching('ann')
    const bob = await watching('bob')
    const snap = ok<{ sections: { id: string; sha256: string }[] }>(
      await bob.d.call('documents:open', { document: DOC }, ctx)
    )
    ok(await ann.d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, ctx))
    const locks = await bob.next('locks:changed', (p) => (p.locks as unknown[]).length === 1)
    expect(locks.locks).toEqual([
      expect.objectContaining({ sectionId: 'budget', holder: expect.objectContaining({ user: 'ann' }) })
    ])

    const saved = ok<{ fileSha256: string }>(
      await ann.d.call(
        'sections:save',
        {
          document: DOC,
          sectionId: 'budget',
          baseSha256: snap.sections[1].sha256,
          text: '# Budget\n\nMore money\n\n'
        },
        ctx
      )
    )
    const seen = await bob.next('document:changed', (p) => p.fileSha256 === saved.fileSha256)
    expect(seen.external).toBe(true) // for bob, ann's save is someone else's
    // Ann hears her own save once, as her own, although her watcher sees the file change too.
    await new Promise((r) => setTimeout(r, 400))
    const annChanges = ann.events.filter((e) => e.name === 'document:changed')
    expect(annChanges.map((e) => e.payload)).toEqual([
      { document: DOC, fileSha256: saved.fileSha256, external: false }
    ])

    await fs.writeFile(path.join(root, DOC), TEXT.replace('Some', 'Edited in another program'))
    const outside = await ann.next('document:changed', (p) => p.external === true)
    expect(outside.document).toBe(DOC)
  })

  it('reports how it watches, in the status and as an event', async () => {
    const ann = await watching('ann')
    const status = ok<{ watch: { mode: string; reason: string }; heartbeat: { intervalMs: number } }>(
      await ann.d.call('workspace:status', {}, ctx)
    )
    expect(status.watch.mode).toBe('native')
    expect(status.watch.reason).toMatch(/native file events/)
    expect(status.heartbeat.intervalMs).toBe(5000)
  })

  it('carries an edit request to the holder and the answer back; "released" frees the section first', async () => {
    const ann = await watching('ann')
    const bob = await watching('bob')
    ok(await ann.d.call('documents:open', { document: DOC }, ctx))
    ok(await bob.d.call('documents:open', { document: DOC }, ctx))
    expect(
      fail(await bob.d.call('requests:send', { document: DOC, sectionId: 'budget' }, ctx)).message
    ).toMatch(/is free/)
    ok(await ann.d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, ctx))
    const { id } = ok<{ id: string }>(
      await bob.d.call('requests:send', { document: DOC, sectionId: 'budget' }, ctx)
    )
    const asked = await ann.next('edit:requested', (p) => p.id === id)
    expect(asked).toMatchObject({
      sectionId: 'budget',
      heading: 'Budget',
      from: { user: 'bob', host: 'bob-pc' }
    })
    expect(
      ok<{ requests: { id: string }[] }>(await ann.d.call('requests:pending', {}, ctx)).requests
    ).toEqual([expect.objectContaining({ id })])
    // Only the holder answers, and only the window holding the section releases it.
    expect(fail(await bob.d.call('requests:answer', { id, answer: 'released' }, ctx)).message).toMatch(
      /addressed to somebody else/
    )
    expect(
      fail(await ann.d.call('requests:answer', { id, answer: 'released' }, { clientId: 'other' })).code
    ).toBe(ErrorCode.LockHeld)
    ok(await ann.d.call('requests:answer', { id, answer: 'released' }, ctx))
    const answered = await bob.next('edit:answered', (p) => p.id === id)
    expect(answered).toMatchObject({ answer: 'released', by: 'ann', sectionId: 'budget' })
    ok(await bob.d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, ctx))
    // The requester removed the answered request.
    await expect(fs.readdir(path.join(root, '.sectioned', 'requests'))).resolves.toEqual([])
  })

  it('a declined request leaves the lock with its holder', async () => {
    const ann = await watching('ann')
    const bob = await watching('bob')
    ok(await ann.d.call('locks:acquire', { document: DOC, sectionId: 'risks' }, ctx))
    const { id } = ok<{ id: string }>(
      await bob.d.call('requests:send', { document: DOC, sectionId: 'risks' }, ctx)
    )
    await ann.next('edit:requested', (p) => p.id === id)
    ok(await ann.d.call('requests:answer', { id, answer: 'declined' }, ctx))
    expect(await bob.next('edit:answered', (p) => p.id === id)).toMatchObject({ answer: 'declined' })
    expect(fail(await bob.d.call('locks:acquire', { document: DOC, sectionId: 'risks' }, ctx)).code).toBe(
      ErrorCode.LockHeld
    )
  })
})

describe('structure operations and settings through the contract', () => {
  const ctx = { clientId: 'w' }

  it('moves and deletes sections only under the document lock, with a backup', async () => {
    const { d } = await open('ann')
    expect(fail(await d.call('sections:delete', { document: DOC, sectionId: 'risks' }, ctx)).message).toMatch(
      /Take the lock/
    )
    ok(await d.call('locks:acquire', { document: DOC, sectionId: null }, ctx))
    const moved = ok<{ sections: { id: string }[]; backup: string }>(
      await d.call('sections:move', { document: DOC, sectionId: 'risks', beforeId: 'budget' }, ctx)
    )
    expect(moved.sections.map((s) => s.id)).toEqual(['preamble', 'risks', 'budget'])
    expect(await fs.readFile(path.join(root, DOC), 'utf8')).toBe(
      'Intro\n\n## Risks\n\nSome\n# Budget\n\nMoney\n\n'
    )
    const deleted = ok<{ sections: { id: string }[] }>(
      await d.call('sections:delete', { document: DOC, sectionId: 'budget' }, ctx)
    )
    expect(deleted.sections.map((s) => s.id)).toEqual(['preamble', 'risks'])
    expect(typeof moved.backup).toBe('string')
  })

  it('stores settings in range, refuses others, and says a restart applies them', async () => {
    const file = path.join(root, 'config', 'settings.json')
    const s = await openWorkspace({ folder: root, identity: testIdentity('ann'), clock: new FakeClock() })
    const d = createDispatcher(s, { settingsFile: file })
    opened.push({ s, d })
    const got = ok<{ settings: { user: string; heartbeatSeconds: number; watchMode: string } }>(
      await d.call('settings:get', {}, ctx)
    )
    expect(got.settings).toMatchObject({ user: 'ann', heartbeatSeconds: 30, watchMode: 'auto' })
    for (const bad of [
      { heartbeatSeconds: 2 },
      { pollIntervalMs: 10 },
      { user: '  ' },
      { watchMode: 'x' },
      { color: 1 }
    ]) {
      expect(fail(await d.call('settings:set', bad, ctx)).code, JSON.stringify(bad)).toBe(
        ErrorCode.Validation
      )
    }
    await expect(fs.readFile(file)).rejects.toThrow() // nothing written for bad input
    expect(ok(await d.call('settings:set', { heartbeatSeconds: 10, user: 'Ann B' }, ctx))).toEqual({
      saved: true,
      restartNeeded: true
    })
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual({ heartbeatSeconds: 10, user: 'Ann B' })
  })
})

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
    expect(await fs.readFile(path.join(root, DOC), 'utf8')).toContain('Last words')
    // The reloaded page's lock is taken after the close and is not released with the old page's.
    ok(await reloaded)
    const after = ok<{ locks: { sectionId: string; mine: boolean }[] }>(
      await d.call('locks:list', { document: DOC }, w)
    )
    expect(after.locks).toEqual([expect.objectContaining({ sectionId: 'risks', mine: true })])
    expect(d.holdsLocks('w')).toBe(true)
    expect(d.holdsLocks('x')).toBe(false)
  })
})

describe('the local journal through the contract', () => {
  const ctx = { clientId: 'w' }
  const SHA = 'b'.repeat(64)

  async function withJournal(onFlushed?: (clientId: string) => void) {
    const journalDir = path.join(root, '..', `${path.basename(root)}-journal`)
    const s = await openWorkspace({
      folder: root,
      identity: testIdentity('ann'),
      clock: new FakeClock(),
      journalDir
    })
    const d = createDispatcher(s, { onFlushed })
    opened.push({ s, d })
    return { s, d, journalDir }
  }

  afterEach(async () => {
    await fs.rm(`${root}-journal`, { recursive: true, force: true })
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
    expect(await fs.readdir(path.join(root, '.sectioned'))).not.toContain('journal')

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
    expect(saved.sections.map((x) => x.id)).toEqual(['preamble', 'budget', 'travel', 'risks'])
    expect(await fs.readFile(path.join(root, DOC), 'utf8')).toBe(`Intro\n\n${text}## Risks\n\nSome\n`)
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
    expect(await fs.readFile(path.join(root, DOC), 'utf8')).toBe(TEXT)
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
    expect(saved.sections.map((x) => x.id)).toEqual(['preamble', 'budget'])
    expect(await fs.readFile(path.join(root, DOC), 'utf8')).toBe(
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
