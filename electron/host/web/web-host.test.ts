import { promises as fs } from 'node:fs'
import { request, type IncomingHttpHeaders } from 'node:http'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeAll, afterAll, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { ErrorCode, type Result } from '../../../shared/errors'
import type { Disposable } from '../../services/core/clock'
import type { CallContext, ContractEvent, Dispatcher } from '../../services/api/dispatcher-types'
import { MAX_FRAME_BYTES, type EventFrame, type ReplyFrame } from './protocol'
import { resolveStaticPath } from './static-files'
import { startWebHost, type WebHost } from './web-host'

/** A transport test: the dispatcher only records what the host asks of it. */
class FakeDispatcher implements Dispatcher {
  readonly calls: { channel: string; payload: unknown; ctx: CallContext }[] = []
  readonly closed: string[] = []
  readonly finished: string[] = []
  private readonly listeners = new Set<(e: ContractEvent) => void>()
  /** `test:slow` calls wait until the test lets them finish. */
  private unblock: () => void = () => undefined
  private readonly blocked = new Promise<void>((resolve) => (this.unblock = resolve))

  async call(channel: string, payload: unknown, ctx: CallContext): Promise<Result<unknown>> {
    this.calls.push({ channel, payload, ctx })
    if (channel === 'test:throw') throw new Error('handler bug')
    if (channel === 'test:slow') {
      await this.blocked
      this.finished.push(channel)
    }
    return { ok: true, value: { channel, payload, clientId: ctx.clientId } }
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

  get listenerCount(): number {
    return this.listeners.size
  }
}

/** A connected page: frames in arrival order, requests matched by id. */
interface Client {
  ws: WebSocket
  next(): Promise<unknown>
  request(channel: string, payload?: unknown): Promise<ReplyFrame>
  sendRaw(data: string | Buffer): void
  close(): Promise<void>
}

let tmp: string
let staticDir: string
const SECRET = 'TOP-SECRET-PACKAGE-JSON'
const INDEX = '<!doctype html><title>Sectioned test page</title>'
const hosts: WebHost[] = []
const sockets: WebSocket[] = []

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-web-'))
  staticDir = path.join(tmp, 'renderer')
  await fs.mkdir(path.join(staticDir, 'assets'), { recursive: true })
  await fs.writeFile(path.join(staticDir, 'index.html'), INDEX)
  await fs.writeFile(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)\n')
  await fs.writeFile(path.join(staticDir, '.env'), SECRET)
  await fs.writeFile(path.join(tmp, 'package.json'), SECRET)
  await fs.symlink(path.join(tmp, 'package.json'), path.join(staticDir, 'escape.json'))
})

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true })
})

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate()
  await Promise.all(hosts.splice(0).map((h) => h.close()))
})

async function start(fake = new FakeDispatcher()): Promise<{ host: WebHost; fake: FakeDispatcher }> {
  const host = await startWebHost({ dispatcher: fake, staticDir })
  hosts.push(host)
  return { host, fake }
}

function apiUrl(host: WebHost, token: string | null = host.token): string {
  const query = token === null ? '' : `?token=${encodeURIComponent(token)}`
  return `ws://127.0.0.1:${host.port}/api${query}`
}

function pageOrigin(host: WebHost): string {
  return `http://127.0.0.1:${host.port}`
}

async function connect(host: WebHost, origin = pageOrigin(host)): Promise<Client> {
  const ws = new WebSocket(apiUrl(host), { origin })
  sockets.push(ws)
  const frames: unknown[] = []
  const waiting: ((f: unknown) => void)[] = []
  ws.on('message', (data) => {
    const frame: unknown = JSON.parse(String(data))
    const w = waiting.shift()
    if (w) w(frame)
    else frames.push(frame)
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  let nextId = 1
  const next = () =>
    new Promise<unknown>((resolve) => {
      const f = frames.shift()
      if (f !== undefined) resolve(f)
      else waiting.push(resolve)
    })
  return {
    ws,
    next,
    async request(channel, payload) {
      const id = nextId++
      ws.send(JSON.stringify({ id, channel, payload }))
      return (await next()) as ReplyFrame
    },
    sendRaw: (data) => ws.send(data),
    close: () =>
      new Promise((resolve) => {
        ws.once('close', () => resolve())
        ws.close()
      })
  }
}

/** Opens a socket that must be refused; resolves with the HTTP status of the refusal. */
function refusedStatus(
  url: string,
  opts: { origin?: string; headers?: Record<string, string> }
): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts)
    sockets.push(ws)
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0)
      req.destroy()
    })
    ws.on('error', () => undefined)
    ws.on('open', () => reject(new Error('the connection was accepted')))
  })
}

