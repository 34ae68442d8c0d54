/**
 * The API sockets of the web host: turns request frames into `dispatcher.call`s and replies, pushes
 * the dispatcher's events to every open page, and tells the dispatcher when a page goes away.
 * Everything it starts (sockets, in-flight calls) is awaited by `closeAll`. Each socket may have
 * `maxInFlightBytes` of requests unanswered and of replies unread; past that it is closed (1008).
 */
import { randomUUID } from 'node:crypto'
import { WebSocket, type RawData } from 'ws'
import { ErrorCode, toErrorValue, type Result } from '../../../shared/errors'
import type { Disposable } from '../../services/core/clock'
import type { Dispatcher } from '../../services/api/dispatcher-types'
import { errorText, silentLog, type Log } from '../../services/log/log'
import { DEFAULT_LIMITS, type WebHostLimits } from './limits'
import { parseRequestFrame, type EventFrame, type ReplyFrame } from './protocol'

/** How long a page gets to answer the closing handshake before its socket is cut. */
const CLOSE_GRACE_MS = 1_000

/** Close reasons (at most 123 bytes each, as the WebSocket close frame requires). */
export const TOO_MUCH_IN_FLIGHT = 'Too much data in flight: wait for answers before sending more.'
export const NOT_READING = 'The page is not reading its answers.'

/** What the host tracks per API socket. */
interface Peer {
  clientId: string
  /** Bytes of this socket's requests received and not yet answered. */
  pendingBytes: number
}

function byteLengthOf(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0)
  return data.byteLength
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

function validation(message: string): Result<never> {
  return { ok: false, error: { code: ErrorCode.Validation, message } }
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}

/** What is pushed instead of an event too large to send. */
function oversizedNotice(event: string, bytes: number): EventFrame {
  return {
    event: 'workspace:problem',
    payload: {
      message: `An update (${event}, ${mib(bytes)}) was too large to send to this page and was left out; reopen the document to see its current state.`
    }
  }
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
  private readonly sockets = new Map<WebSocket, Peer>()
  private readonly inFlight = new Set<Promise<unknown>>()
  private readonly subscription: Disposable
  private closing = false

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly limits: Pick<WebHostLimits, 'maxInFlightBytes' | 'maxEventBytes'> = DEFAULT_LIMITS,
    /** Where a dropped event and a failed release leave a line. */
    private readonly log: Log = silentLog
  ) {
    // One subscription for all pages: each event is serialised once, then sent to every socket
    // (an event whose payload differs per page, once per page).
    this.subscription = dispatcher.onEvent((e) => {
      const { forClient } = e
      if (!forClient) return this.broadcast({ event: e.name, payload: e.payload })
      // A payload that differs per page (its own locks): serialised for each page.
      for (const [ws, peer] of this.sockets)
        this.broadcast({ event: e.name, payload: forClient(peer.clientId) }, [ws])
    })
  }

  /** Takes over a socket that passed the host's checks; it gets its own client id for the dispatcher. */
  accept(ws: WebSocket): void {
    const peer: Peer = { clientId: randomUUID(), pendingBytes: 0 }
    this.sockets.set(ws, peer)
    ws.on('message', (data, isBinary) => this.onMessage(ws, peer, data, isBinary))
    // ws reports protocol violations (a frame over maxPayload, bad UTF-8) here and closes the socket
    // itself; without a listener the error would crash the process.
    ws.on('error', () => undefined)
    ws.on('close', () => {
      this.sockets.delete(ws)
      // The page's locks are released even when the host is stopping: close() waits for this.
      this.track(
        this.dispatcher.clientClosed(peer.clientId).catch((err: unknown) =>
          this.log.warn('the locks of a closed page could not be released', {
            page: peer.clientId,
            error: errorText(err)
          })
        )
      )
    })
  }

  /** Closes every socket and waits until the dispatcher has seen every close and answered every call. */
  async closeAll(): Promise<void> {
    this.closing = true
    this.subscription.dispose()
    await Promise.all([...this.sockets.keys()].map(closeSocket))
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }

  private onMessage(ws: WebSocket, peer: Peer, data: RawData, isBinary: boolean): void {
    // A socket that is being closed gets no new work: the dispatcher may be disposed right after.
    if (this.closing || ws.readyState !== WebSocket.OPEN) return
    const size = byteLengthOf(data)
    // Checked before the frame is even parsed: a page that keeps sending without waiting for
    // answers (or without reading them) costs the host nothing more than this socket.
    if (peer.pendingBytes + size + ws.bufferedAmount > this.limits.maxInFlightBytes)
      return this.dropOverloaded(ws, TOO_MUCH_IN_FLIGHT)
    if (isBinary) return this.reply(ws, null, validation('Requests must be JSON text frames.'))
    const parsed = parseRequestFrame(textOf(data))
    if (!parsed.ok) return this.reply(ws, parsed.id, validation(parsed.message))
    const { id, channel, payload } = parsed.frame
    peer.pendingBytes += size
    // The dispatcher promises never to throw; a bug that does still gets an answer, not a hang.
    const call = this.dispatcher
      .call(channel, payload, { clientId: peer.clientId })
      .catch((err: unknown): Result<unknown> => ({ ok: false, error: toErrorValue(err) }))
      .then((result) => {
        peer.pendingBytes -= size
        this.reply(ws, id, result)
      })
    this.track(call)
  }

  /** Closes one socket that went past its in-flight cap, with the reason; the others carry on. */
  private dropOverloaded(ws: WebSocket, reason: string): void {
    if (ws.readyState !== WebSocket.OPEN) return
    // The close frame may wait behind unread replies: cut the socket if the page does not answer.
    const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS)
    ws.once('close', () => clearTimeout(timer))
    ws.close(1008, reason)
  }

  /** Sends one frame; a page whose unread frames pass the in-flight cap is closed. */
  private send(ws: WebSocket, text: string): void {
    if (ws.readyState !== WebSocket.OPEN) return
    ws.send(text)
    if (ws.bufferedAmount > this.limits.maxInFlightBytes) this.dropOverloaded(ws, NOT_READING)
  }

  private reply(ws: WebSocket, id: number | null, result: Result<unknown>): void {
    let text: string
    try {
      text = JSON.stringify({ id, result } satisfies ReplyFrame)
    } catch (err) {
      // A value that cannot be serialised (a cycle, a BigInt) is a bug in a handler; say so.
      text = JSON.stringify({ id, result: { ok: false, error: toErrorValue(err) } } satisfies ReplyFrame)
    }
    this.send(ws, text)
  }

  private broadcast(frame: EventFrame, to: Iterable<WebSocket> = this.sockets.keys()): void {
    let text: string
    try {
      text = JSON.stringify(frame)
    } catch (err) {
      // Event payloads are plain data from the services; one that is not cannot be sent to anyone.
      this.log.warn('an event could not be sent to the pages', { event: frame.event, error: errorText(err) })
      return
    }
    // Events come from files on the share (lock records, requests): however many a share holds,
    // what is pushed to every page stays bounded. The page hears that an update was left out.
    const bytes = Buffer.byteLength(text)
    if (bytes > this.limits.maxEventBytes) text = JSON.stringify(oversizedNotice(frame.event, bytes))
    for (const ws of to) this.send(ws, text)
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p)
    const done = () => void this.inFlight.delete(p)
    p.then(done, done)
  }
}
