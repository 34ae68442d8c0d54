/**
 * The API sockets of the web host: turns request frames into `dispatcher.call`s and replies, pushes
 * the dispatcher's events to every open page, and tells the dispatcher when a page goes away.
 * Everything it starts (sockets, in-flight calls) is awaited by `closeAll`.
 */
import { randomUUID } from 'node:crypto'
import { WebSocket, type RawData } from 'ws'
import { ErrorCode, toErrorValue, type Result } from '../../../shared/errors'
import type { Disposable } from '../../services/core/clock'
import type { Dispatcher } from '../../services/api/dispatcher-types'
import { parseRequestFrame, type EventFrame, type ReplyFrame } from './protocol'

/** How long a page gets to answer the closing handshake before its socket is cut. */
const CLOSE_GRACE_MS = 1_000

function validation(message: string): Result<never> {
  return { ok: false, error: { code: ErrorCode.Validation, message } }
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}

function closeSocket(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve()
    const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS)
    ws.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    ws.close(1001, 'Sectioned is stopping.')
  })
}

/** The set of accepted API sockets of one web host, bound to one dispatcher. */
export class ApiConnections {
  private readonly sockets = new Set<WebSocket>()
  private readonly inFlight = new Set<Promise<unknown>>()
  private readonly subscription: Disposable
  private closing = false

  constructor(private readonly dispatcher: Dispatcher) {
    // One subscription for all pages: each event is serialised once, then sent to every socket.
    this.subscription = dispatcher.onEvent((e) => this.broadcast({ event: e.name, payload: e.payload }))
  }

  /** Takes over a socket that passed the host's checks; it gets its own client id for the dispatcher. */
  accept(ws: WebSocket): void {
    const clientId = randomUUID()
    this.sockets.add(ws)
    ws.on('message', (data, isBinary) => this.onMessage(ws, clientId, data, isBinary))
    // ws reports protocol violations (a frame over maxPayload, bad UTF-8) here and closes the socket
    // itself; without a listener the error would crash the process.
    ws.on('error', () => undefined)
    ws.on('close', () => {
      this.sockets.delete(ws)
      // The page's locks are released even when the host is stopping: close() waits for this.
      this.track(this.dispatcher.clientClosed(clientId).catch(() => undefined))
    })
  }

  /** Closes every socket and waits until the dispatcher has seen every close and answered every call. */
  async closeAll(): Promise<void> {
    this.closing = true
    this.subscription.dispose()
    await Promise.all([...this.sockets].map(closeSocket))
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }

  private onMessage(ws: WebSocket, clientId: string, data: RawData, isBinary: boolean): void {
    // A socket that is being closed gets no new work: the dispatcher may be disposed right after.
    if (this.closing) return
    if (isBinary) return this.reply(ws, null, validation('Requests must be JSON text frames.'))
    const parsed = parseRequestFrame(textOf(data))
    if (!parsed.ok) return this.reply(ws, parsed.id, validation(parsed.message))
    const { id, channel, payload } = parsed.frame
    // The dispatcher promises never to throw; a bug that does still gets an answer, not a hang.
    const call = this.dispatcher
      .call(channel, payload, { clientId })
      .catch((err: unknown): Result<unknown> => ({ ok: false, error: toErrorValue(err) }))
      .then((result) => this.reply(ws, id, result))
    this.track(call)
  }

  private reply(ws: WebSocket, id: number | null, result: Result<unknown>): void {
    let text: string
    try {
      text = JSON.stringify({ id, result } satisfies ReplyFrame)
    } catch (err) {
      // A value that cannot be serialised (a cycle, a BigInt) is a bug in a handler; say so.
      text = JSON.stringify({ id, result: { ok: false, error: toErrorValue(err) } } satisfies ReplyFrame)
    }
    if (ws.readyState === WebSocket.OPEN) ws.send(text)
  }

  private broadcast(frame: EventFrame): void {
    let text: string
    try {
      text = JSON.stringify(frame)
    } catch {
      // Event payloads are plain data from the services; one that is not cannot be sent to anyone.
      return
    }
    for (const ws of this.sockets) if (ws.readyState === WebSocket.OPEN) ws.send(text)
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p)
    const done = () => void this.inFlight.delete(p)
    p.then(done, done)
  }
}
