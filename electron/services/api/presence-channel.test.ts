import { promises as fs } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { EventOf } from '../../../shared/contract'
import { ErrorCode } from '../../../shared/errors'
import { FakeClock } from '../../../test/harness/fake-clock'
import { DOC, dispatcherWorkspace, fail, ok } from '../../../test/harness/dispatcher-harness'
import { testIdentity } from '../../../test/harness/test-identity'
import { openWorkspace } from '../app-services'
import type { ContractEvent } from './dispatcher-types'
import { createDispatcher } from './dispatcher'

const ws = dispatcherWorkspace()

/** An instance with windows: it watches the folder, so it keeps a presence record (the CLI's do not). */
async function withWindows(user: string, clock: FakeClock) {
  const s = await openWorkspace({
    folder: ws.root(),
    identity: testIdentity(user),
    clock,
    lockSettings: { heartbeatIntervalMs: 1000, idleTimeoutMs: 0 },
    watch: { mode: 'native' }
  })
  const d = createDispatcher(s)
  ws.track(s, d)
  const events: ContractEvent[] = []
  d.onEvent((e) => events.push(e))
  return { s, d, events }
}

type Changed = EventOf<'presence:changed'>

describe('presence:set, presence:list and presence:changed', () => {
  it('shows where another instance’s window is, follows it, and drops it when the window closes', async () => {
    const annClock = new FakeClock()
    const bobClock = new FakeClock()
    const ann = await withWindows('ann', annClock)
    const bob = await withWindows('bob', bobClock)
    const w = { clientId: 'bob-w1' }
    const presence = () =>
      ann.events.filter((e) => e.name === 'presence:changed').map((e) => (e.payload as Changed).others)

    ok(await bob.d.call('presence:set', { document: DOC, sectionId: 'budget', heading: 'Budget' }, w))
    await bobClock.advance(500)
    await annClock.advance(1000) // ann looks at every beat (no watcher in this test)
    const place = { document: DOC, sectionId: 'budget', heading: 'Budget' }
    expect(presence().at(-1)).toEqual([
      { instanceId: 'i-bob', ownerId: 'bob', user: 'bob', host: 'bob-pc', documents: [place] }
    ])
    expect(
      ok<{ others: unknown[] }>(await ann.d.call('presence:list', {}, { clientId: 'a' })).others
    ).toEqual(presence().at(-1))
    // Ann's own window is never one of "the others" in her own instance.
    ok(await ann.d.call('presence:set', { document: DOC, sectionId: null, heading: null }, { clientId: 'a' }))
    await annClock.advance(1000)
    expect(
      presence()
        .at(-1)
        ?.map((o) => o.user)
    ).toEqual(['bob'])

    ok(await bob.d.call('presence:set', { document: DOC, sectionId: 'risks', heading: 'Risks' }, w))
    await bobClock.advance(500)
    await annClock.advance(1000)
    expect(presence().at(-1)?.[0].documents).toEqual([
      { document: DOC, sectionId: 'risks', heading: 'Risks' }
    ])

    await bob.d.clientClosed(w.clientId)
    await bobClock.advance(500)
    await annClock.advance(1000)
    expect(presence().at(-1)?.[0].documents).toEqual([])
  })

  it('an instance without windows (a CLI command) keeps no record', async () => {
    const cli = await ws.open('cli')
    const app = await withWindows('ann', new FakeClock())
    expect(app.s.presence.others()).toEqual([])
    await expect(fs.readdir(cli.s.workspace.presenceDir)).resolves.toEqual(['i-ann.json'])
  })

  it('refuses a path outside the workspace or a malformed place', async () => {
    const { d } = await ws.open('ann')
    const ctx = { clientId: 'w' }
    expect(
      fail(await d.call('presence:set', { document: '../x.md', sectionId: null, heading: null }, ctx)).code
    ).toBe(ErrorCode.PathOutside)
    for (const bad of [{}, { document: DOC }, { document: DOC, sectionId: 3, heading: null }, { x: 1 }]) {
      expect(fail(await d.call('presence:set', bad, ctx)).code, JSON.stringify(bad)).toBe(
        ErrorCode.Validation
      )
    }
  })
})
