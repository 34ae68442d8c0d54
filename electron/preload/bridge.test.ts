import { describe, expect, it, vi } from 'vitest'
import { BRIDGE_IPC, createBridge, type IpcListener, type IpcRendererLike } from './bridge'

/** An ipcRenderer stand-in: records invokes, answers with `reply`, and lets the test push events. */
function fakeIpc(
  reply: (channel: string, ...args: unknown[]) => Promise<unknown> = async () => ({ ok: true, value: 1 })
) {
  const invokes: unknown[][] = []
  const listeners = new Map<string, Set<IpcListener>>()
  const ipc: IpcRendererLike = {
    invoke(channel, ...args) {
      invokes.push([channel, ...args])
      return reply(channel, ...args)
    },
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set())
      listeners.get(channel)?.add(listener)
      return ipc
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener)
      return ipc
    }
  }
  const ipcEvent = { sender: { secret: 'the real ipcRenderer' } }
  const push = (...args: unknown[]) =>
    [...(listeners.get(BRIDGE_IPC.event) ?? [])].forEach((l) => l(ipcEvent, ...args))
  const listenerCount = () => listeners.get(BRIDGE_IPC.event)?.size ?? 0
  return { ipc, invokes, push, listenerCount }
}

describe('createBridge: invoke', () => {
  it('forwards a contract channel over the one invoke channel and returns main’s Result', async () => {
    const fake = fakeIpc(async () => ({ ok: true, value: { documents: ['a.md'] } }))
    const bridge = createBridge(fake.ipc)
    expect(await bridge.invoke('documents:list', {})).toEqual({ ok: true, value: { documents: ['a.md'] } })
    expect(fake.invokes).toEqual([[BRIDGE_IPC.invoke, 'documents:list', {}]])
  })

  it('answers anything but a contract channel with VALIDATION, without any IPC', async () => {
    const fake = fakeIpc()
    const bridge = createBridge(fake.ipc)
    for (const channel of ['sectioned:invoke', 'fs:read', 'locks:changed', '__proto__', 'toString', '']) {
      const result = await bridge.invoke(channel, {})
      expect(result.ok, channel).toBe(false)
      if (!result.ok) expect(result.error.code).toBe('VALIDATION')
    }
    // What a page could pass at run time despite the types.
    const untyped: (channel: unknown, payload: unknown) => Promise<unknown> = bridge.invoke as never
    expect(await untyped(42, {})).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    expect(fake.invokes).toEqual([])
  })

  it('resolves an IO Result when IPC rejects or main answers in an unexpected shape', async () => {
    const rejecting = createBridge(
      fakeIpc(() => Promise.reject(new Error('An object could not be cloned.'))).ipc
    )
    const failed = await rejecting.invoke('documents:list', {})
    expect(failed).toMatchObject({ ok: false, error: { code: 'IO' } })
    if (!failed.ok) expect(failed.error.message).toContain('could not be cloned')
    for (const odd of [undefined, 'ok', { ok: true }, { ok: false }, { ok: false, error: null }]) {
      const bridge = createBridge(fakeIpc(async () => odd).ipc)
      expect(await bridge.invoke('documents:list', {})).toMatchObject({ ok: false, error: { code: 'IO' } })
    }
  })
})

describe('createBridge: on', () => {
  it('delivers the payload only — never the IPC event — to subscribers of that event', () => {
    const fake = fakeIpc()
    const bridge = createBridge(fake.ipc)
    const changed = vi.fn()
    const lost = vi.fn()
    bridge.on('locks:changed', changed)
    bridge.on('lock:lost', lost)
    fake.push('locks:changed', { document: 'a.md', locks: [] })
    expect(changed.mock.calls).toEqual([[{ document: 'a.md', locks: [] }]])
    expect(lost).not.toHaveBeenCalled()
  })

  it('refuses event names that are not contract events', () => {
    const bridge = createBridge(fakeIpc().ipc)
    for (const name of ['sectioned:event', 'documents:list', 'ipc-message', '__proto__', '']) {
      expect(() => bridge.on(name, () => undefined), name).toThrow(/Unknown event/)
    }
    const untyped: (event: unknown, cb: unknown) => unknown = bridge.on as never
    expect(() => untyped('locks:changed', 'not a function')).toThrow(TypeError)
  })

  it('uses one IPC listener while anyone is subscribed and removes it after the last unsubscribe', () => {
    const fake = fakeIpc()
    const bridge = createBridge(fake.ipc)
    const offs = Array.from({ length: 20 }, () => bridge.on('locks:changed', () => undefined))
    const offLost = bridge.on('lock:lost', () => undefined)
    expect(fake.listenerCount()).toBe(1)
    offs.forEach((off) => off())
    expect(fake.listenerCount()).toBe(1)
    offLost()
    expect(fake.listenerCount()).toBe(0)
  })

  it('unsubscribes exactly one subscription, once', () => {
    const fake = fakeIpc()
    const bridge = createBridge(fake.ipc)
    const callback = vi.fn()
    const off1 = bridge.on('locks:changed', callback)
    const off2 = bridge.on('locks:changed', callback)
    off1()
    off1()
    fake.push('locks:changed', 1)
    expect(callback).toHaveBeenCalledTimes(1)
    off2()
    fake.push('locks:changed', 2)
    expect(callback).toHaveBeenCalledTimes(1)
    expect(fake.listenerCount()).toBe(0)
  })

  it('keeps delivering to the other subscribers when one throws, and ignores malformed events', () => {
    const fake = fakeIpc()
    const bridge = createBridge(fake.ipc)
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const good = vi.fn()
    bridge.on('document:changed', () => {
      throw new Error('broken subscriber')
    })
    bridge.on('document:changed', good)
    fake.push('document:changed', { document: 'a.md' })
    fake.push(42, { document: 'a.md' })
    fake.push()
    expect(good).toHaveBeenCalledTimes(1)
    expect(error).toHaveBeenCalledTimes(1)
    error.mockRestore()
  })
})
