/**
 * The web host's gatekeeping (SPEC A2): a loopback server that can write the user's files must not
 * be reachable from other web pages the user visits. Three checks guard it — the Host header
 * (DNS rebinding), the Origin header (cross-site WebSockets are not covered by the same-origin
 * policy) and a per-run secret token in the page URL.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http'
import { contentSecurityPolicy } from '../../../shared/csp'

/** The only interface the host listens on; anything reachable from the network is out of scope. */
export const LOOPBACK = '127.0.0.1'

/** A fresh secret for one run: 32 random bytes, base64url (URL-safe, 43 characters). */
export function createToken(): string {
  return randomBytes(32).toString('base64url')
}

/** The page origins the host serves itself under; nothing else may open the API socket. */
export function allowedOrigins(port: number): string[] {
  return [`http://${LOOPBACK}:${port}`, `http://localhost:${port}`]
}

/**
 * True when the request names this host: a page on evil.example whose DNS name was rebound to
 * 127.0.0.1 still sends `Host: evil.example:PORT`, which is refused.
 */
export function isAllowedHost(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host?.toLowerCase()
  return host === `${LOOPBACK}:${port}` || host === `localhost:${port}`
}

/** True when the socket comes from our own page. A missing Origin (a non-browser client) is refused too. */
export function isAllowedOrigin(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin
  return typeof origin === 'string' && allowedOrigins(port).includes(origin)
}

/** Compares a presented token with the run's token in constant time (no early exit on the first wrong byte). */
export function tokenMatches(presented: string | null, expected: string): boolean {
  const want = Buffer.from(expected, 'utf8')
  const got = Buffer.from(presented ?? '', 'utf8')
  // timingSafeEqual needs equal lengths; comparing `want` with itself keeps the time the same.
  if (got.length !== want.length) {
    timingSafeEqual(want, want)
    return false
  }
  return timingSafeEqual(got, want)
}

/**
 * Headers sent with every response. The CSP (shared/csp.ts) allows only this origin's scripts and the API socket
 * (both spellings of loopback: a user may open the page as localhost); `frame-ancestors 'none'`
 * stops other sites from framing the editor.
 */
export function securityHeaders(port: number): OutgoingHttpHeaders {
  const csp = contentSecurityPolicy({ connect: [`ws://${LOOPBACK}:${port}`, `ws://localhost:${port}`] })
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin'
  }
}