interface HttpReply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** A raw HTTP request: the path goes out exactly as written (fetch would normalise `..`). */
function get(
  host: WebHost,
  target: string,
  opts: { method?: string; hostHeader?: string } = {}
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: host.port,
        path: target,
        method: opts.method ?? 'GET',
        agent: false,
        headers: { Host: opts.hostHeader ?? `127.0.0.1:${host.port}` }
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      }
    )
    req.on('error', reject)
    req.end()
  })
}

describe('web host: the API socket', () => {
  it('round-trips a call with its id, and gives each page its own client id', async () => {
    const { host, fake } = await start()
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`)
    expect(host.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const a = await connect(host)
    const b = await connect(host, `http://localhost:${host.port}`)
    const first = await a.request('sections:list', { document: 'plan.md' })
    const second = await a.request('sections:list', { document: 'other.md' })
    expect(first).toMatchObject({ id: 1, result: { ok: true, value: { payload: { document: 'plan.md' } } } })
    expect(second).toMatchObject({
      id: 2,
      result: { ok: true, value: { payload: { document: 'other.md' } } }
    })
    const fromB = await b.request('sections:list', {})
    expect(fake.calls.map((c) => c.channel)).toEqual(['sections:list', 'sections:list', 'sections:list'])
    const idA = fake.calls[0].ctx.clientId
    expect(fake.calls[1].ctx.clientId).toBe(idA)
    expect(fake.calls[2].ctx.clientId).not.toBe(idA)
    expect(fromB.result).toMatchObject({ ok: true, value: { clientId: fake.calls[2].ctx.clientId } })
  })

  it('answers concurrent requests by id even when they finish out of order', async () => {
    const { host, fake } = await start()
    const a = await connect(host)
    a.sendRaw(JSON.stringify({ id: 10, channel: 'test:slow', payload: 'slow' }))
    a.sendRaw(JSON.stringify({ id: 11, channel: 'test:fast', payload: 'fast' }))
    const fast = (await a.next()) as ReplyFrame
    fake.finishSlowCalls()
    const slow = (await a.next()) as ReplyFrame
    expect([fast.id, slow.id]).toEqual([11, 10])
    expect(slow.result).toMatchObject({ ok: true, value: { payload: 'slow' } })
  })

  it('broadcasts an event to every connected page', async () => {
    const { host, fake } = await start()
    const a = await connect(host)
    const b = await connect(host)
    fake.emit({ name: 'locks:changed', payload: { document: 'plan.md', locks: [] } })
    const expected: EventFrame = { event: 'locks:changed', payload: { document: 'plan.md', locks: [] } }
    expect(await a.next()).toEqual(expected)
    expect(await b.next()).toEqual(expected)
    expect(fake.listenerCount).toBe(1)
  })

  it('sends each page its own view of an event that differs per page', async () => {
    const { host, fake } = await start()
    const a = await connect(host)
    const idA = ((await a.request('sections:list', {})).result as { value: { clientId: string } }).value
      .clientId
    const b = await connect(host)
    const idB = ((await b.request('sections:list', {})).result as { value: { clientId: string } }).value
      .clientId
    fake.emit({
      name: 'locks:changed',
      payload: { document: 'plan.md', locks: [] },
      forClient: (clientId) => ({ document: 'plan.md', locks: [], for: clientId })
    })
    expect(await a.next()).toEqual({
      event: 'locks:changed',
      payload: { document: 'plan.md', locks: [], for: idA }
    })
    expect(await b.next()).toEqual({
      event: 'locks:changed',
      payload: { document: 'plan.md', locks: [], for: idB }
    })
  })

  it('tells the dispatcher which client closed', async () => {
    const { host, fake } = await start()
    const a = await connect(host)
    const b = await connect(host)
    const idA = ((await a.request('whoami')).result as { value: { clientId: string } }).value.clientId
    const idB = ((await b.request('whoami')).result as { value: { clientId: string } }).value.clientId
    await a.close()
    await vi.waitFor(() => expect(fake.closed).toEqual([idA]))
    // The other page is unaffected.
    expect((await b.request('whoami')).result).toMatchObject({ ok: true, value: { clientId: idB } })
  })

  it('answers malformed frames with VALIDATION and keeps the connection usable', async () => {
    const { host, fake } = await start()
    const a = await connect(host)
    const malformed: [string | Buffer, number | null][] = [
      ['not json', null],
      ['[1,2,3]', null],
      ['null', null],
      ['{"channel":"sections:list"}', null],
      ['{"id":"7","channel":"sections:list"}', null],
      ['{"id":1.5,"channel":"sections:list"}', null],
      ['{"id":8}', 8],
      ['{"id":9,"channel":42}', 9],
      ['{"id":10,"channel":""}', 10],
      [Buffer.from([0x7b, 0x7d]), null]
    ]
    for (const [frame, id] of malformed) {
      a.sendRaw(frame)
      expect(await a.next()).toEqual({
        id,
        result: { ok: false, error: { code: ErrorCode.Validation, message: expect.any(String) } }
      })
    }
    expect(fake.calls).toEqual([])
    // A request without a payload key (JSON drops `payload: undefined`) is fine.
    a.sendRaw('{"id":11,"channel":"workspace:info"}')
    expect(await a.next()).toMatchObject({ id: 11, result: { ok: true } })
    const thrown = await a.request('test:throw')
    expect(thrown.result).toMatchObject({ ok: false, error: { code: ErrorCode.Io } })
    expect((await a.request('sections:list', { ok: 1 })).result).toMatchObject({ ok: true })
  })
})

