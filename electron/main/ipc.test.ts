import { describe, expect, it } from 'vitest'
import type { Result } from '../../shared/errors'
import type { CallContext, ContractEvent, Dispatcher } from '../services/api/dispatcher-types'
import { MemoryLog } from '../../test/harness/memory-log'
import {
  bindIpc,
  MAIN_IPC,
  REFUSED,
  type ClientWebContents,
  type InvokeEventLike,
  type IpcMainLike
} from './ipc'

const appUrl = 'file:///opt/Sectioned/out/renderer/index.html'
const isTrusted = (url: string) => url === appUrl

type Handler = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>

function fakeIpcMain() {
  const handlers = new Map<string, Handler>()
  const ipcMain: IpcMainLike = {
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`)
      handlers.set(channel, listener)
    },
    removeHandler: (channel) => void handlers.delete(channel)
  }
  const invoke = (event: InvokeEventLike, channel: unknown, payload: unknown) => {
    const handler = handlers.get(MAIN_IPC.invoke)
    if (!handler) throw new Error('no handler')
    return handler(event, channel, payload)
  }
  return { ipcMain, handlers, invoke }
}

function fakeDispatcher() {
  const listeners = new Set<(event: ContractEvent) => void>()
  const calls: { channel: string; payload: unknown; ctx: CallContext }[] = []
  const closed: string[] = []
  const dispatcher: Dispatcher = {
    async call(channel, payload, ctx): Promise<Result<unknown>> {
      calls.push({ channel, payload, ctx })
      return { ok: true, value: { echoed: channel } }
    },
    onEvent(listener) {
      listeners.add(listener)
      return { dispose: () => void listeners.delete(listener) }
    },
    async clientClosed(clientId) {
      closed.push(clientId)
    }
  }
  const emit = (event: ContractEvent) => listeners.forEach((l) => l(event))
  return { dispatcher, calls, closed, listeners, emit }
}

type Lifetime = 'destroyed' | 'render-process-gone' | 'did-navigate'

function fakeWebContents(id: number, url = appUrl) {
  const listeners = new Map<Lifetime, Set<() => void>>()
  const sent: unknown[][] = []
  let destroyed = false
  const contents: ClientWebContents = {
    id,
    isDestroyed: () => destroyed,
    getURL: () => url,
    send: (...args) => void sent.push(args),
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set())
      listeners.get(event)?.add(listener)
      return contents
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener)
      return contents
    }
  }
  const emit = (event: Lifetime) => [...(listeners.get(event) ?? [])].forEach((l) => l())
  const destroy = () => {
    destroyed = true
    emit('destroyed')
  }
  const listenerCount = () => [...listeners.values()].reduce((n, s) => n + s.size, 0)
  return { contents, sent, emit, destroy, listenerCount }
}

/** An invoke event from the top frame of `sender` showing `url`. */
function event(senderId: number, url = appUrl, parent: unknown = null): InvokeEventLike {
  return { sender: { id: senderId }, senderFrame: { url, parent } }
}

function setup() {
  const ipc = fakeIpcMain()
  const d = fakeDispatcher()
  const log = new MemoryLog()
  const binding = bindIpc(ipc.ipcMain, d.dispatcher, isTrusted, log)
  return { ...ipc, ...d, log, binding }
}

describe('bindIpc: who may call', () => {
  it('serves the top frame of one of our windows showing the app page, as client = its webContents id', async () => {
    const t = setup()
    t.binding.addWindow(fakeWebContents(7).contents)
    const result = await t.invoke(event(7), 'documents:list', {})
    expect(result).toEqual({ ok: true, value: { echoed: 'documents:list' } })
    expect(t.calls).toEqual([{ channel: 'documents:list', payload: {}, ctx: { clientId: '7' } }])
  })

  it('refuses a frame showing another URL, without calling the dispatcher, and logs once', async () => {
    const t = setup()
    t.binding.addWindow(fakeWebContents(7).contents)
    expect(await t.invoke(event(7, 'https://evil.example/'), 'documents:list', {})).toEqual(REFUSED)
    expect(await t.invoke(event(7, 'file:///tmp/index.html'), 'documents:list', {})).toEqual(REFUSED)
    expect(REFUSED).toEqual({
      ok: false,
      error: { code: 'VALIDATION', message: 'Refused: the request did not come from the app’s own page.' }
    })
    expect(t.calls).toEqual([])
    expect(t.log.lines).toHaveLength(1)
    expect(t.log.lines[0]?.message).toContain('https://evil.example/')
  })

  it('refuses a sub-frame of our page', async () => {
    const t = setup()
    t.binding.addWindow(fakeWebContents(7).contents)
    expect(await t.invoke(event(7, appUrl, { url: appUrl }), 'documents:list', {})).toEqual(REFUSED)
    expect(t.calls).toEqual([])
  })

  it('refuses a webContents that is not one of our windows, even on the app URL', async () => {
    const t = setup()
    t.binding.addWindow(fakeWebContents(7).contents)
    expect(await t.invoke(event(8), 'documents:list', {})).toEqual(REFUSED)
    expect(t.calls).toEqual([])
  })

  it('refuses when the sending frame is gone or cannot be inspected', async () => {
    const t = setup()
    t.binding.addWindow(fakeWebContents(7).contents)
    expect(await t.invoke({ sender: { id: 7 }, senderFrame: null }, 'documents:list', {})).toEqual(REFUSED)
    const disposed: InvokeEventLike = {
      sender: { id: 7 },
      get senderFrame(): never {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed')
      }
    }
    expect(await t.invoke(disposed, 'documents:list', {})).toEqual(REFUSED)
    expect(t.calls).toEqual([])
  })

  it('answers a non-string channel with a VALIDATION result', async () => {
    const t = setup()
    t.binding.addWindow(fakeWebContents(7).contents)
    const result = (await t.invoke(event(7), 42, {})) as Result<unknown>
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.code).toBe('VALIDATION')
    expect(t.calls).toEqual([])
  })

  it('turns a dispatcher that throws into an error Result', async () => {
    const t = setup()
    t.binding.addWindow(fakeWebContents(7).contents)
    t.dispatcher.call = () => Promise.reject(new Error('boom'))
    const result = (await t.invoke(event(7), 'documents:list', {})) as Result<unknown>
    expect(result.ok).toBe(false)
  })
})

describe('bindIpc: events and window lifetime', () => {
  it('sends every dispatcher event to every window showing the app page', () => {
    const t = setup()
    const a = fakeWebContents(1)
    const b = fakeWebContents(2)
    const elsewhere = fakeWebContents(3, 'https://evil.example/')
    for (const w of [a, b, elsewhere]) t.binding.addWindow(w.contents)
    t.emit({ name: 'locks:changed', payload: { document: 'a.md', locks: [] } })
    const expected = [[MAIN_IPC.event, 'locks:changed', { document: 'a.md', locks: [] }]]
    expect(a.sent).toEqual(expected)
    expect(b.sent).toEqual(expected)
    expect(elsewhere.sent).toEqual([])
  })

  it('sends each window its own view of an event that differs per window (its client id is its webContents id)', () => {
    const t = setup()
    const a = fakeWebContents(1)
    const b = fakeWebContents(2)
    for (const w of [a, b]) t.binding.addWindow(w.contents)
    t.emit({
      name: 'locks:changed',
      payload: { document: 'a.md', locks: [] },
      forClient: (clientId) => ({ document: 'a.md', locks: [], for: clientId })
    })
    expect(a.sent).toEqual([[MAIN_IPC.event, 'locks:changed', { document: 'a.md', locks: [], for: '1' }]])
    expect(b.sent).toEqual([[MAIN_IPC.event, 'locks:changed', { document: 'a.md', locks: [], for: '2' }]])
  })

  it('skips a destroyed window and keeps sending to the others when one send throws', () => {
    const t = setup()
    const a = fakeWebContents(1)
    const b = fakeWebContents(2)
    t.binding.addWindow(a.contents)
    t.binding.addWindow(b.contents)
    a.contents.send = () => {
      throw new Error('Object has been destroyed')
    }
    t.emit({ name: 'document:changed', payload: {} })
    expect(b.sent).toHaveLength(1)
    // The dropped event leaves a line: the window that missed it is named.
    expect(t.log.at('warn')).toEqual([
      {
        level: 'warn',
        message: 'an event could not be sent to a window',
        fields: { event: 'document:changed', window: 1, error: 'Object has been destroyed' }
      }
    ])
  })

  it('releases the locks of a window when it is destroyed, its renderer dies or its page reloads', async () => {
    const t = setup()
    const a = fakeWebContents(4)
    t.binding.addWindow(a.contents)
    a.emit('did-navigate')
    a.emit('render-process-gone')
    a.destroy()
    expect(t.closed).toEqual(['4', '4', '4'])
    expect(a.listenerCount()).toBe(0)
    // A destroyed window is no longer ours: its id gets no events and no service.
    t.emit({ name: 'locks:changed', payload: {} })
    expect(a.sent).toEqual([])
    expect(await t.invoke(event(4), 'documents:list', {})).toEqual(REFUSED)
  })

  it('leaves a warning when the locks of a closed window could not be released', async () => {
    const t = setup()
    t.dispatcher.clientClosed = () => Promise.reject(new Error('EIO: the share went away'))
    const a = fakeWebContents(8)
    t.binding.addWindow(a.contents)
    a.destroy()
    await t.binding.dispose()
    expect(t.log.at('warn').map((l) => [l.message, l.fields])).toEqual([
      [
        'the locks of a closed window could not be released',
        { window: '8', error: 'EIO: the share went away' }
      ]
    ])
  })

  it('adds a window once, however often it is added', () => {
    const t = setup()
    const a = fakeWebContents(5)
    t.binding.addWindow(a.contents)
    t.binding.addWindow(a.contents)
    a.destroy()
    expect(t.closed).toEqual(['5'])
  })

  it('dispose removes the handler, the event subscription and the window listeners', async () => {
    const t = setup()
    const a = fakeWebContents(6)
    t.binding.addWindow(a.contents)
    expect(t.handlers.has(MAIN_IPC.invoke)).toBe(true)
    expect(t.listeners.size).toBe(1)
    await t.binding.dispose()
    expect(t.handlers.size).toBe(0)
    expect(t.listeners.size).toBe(0)
    expect(a.listenerCount()).toBe(0)
    // The channel is free again: a new binding (a new workspace) can take it.
    bindIpc(t.ipcMain, t.dispatcher, isTrusted, t.log)
    expect(t.handlers.has(MAIN_IPC.invoke)).toBe(true)
  })

  it('dispose waits for releases in flight', async () => {
    const t = setup()
    let finish: () => void = () => undefined
    t.dispatcher.clientClosed = () => new Promise<void>((resolve) => (finish = resolve))
    const a = fakeWebContents(9)
    t.binding.addWindow(a.contents)
    a.destroy()
    let disposed = false
    const done = t.binding.dispose().then(() => (disposed = true))
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(disposed).toBe(false)
    finish()
    await done
    expect(disposed).toBe(true)
  })
})
