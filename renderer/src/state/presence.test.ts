import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Result } from '../../../shared/errors'
import { SectionedClient } from '../ipc/client'
import type { ConnectionStatus, Transport } from '../ipc/transport'
import { PLACE_DEBOUNCE_MS } from './presence'
import { createAppStore } from './store'

/** A transport that answers every call with ok and records it; events can be pushed. */
class RecordingTransport implements Transport {
  readonly kind = 'web' as const
  calls: { channel: string; payload: unknown }[] = []
  private listeners = new Map<string, ((p: unknown) => void)[]>()
  async invoke(channel: string, payload: unknown): Promise<Result<unknown>> {
    this.calls.push({ channel, payload })
    return { ok: true, value: channel === 'presence:list' ? { others: [] } : { ok: true } }
  }
  on(event: string, cb: (p: unknown) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), cb])
    return () => undefined
  }
  onStatus(_cb: (s: ConnectionStatus) => void) {
    return () => undefined
  }
  push(event: string, payload: unknown) {
    for (const l of this.listeners.get(event) ?? []) l(payload)
  }
  sent(channel: string) {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.payload)
  }
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('presence in the store', () => {
  it('tells the services where the cursor rests, once per rest, and again after a reconnect', async () => {
    const t = new RecordingTransport()
    const { store, dispose } = createAppStore(new SectionedClient(t))
    const at = (sectionId: string) => ({ document: 'plan.md', sectionId, heading: sectionId.toUpperCase() })
    store.getState().placeAt(at('a'))
    store.getState().placeAt(at('b'))
    await vi.advanceTimersByTimeAsync(PLACE_DEBOUNCE_MS - 1)
    expect(t.sent('presence:set')).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(t.sent('presence:set')).toEqual([at('b')]) // the last place of the burst, once
    store.getState().placeAt(at('b')) // the cursor moved inside the same section
    await vi.advanceTimersByTimeAsync(PLACE_DEBOUNCE_MS)
    expect(t.sent('presence:set')).toHaveLength(1)
    store.getState().resendPlace()
    expect(t.sent('presence:set')).toEqual([at('b'), at('b')])
    store.getState().placeAt(null)
    await vi.advanceTimersByTimeAsync(PLACE_DEBOUNCE_MS)
    expect(t.sent('presence:set').at(-1)).toEqual({ document: null, sectionId: null, heading: null })
    dispose()
  })

  it('keeps the others the services announce', () => {
    const t = new RecordingTransport()
    const { store, dispose } = createAppStore(new SectionedClient(t))
    const bob = { instanceId: 'i-bob', ownerId: 'bob', user: 'bob', host: 'pc', documents: [] }
    t.push('presence:changed', { others: [bob] })
    expect(store.getState().others).toEqual([bob])
    dispose()
  })
})