describe('web host: limits', () => {
  it('drops a socket that sends a frame over the size cap and stays up for the others', async () => {
    const { host, fake } = await start()
    const big = await connect(host)
    const other = await connect(host)
    const code = new Promise<number>((resolve) => big.ws.once('close', (c) => resolve(c)))
    big.sendRaw(JSON.stringify({ id: 1, channel: 'x', payload: 'a'.repeat(MAX_FRAME_BYTES) }))
    expect(await code).toBe(1009)
    expect(fake.calls).toEqual([])
    expect((await other.request('whoami')).result).toMatchObject({ ok: true })
  })
})

describe('web host: who may open the socket', () => {
  it('refuses a wrong token, a missing token, a foreign or missing Origin, a foreign Host, another path', async () => {
    const { host, fake } = await start()
    const origin = pageOrigin(host)
    const wrong = host.token.slice(0, -1) + (host.token.endsWith('A') ? 'B' : 'A')
    expect(await refusedStatus(apiUrl(host, wrong), { origin })).toBe(401)
    expect(await refusedStatus(apiUrl(host, 'short'), { origin })).toBe(401)
    expect(await refusedStatus(apiUrl(host, null), { origin })).toBe(401)
    expect(await refusedStatus(apiUrl(host), { origin: 'http://evil.example' })).toBe(403)
    expect(await refusedStatus(apiUrl(host), { origin: `https://127.0.0.1:${host.port}` })).toBe(403)
    expect(await refusedStatus(apiUrl(host), { origin: `http://127.0.0.1:${host.port + 1}` })).toBe(403)
    expect(await refusedStatus(apiUrl(host), {})).toBe(403)
    expect(
      await refusedStatus(apiUrl(host), { origin, headers: { Host: `evil.example:${host.port}` } })
    ).toBe(403)
    expect(await refusedStatus(`ws://127.0.0.1:${host.port}/other?token=${host.token}`, { origin })).toBe(404)
    expect(fake.calls).toEqual([])
    expect(fake.closed).toEqual([])
  })

  it('listens on 127.0.0.1 only', async () => {
    const fake = new FakeDispatcher()
    await expect(startWebHost({ dispatcher: fake, staticDir, host: '0.0.0.0' })).rejects.toThrow(
      /127\.0\.0\.1/
    )
    await expect(startWebHost({ dispatcher: fake, staticDir, host: 'localhost' })).rejects.toThrow()
    expect(fake.listenerCount).toBe(0)
  })

  it('rejects a port that is taken, leaving nothing subscribed', async () => {
    const { host } = await start()
    const fake = new FakeDispatcher()
    await expect(startWebHost({ dispatcher: fake, staticDir, port: host.port })).rejects.toThrow(/EADDRINUSE/)
    expect(fake.listenerCount).toBe(0)
  })
})

