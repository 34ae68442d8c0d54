import { request } from 'node:http'
import { connect as netConnect, type Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import type { Result } from '../../../shared/errors'
import type { Disposable } from '../../services/core/clock'
import type { CallContext, ContractEvent, Dispatcher } from '../../services/api/dispatcher-types'
import { NOT_READING, TOO_MUCH_IN_FLIGHT } from './api-connections'
import { DEFAULT_LIMITS, resolveLimits, type WebHostLimits } from './limits'
import type { EventFrame, ReplyFrame } from './protocol'
import { startWebHost, type WebHost } from './web-host'

/** Records calls; `test:slow` calls wait until the test lets them finish; others echo their payload. */
class FakeDispatcher implements Dispatcher {
  readonly calls: string[] = []
  readonly closed: string[] = []
  private readonly listeners = new Set<(e: ContractEvent) => void>()
  private unblock: () => void = () => undefined
  private readonly blocked = new Promise<void>((resolve) => (this.unblock = resolve))

  async call(channel: string, payload: unknown, ctx: CallContext): Promise<Result<unknown>> {
    this.calls.push(channel)
    if (channel === 'test:slow') await this.blocked
    return { ok: true, value: { payload, clientId: ctx.clientId } }
  }

  onEvent(listener: (e: ContractEvent) => void): Disposable {
    this.listeners.add(listener)
    return { dispose: () => void this.listeners.delete(listener) }
  }

  async clientClosed(clientId: string): Promise<void> {
    this.closed.push(clientId)
  }

  finishSlowCalls(): void {
    this.unblock()
  }

  emit(e: ContractEvent): void {
    for (const l of this.listeners) l(e)
  }
}

const hosts: WebHost[] = []
const fakes: FakeDispatcher[] = []
const opened: { destroy(): void }[] = []

afterEach(async () => {
  for (const s of opened.splice(0)) s.destroy()
  for (const f of fakes.splice(0)) f.finishSlowCalls()
  await Promise.all(hosts.splice(0).map((h) => h.close()))
})

async function start(limits: Partial<WebHostLimits>): Promise<{ host: WebHost; fake: FakeDispatcher }> {
  const fake = new FakeDispatcher()
  fakes.push(fake)
  const host = await startWebHost({ dispatcher: fake, staticDir: null, limits })
  hosts.push(host)
  return { host, fake }
}

/** An API client that sends requests by id and collects every frame it is sent. */
interface Client {
  ws: WebSocket
  frames: unknown[]
  send(channel: string, payload?: unknown): number
  request(channel: string, payload?: unknown): Promise<ReplyFrame>
  closed: Promise<{ code: number; reason: string }>
}

async function connect(host: WebHost): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, {
    origin: `http://127.0.0.1:${host.port}`
  })
  opened.push({ destroy: () => ws.terminate() })
  const frames: unknown[] = []
  ws.on('message', (data) => frames.push(JSON.parse(String(data))))
  ws.on('error', () => undefined)
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  )
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  let nextId = 1
  const send = (channel: string, payload?: unknown) => {
    const id = nextId++
    ws.send(JSON.stringify({ id, channel, payload }))
    return id
  }
  return {
    ws,
    frames,
    closed,
    send,
    async request(channel, payload) {
      const id = send(channel, payload)
      let reply: ReplyFrame | undefined
      await vi.waitFor(
        () => {
          reply = frames.find((f): f is ReplyFrame => (f as ReplyFrame).id === id)
          expect(reply).toBeDefined()
        },
        { interval: 2 }
      )
      return reply as ReplyFrame
    }
  }
}

/** A plain GET of `/` (this host serves no renderer: 404 is the answer of a working host). */
function getStatus(host: WebHost): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: host.port,
        path: '/',
        agent: false,
        headers: { Host: `127.0.0.1:${host.port}` }
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      }
    )
    req.on('error', reject)
    req.end()
  })
}

/** A raw TCP socket to the host; `ended` resolves when the host closes it, with what it was sent. */
function rawSocket(host: WebHost): { socket: Socket; connected: Promise<void>; ended: Promise<string> } {
  const socket = netConnect(host.port, '127.0.0.1')
  opened.push(socket)
  let received = ''
  socket.setEncoding('utf8')
  socket.on('data', (d: string) => (received += d))
  socket.on('error', () => undefined)
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  const ended = new Promise<string>((resolve) => socket.once('close', () => resolve(received)))
  return { socket, connected, ended }
}

describe('web host limits: connections', () => {
  it('refuses sockets past the cap and keeps answering its pages', async () => {
    const cap = 8
    const { host } = await start({ maxConnections: cap })
    const page = await connect(host) // one of the cap
    const flood = Array.from({ length: cap + 10 }, () => rawSocket(host))
    await Promise.all(flood.map((f) => f.connected))
    let refused = 0
    for (const f of flood) void f.ended.then(() => refused++)
    // The page already connected holds one place: cap - 1 of the flood get in, the rest are closed.
    await vi.waitFor(() => expect(refused).toBe(11))
    await new Promise((r) => setTimeout(r, 100))
    expect(refused).toBe(11)
    expect((await page.request('whoami')).result).toMatchObject({ ok: true })
    // Once the flood goes away, new pages and page requests get in again.
    for (const f of flood) f.socket.destroy()
    await vi.waitFor(async () => expect(await getStatus(host).catch(() => 0)).toBe(404))
    const later = await connect(host)
    expect((await later.request('whoami')).result).toMatchObject({ ok: true })
  })
})

