/**
 * The page's Content Security Policy, defined once: the Electron shell sends it as a header on every
 * app:// response (electron/main/app-protocol.ts), the web host on every response (with its API
 * socket's address), and renderer/index.html carries it as a meta tag (a test keeps that tag equal
 * to `contentSecurityPolicy({ meta: true })`). Scripts only from the app; no plugins, frames, base
 * or form tricks; images from the app or data: URLs only (nothing remote).
 */
export function contentSecurityPolicy(opts: { connect?: readonly string[]; meta?: boolean } = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...(opts.connect ?? [])].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    // A meta tag cannot set frame-ancestors (browsers ignore it there): headers only.
    ...(opts.meta ? [] : ["frame-ancestors 'none'"])
  ].join('; ')
}
