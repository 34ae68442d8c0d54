/**
 * The loopback web host (SPEC A2): serves the built renderer to a browser and speaks the IPC
 * contract over one WebSocket, bound to the same Dispatcher as Electron's ipcMain. It listens on
 * 127.0.0.1 only, and the socket is opened only by our own page: right Host, right Origin, and
 * the per-run token from the page URL.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import path from 'node:path'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import type { Dispatcher } from '../../services/api/dispatcher-types'
import type { Log } from '../../services/log/log'
import { ApiConnections } from './api-connections'
import { resolveLimits, type WebHostLimits } from './limits'
import { API_PATH } from './protocol'
import {
  LOOPBACK,
  createToken,
  isAllowedHost,
  isAllowedOrigin,
  securityHeaders,
  tokenMatches
} from './security'
import { sendStatus, serveStatic } from './static-files'

/** How to start a web host. */
export interface WebHostOptions {
  /** The services' transport-neutral face; the host never calls it for a refused connection. */
  dispatcher: Dispatcher
  /** The built renderer (out/renderer); null serves nothing but 404s (API-only, e.g. in tests). */
  staticDir: string | null
  /** 0 or absent: a free port chosen by the system. */
  port?: number
  /** Only '127.0.0.1' is accepted: the host must never be reachable from the network. */
  host?: string
  /** A fixed token (checked by the caller: serve-options' webTokenFromEnv); absent: a fresh random one. */
  token?: string
  /** Overrides of the resource limits (limits.ts' DEFAULT_LIMITS); tests make them small. */
  limits?: Partial<WebHostLimits>
  /** Where a dropped event and a failed release of a closed page leave a line (default: nowhere). */
  log?: Log
}

/** A running web host. `url` (with the token) is what the user opens; `close` stops everything. */
export interface WebHost {
  url: string
  port: number
  token: string
  /** Closes every socket, the WebSocket server and the HTTP server; resolves once all are closed. */
  close(): Promise<void>
}

type Refusal = { status: number; message: string }

/** Answers an upgrade we refuse on the raw socket (no WebSocket exists yet), then drops it. */
function refuseUpgrade(socket: Duplex, refusal: Refusal, headers: OutgoingHttpHeaders): void {
  const body = `${refusal.message}\n`
  const lines = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Refused'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${String(v)}`)
  ]
  socket.once('finish', () => socket.destroy())
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`)
}

/**
 * Why an upgrade to the API socket is refused, or null to accept it. Host first: a rebound page
 * learns nothing else; the token last, so only our own page ever gets as far as presenting it.
 */
function upgradeRefusal(req: IncomingMessage, port: number, token: string): Refusal | null {
  if (!isAllowedHost(req, port)) return { status: 403, message: 'Unknown host.' }
  let url: URL
  try {
    url = new URL(req.url ?? '/', `http://${LOOPBACK}`)
  } catch {
    return { status: 400, message: 'Bad request.' }
  }
  if (url.pathname !== API_PATH) return { status: 404, message: 'Not found.' }
  if (!isAllowedOrigin(req, port)) return { status: 403, message: 'This page may not use Sectioned.' }
  if (!tokenMatches(url.searchParams.get('token'), token))
    return {
      status: 401,
      message: 'Open Sectioned with the address it printed (the token is missing or wrong).'
    }
  return null
}

/**
 * How often Node checks `headersTimeout` and `requestTimeout`. Its default (30 s) would let a slow
 * client hold a socket for up to 30 s past the timeout; with at most `maxConnections` sockets the
 * check costs next to nothing.
 */
function checkingInterval(limits: WebHostLimits): number {
  return Math.max(10, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)))
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject)
      const address = server.address()
      if (address === null || typeof address === 'string')
        reject(new Error('The web host has no TCP address.'))
      else resolve(address.port)
    })
  })
}

/**
 * Starts the web host and resolves once it listens. Rejects for a host other than 127.0.0.1, an
 * invalid port, or a port that is taken.
 */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  if (opts.host !== undefined && opts.host !== LOOPBACK)
    throw new Error(`The web host listens on ${LOOPBACK} only (asked for “${opts.host}”).`)
  const requestedPort = opts.port ?? 0
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65_535)
    throw new Error(`The web host's port must be a whole number from 0 to 65535 (got ${requestedPort}).`)
  const { dispatcher } = opts
  const limits = resolveLimits(opts.limits)
  const staticDir = opts.staticDir === null ? null : path.resolve(opts.staticDir)
  // An empty or short fixed token would let any local page in; serve-options checks the value.
  if (opts.token !== undefined && opts.token.length < 32)
    throw new Error('A fixed token for the web host must have at least 32 characters.')
  const token = opts.token ?? createToken()
  // Set once listening; no request can arrive before that.
  let port = 0
  let headers: OutgoingHttpHeaders = {}
  let closing = false
  const connections = new ApiConnections(dispatcher, limits, opts.log)

  const serverOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: checkingInterval(limits)
  }
  const server = createServer(serverOptions, (req, res) => {
    if (!isAllowedHost(req, port)) return sendStatus(res, 403, 'Unknown host.', headers)
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendStatus(res, 405, 'Only GET and HEAD.', { ...headers, Allow: 'GET, HEAD' })
    serveStatic(req, res, staticDir, headers).catch(() => {
      if (!res.headersSent) sendStatus(res, 500, 'The file could not be read.', headers)
      else res.destroy()
    })
  })
  // Counted per TCP socket, so page requests and API sockets (upgraded HTTP sockets) share the cap;
  // Node closes a socket past it as soon as it is accepted, before reading a byte.
  server.maxConnections = limits.maxConnections
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    perMessageDeflate: false
  })

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A peer that resets mid-handshake must not crash the host.
    socket.on('error', () => socket.destroy())
    const refusal: Refusal | null = closing
      ? { status: 503, message: 'Sectioned is stopping.' }
      : upgradeRefusal(req, port, token)
    if (refusal !== null) return refuseUpgrade(socket, refusal, headers)
    wss.handleUpgrade(req, socket, head, (ws) => connections.accept(ws))
  })

  try {
    port = await listen(server, requestedPort)
  } catch (err) {
    await connections.closeAll()
    wss.close()
    throw err
  }
  headers = securityHeaders(port)
  // Once listening, an error of the server is an accept that failed (EMFILE, ENFILE, a reset
  // before accept): that one socket is lost, the host keeps listening. Unhandled, it would crash.
  server.on('error', () => undefined)

  let closed: Promise<void> | null = null
  const close = async (): Promise<void> => {
    closing = true
    await connections.closeAll()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      // Keep-alive and in-progress page requests would otherwise hold the server open.
      server.closeAllConnections()
    })
  }

  return {
    url: `http://${LOOPBACK}:${port}/?token=${token}`,
    port,
    token,
    close: () => (closed ??= close())
  }
}