describe('web host limits: bytes in flight', () => {
  it('closes a page that sends faster than it is answered, with the reason; another page keeps working', async () => {
    const { host, fake } = await start({ maxFrameBytes: 64 * 1024, maxInFlightBytes: 128 * 1024 })
    const greedy = await connect(host)
    const other = await connect(host)
    const chunk = 'x'.repeat(40 * 1024)
    for (let i = 0; i < 4; i++) greedy.send('test:slow', chunk)
    expect(await greedy.closed).toEqual({ code: 1008, reason: TOO_MUCH_IN_FLIGHT })
    // Three requests (120 KiB) fit; the fourth was never handed to the services.
    expect(fake.calls.filter((c) => c === 'test:slow')).toHaveLength(3)
    expect((await other.request('whoami', chunk)).result).toMatchObject({ ok: true })
    expect(fake.closed).toHaveLength(1)
    fake.finishSlowCalls()
    expect((await other.request('whoami')).result).toMatchObject({ ok: true })
  })

  it('answers requests in flight up to the cap, one after another', async () => {
    const { host } = await start({ maxFrameBytes: 64 * 1024, maxInFlightBytes: 128 * 1024 })
    const page = await connect(host)
    const chunk = 'x'.repeat(60 * 1024)
    // Each is answered before the next: 50 × 60 KiB in all, never more than 60 KiB at once.
    for (let i = 0; i < 50; i++)
      expect((await page.request('echo', chunk)).result).toMatchObject({ ok: true })
  })

  it('closes a page that does not read its answers', async () => {
    const { host, fake } = await start({ maxFrameBytes: 64 * 1024, maxInFlightBytes: 256 * 1024 })
    const page = await connect(host)
    const other = await connect(host)
    // Stop reading: the answers pile up in the kernel's buffers, then in the host's.
    ;(page.ws as unknown as { _socket: Socket })._socket.pause()
    const chunk = 'x'.repeat(32 * 1024)
    for (let i = 0; i < 4000 && fake.closed.length === 0; i++) {
      page.send('echo', chunk)
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5))
    }
    await vi.waitFor(() => expect(fake.closed).toHaveLength(1), { timeout: 5_000 })
    expect((await other.request('whoami')).result).toMatchObject({ ok: true })
    expect(NOT_READING.length).toBeLessThanOrEqual(123)
  })

  it('replaces an event too large to push with a short notice', async () => {
    const { host, fake } = await start({ maxEventBytes: 4096 })
    const page = await connect(host)
    fake.emit({ name: 'workspace:problem', payload: { message: 'small' } })
    fake.emit({ name: 'workspace:problem', payload: { message: 'y'.repeat(10_000) } })
    await vi.waitFor(() => expect(page.frames).toHaveLength(2))
    const [small, big] = page.frames as EventFrame[]
    expect(small).toEqual({ event: 'workspace:problem', payload: { message: 'small' } })
    expect(big.event).toBe('workspace:problem')
    expect((big.payload as { message: string }).message).toMatch(/too large to send/)
    expect(JSON.stringify(big).length).toBeLessThan(400)
  })
})

describe('web host limits: timeouts', () => {
  it('cuts a client whose headers do not arrive in time, and keeps API sockets past the request timeout', async () => {
    const { host } = await start({ headersTimeoutMs: 200, requestTimeoutMs: 400 })
    const page = await connect(host)
    const slow = rawSocket(host)
    await slow.connected
    const started = Date.now()
    slow.socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n`) // and never the blank line
    const received = await slow.ended
    const elapsed = Date.now() - started
    expect(received).toMatch(/^HTTP\/1\.1 408/)
    expect(elapsed).toBeGreaterThanOrEqual(150)
    expect(elapsed).toBeLessThan(1_500)
    // A socket that sends nothing at all is cut the same way.
    const silent = rawSocket(host)
    await silent.connected
    await silent.ended
    // The API socket is not an HTTP request any more: it outlives both timeouts.
    await new Promise((r) => setTimeout(r, 600))
    expect((await page.request('whoami')).result).toMatchObject({ ok: true })
    expect(await getStatus(host)).toBe(404)
  })
})

describe('resolveLimits', () => {
  it('keeps the defaults, applies overrides and refuses nonsense', () => {
    expect(resolveLimits()).toEqual(DEFAULT_LIMITS)
    expect(DEFAULT_LIMITS).toMatchObject({
      maxConnections: 64,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000
    })
    expect(DEFAULT_LIMITS.maxFrameBytes).toBe(96 * 1024 * 1024)
    expect(resolveLimits({ maxConnections: 3 }).maxConnections).toBe(3)
    expect(() => resolveLimits({ maxConnections: 0 })).toThrow(/maxConnections/)
    expect(() => resolveLimits({ maxFrameBytes: 1.5 })).toThrow(/maxFrameBytes/)
    expect(() => resolveLimits({ maxFrameBytes: 10, maxInFlightBytes: 5 })).toThrow(/maxInFlightBytes/)
    expect(() => resolveLimits({ headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 })).toThrow(
      /headersTimeoutMs/
    )
  })
})