describe('web host: static files', () => {
  it('serves index.html for / with the security headers', async () => {
    const { host } = await start()
    const page = await get(host, `/?token=${host.token}`)
    expect(page.status).toBe(200)
    expect(page.body).toBe(INDEX)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    const csp = page.headers['content-security-policy']
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${host.port}`)
    expect(csp).toContain("object-src 'none'")
    expect(csp).toContain("base-uri 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(page.headers['referrer-policy']).toBe('no-referrer')
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin')
    const js = await get(host, '/assets/app.js')
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    const head = await get(host, '/', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
  })

  it('never serves a file outside the renderer folder', async () => {
    const { host } = await start()
    const attempts = [
      '/../package.json',
      '/%2e%2e/package.json',
      '/%2E%2E/package.json',
      '/..%2fpackage.json',
      '/%2e%2e%2fpackage.json',
      '/assets/../../package.json',
      '/assets/..%2f..%2fpackage.json',
      '/..%5cpackage.json',
      '/index.html%00.js',
      '/%ff',
      '/.env',
      '/escape.json',
      '/assets/',
      `//${tmp}/package.json`,
      'http://127.0.0.1/../package.json'
    ]
    for (const target of attempts) {
      const reply = await get(host, target)
      expect([400, 403, 404], target).toContain(reply.status)
      expect(reply.body, target).not.toContain(SECRET)
      expect(reply.headers['content-security-policy'], target).toBeDefined()
    }
  })

  it('refuses a foreign Host, other methods, and has no API over HTTP', async () => {
    const { host, fake } = await start()
    const rebound = await get(host, '/', { hostHeader: `evil.example:${host.port}` })
    expect(rebound.status).toBe(403)
    expect(rebound.body).not.toContain('Sectioned test page')
    expect((await get(host, '/', { method: 'POST' })).status).toBe(405)
    expect((await get(host, `/api?token=${host.token}`)).status).toBe(404)
    expect(fake.calls).toEqual([])
  })

  it('serves 404s when there is no renderer', async () => {
    const host = await startWebHost({ dispatcher: new FakeDispatcher(), staticDir: null })
    hosts.push(host)
    expect((await get(host, '/')).status).toBe(404)
  })
})

describe('web host: close', () => {
  it('closes the sockets, releases their clients and frees the port', async () => {
    const { host, fake } = await start()
    const a = await connect(host)
    const id = ((await a.request('whoami')).result as { value: { clientId: string } }).value.clientId
    const closedWith = new Promise<number>((resolve) => a.ws.once('close', (code) => resolve(code)))
    await get(host, '/') // leaves nothing behind either
    await host.close()
    expect(await closedWith).toBe(1001)
    expect(fake.closed).toEqual([id])
    expect(fake.listenerCount).toBe(0)
    await host.close() // idempotent
    // The port can be bound again at once: nothing of the host is left listening.
    const probe = createServer()
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject)
      probe.listen(host.port, '127.0.0.1', () => resolve())
    })
    await new Promise<void>((resolve) => probe.close(() => resolve()))
  })

  it('waits for calls in flight before it resolves', async () => {
    const { host, fake } = await start()
    const a = await connect(host)
    a.sendRaw(JSON.stringify({ id: 1, channel: 'test:slow', payload: null }))
    await vi.waitFor(() => expect(fake.calls).toHaveLength(1), { interval: 5 })
    let closed = false
    const closing = host.close().then(() => (closed = true))
    await vi.waitFor(() => expect(fake.closed).toHaveLength(1), { interval: 5 })
    await new Promise((r) => setTimeout(r, 50))
    expect(closed).toBe(false)
    fake.finishSlowCalls()
    await closing
    // Resolving only now lets serve.ts dispose the dispatcher without pulling it from under a call.
    expect(fake.finished).toEqual(['test:slow'])
  })
})

describe('resolveStaticPath (each layer on its own; the symlink check backs it up at serve time)', () => {
  it('refuses traversal before the disk is touched', () => {
    const root = path.join(os.tmpdir(), 'renderer')
    expect(resolveStaticPath(root, '/')).toEqual({ ok: true, file: path.join(root, 'index.html') })
    expect(resolveStaticPath(root, '/assets/app.js?v=1')).toEqual({
      ok: true,
      file: path.join(root, 'assets', 'app.js')
    })
    const refused: [string, number][] = [
      ['/../package.json', 400],
      ['/%2e%2e/package.json', 400],
      ['/..%2fpackage.json', 400],
      ['/assets/./app.js', 400],
      ['/a%5c..%5cpackage.json', 400],
      ['/index.html%00', 400],
      ['/%E0%A4%A', 400],
      ['*', 400],
      ['http://127.0.0.1/index.html', 400],
      ['/.git/config', 404],
      ['/assets/', 404],
      ['//etc/passwd', 403]
    ]
    for (const [target, status] of refused)
      expect(resolveStaticPath(root, target), target).toEqual({ ok: false, status })
    // Decoded exactly once: a double-encoded dot-dot is a literal (missing) file name inside the root.
    expect(resolveStaticPath(root, '/%252e%252e/package.json')).toEqual({
      ok: true,
      file: path.join(root, '%2e%2e', 'package.json')
    })
  })
})
