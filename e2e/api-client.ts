/**
 * The web host's WebSocket from Node: a contract client that behaves like one more window of an
 * instance (right Origin, the run's token), and a probe that reports how the host answers an
 * upgrade it should refuse. Tests use the client where the writer's screen has no control for a
 * step (taking over a stale lock) and to read what the screen does not show (drafts).
 */
import WebSocket from 'ws'
import { contract, type Channel, type RequestOf, type ResponseOf } from '../shared/contract'
import { ErrorCode, type Result } from '../shared/errors'
import type { EventFrame, ReplyFrame, RequestFrame } from '../shared/wire'

/** The API socket address and the page origin of a host's page URL (`http://127.0.0.1:P/?token=…`). */
export function apiAddress(pageUrl: string, token?: string): { ws: string; origin: string; token: string } {
  const u = new URL(pageUrl)
  const t = token ?? u.searchParams.get('token') ?? ''
  return { ws: `ws://${u.host}/api?token=${encodeURIComponent(t)}`, origin: u.origin, token: t }
}

/** A connected contract client. Every call resolves with the host's Result; events are collected. */
export interface ApiClient {
  call<C extends Channel>(channel: C, payload: RequestOf<C>): Promise<Result<ResponseOf<C>>>
  /** Events received so far, oldest first. */
  readonly events: EventFrame[]
  close(): Promise<void>
}

/** Opens the API socket of the host serving `pageUrl`, as its own page would. */
export function connectApi(pageUrl: string): Promise<ApiClient> {
  const { ws: address, origin } = apiAddress(pageUrl)
  const socket = new WebSocket(address, { origin })
  const pending = new Map<number, (r: Result<unknown>) => void>()
  const events: EventFrame[] = []
  let nextId = 1
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Partial<ReplyFrame & EventFrame>
    if (typeof frame.event === 'string') events.push({ event: frame.event, payload: frame.payload })
    else if (typeof frame.id === 'number' && frame.result) {
      pending.get(frame.id)?.(frame.result)
      pending.delete(frame.id)
    }
  })
  socket.on('close', () => {
    for (const resolve of pending.values())
      resolve({ ok: false, error: { code: ErrorCode.Io, message: 'The socket closed before the reply.' } })
    pending.clear()
  })
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.once('open', () => {
      socket.off('error', reject)
      resolve({
        events,
        call<C extends Channel>(channel: C, payload: RequestOf<C>) {
          const id = nextId++
          const frame: RequestFrame = { id, channel, payload }
          return new Promise<Result<ResponseOf<C>>>((done) => {
            // A reply is checked against the contract's response schema, as the renderer's client does.
            pending.set(id, (r) => {
              if (!r.ok) return done(r)
              const parsed = contract[channel].response.safeParse(r.value)
              done(
                parsed.success
                  ? // Validated against this channel's schema just above (TS cannot narrow a generic index).
                    { ok: true, value: parsed.data as ResponseOf<C> }
                  : {
                      ok: false,
                      error: {
                        code: ErrorCode.Validation,
                        message: `Reply off contract: ${parsed.error.message}`
                      }
                    }
              )
            })
            socket.send(JSON.stringify(frame))
          })
        },
        close: () =>
          new Promise<void>((done) => {
            if (socket.readyState === WebSocket.CLOSED) return done()
            socket.once('close', () => done())
            socket.close()
          })
      })
    })
  })
}

/** How the host answered an upgrade: opened, or refused with an HTTP status and body. */
export type UpgradeOutcome = { opened: true } | { opened: false; status: number; body: string }

/**
 * Tries to open the API socket with the given token, Origin and Host headers, and closes it at once
 * if it opened. `origin: null` sends no Origin header (a non-browser client).
 */
export function probeUpgrade(
  pageUrl: string,
  opts: { token?: string; origin: string | null; host?: string }
): Promise<UpgradeOutcome> {
  const { ws: address } = apiAddress(pageUrl, opts.token)
  const socket = new WebSocket(address, {
    ...(opts.origin !== null ? { origin: opts.origin } : {}),
    ...(opts.host !== undefined ? { headers: { host: opts.host } } : {})
  })
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.close()
      resolve({ opened: true })
    })
    socket.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ opened: false, status: res.statusCode ?? 0, body }))
      res.on('error', () => resolve({ opened: false, status: res.statusCode ?? 0, body }))
    })
    socket.once('error', (err) => {
      // After 'unexpected-response' ws aborts the request; that error is expected and ignored.
      if (!/Unexpected server response/.test(err.message)) reject(err)
    })
  })
}
