import { promises as fs } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import type { ContractEvent } from './dispatcher-types'
import { ErrorCode } from '../../../shared/errors'
import { testIdentity } from '../../../test/harness/test-identity'
import { openWorkspace } from '../app-services'
import { FakeClock } from '../../../test/harness/fake-clock'
import { createDispatcher } from './dispatcher'
import { DOC, TEXT, dispatcherWorkspace, fail, ok } from '../../../test/harness/dispatcher-harness'

const ws = dispatcherWorkspace()
const open = ws.open

/** Ann's services on the test workspace, and where a dispatcher given it keeps the settings. */
async function annWithSettingsFile() {
  const file = path.join(ws.root(), 'config', 'settings.json')
  const s = await openWorkspace({ folder: ws.root(), identity: testIdentity('ann'), clock: new FakeClock() })
  return { file, s }
}

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
    expect(await fs.readFile(path.join(ws.root(), DOC), 'utf8')).toBe(TEXT)
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
    // The lock event carries each window's own view: mine in window A, mine elsewhere in window B.
    for (let i = 0; i < 100 && !events.some((e) => e.name === 'locks:changed'); i++) await sleep(20)
    const lockEvent = events.filter((e) => e.name === 'locks:changed').at(-1)
    const seen = (clientId: string) =>
      (
        lockEvent?.forClient?.(clientId) as {
          locks: { sectionId: string; mine: boolean; mineElsewhere: boolean }[]
        }
      ).locks.map(({ sectionId, mine, mineElsewhere }) => ({ sectionId, mine, mineElsewhere }))
    expect(seen('window-a')).toEqual([{ sectionId: 'budget', mine: true, mineElsewhere: false }])
    expect(seen('window-b')).toEqual([{ sectionId: 'budget', mine: false, mineElsewhere: true }])
    expect(seen('window-a')).toEqual(
      ok<{ locks: { sectionId: string; mine: boolean; mineElsewhere: boolean }[] }>(
        await d.call('locks:list', { document: DOC }, a)
      ).locks.map(({ sectionId, mine, mineElsewhere }) => ({ sectionId, mine, mineElsewhere }))
    )

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

    await fs.writeFile(path.join(ws.root(), DOC), TEXT.replace('Some', 'Changed outside'))
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
    folder: ws.root(),
    identity: testIdentity(user),
    lockSettings: { heartbeatIntervalMs: 5000, idleTimeoutMs: 0 },
    watch: { mode: 'native' }
  })
  const d = createDispatcher(s, opts)
  ws.track(s, d)
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

    await fs.writeFile(path.join(ws.root(), DOC), TEXT.replace('Some', 'Edited in another program'))
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
    await expect(fs.readdir(path.join(ws.root(), '.sectioned', 'requests'))).resolves.toEqual([])
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
    expect(await fs.readFile(path.join(ws.root(), DOC), 'utf8')).toBe(
      'Intro\n\n## Risks\n\nSome\n# Budget\n\nMoney\n\n'
    )
    const deleted = ok<{ sections: { id: string }[] }>(
      await d.call('sections:delete', { document: DOC, sectionId: 'budget' }, ctx)
    )
    expect(deleted.sections.map((s) => s.id)).toEqual(['preamble', 'risks'])
    expect(typeof moved.backup).toBe('string')
  })

  it('stores settings in range, refuses others, and says a restart applies them', async () => {
    const { file, s } = await annWithSettingsFile()
    const d = createDispatcher(s, { settingsFile: file })
    ws.track(s, d)
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

  it('keeps notifications on by default; turning them off needs no restart; only Electron shows them', async () => {
    const { file, s } = await annWithSettingsFile()
    const shown: unknown[] = []
    const web = createDispatcher(s, { settingsFile: file })
    const electron = createDispatcher(s, { onNotify: (n, clientId) => shown.push([n.title, clientId]) > 0 })
    ws.track(s, web)
    ws.track(s, electron)
    const settings = async () =>
      ok<{ settings: { notifications: boolean } }>(await web.call('settings:get', {}, ctx))
    expect((await settings()).settings.notifications).toBe(true)
    expect(ok(await web.call('settings:set', { notifications: false }, ctx))).toEqual({
      saved: true,
      restartNeeded: false
    })
    expect((await settings()).settings.notifications).toBe(false)
    const notice = {
      key: 'k',
      title: 'bob asks for “Budget”',
      body: 'b',
      document: 'plan.md',
      sectionId: 'budget'
    }
    expect(ok(await web.call('app:notify', notice, ctx))).toEqual({ shown: false })
    expect(ok(await electron.call('app:notify', notice, ctx))).toEqual({ shown: true })
    expect(shown).toEqual([['bob asks for “Budget”', ctx.clientId]])
    expect(fail(await electron.call('app:notify', { ...notice, extra: 1 }, ctx)).code).toBe(
      ErrorCode.Validation
    )
  })

  it('remembers where the window was, per workspace, in the settings file; refuses names outside it', async () => {
    const { file, s } = await annWithSettingsFile()
    const d = createDispatcher(s, { settingsFile: file })
    ws.track(s, d)
    expect(ok(await d.call('places:get', {}, ctx))).toEqual({ shown: null, documents: [] })
    const place = { document: DOC, top: 12, anchor: 20, head: 25 }
    expect(ok(await d.call('places:remember', place, ctx))).toEqual({ ok: true })
    expect(ok(await d.call('places:remember', { ...place, document: 'b.md', top: 0 }, ctx))).toEqual({
      ok: true
    })
    expect(ok(await d.call('places:remember', place, ctx))).toEqual({ ok: true })
    expect(ok(await d.call('places:get', {}, ctx))).toEqual({
      shown: DOC,
      documents: [place, { ...place, document: 'b.md', top: 0 }]
    })
    const stored = JSON.parse(await fs.readFile(file, 'utf8')) as { workspaces: { folder: string }[] }
    expect(stored.workspaces.map((w) => w.folder)).toEqual([path.resolve(ws.root())])
    expect(fail(await d.call('places:remember', { ...place, document: '../x.md' }, ctx)).code).toBe(
      ErrorCode.PathOutside
    )
    expect(fail(await d.call('places:remember', { ...place, top: -1 }, ctx)).code).toBe(ErrorCode.Validation)
    const got = ok<{ recentFolders: unknown[] }>(await d.call('settings:get', {}, ctx))
    expect(got.recentFolders).toEqual([])
  })
})
