/**
 * Which URLs are the app's own page. The IPC sender check, the navigation guards and the CSP header
 * all ask this, so the rule lives in pure functions: the app's own page (`app://sectioned/index.html`,
 * app-protocol.ts; a file:// URL of index.html where a caller still loads one), or — in development
 * only — the origin of electron-vite's dev server.
 */

function parse(url: string): URL | null {
  try {
    return new URL(url)
  } catch {
    return null
  }
}

function decodedPath(u: URL): string | null {
  try {
    return decodeURIComponent(u.pathname)
  } catch {
    return null
  }
}

/**
 * True when the path part of `raw` has a `.` or `..` segment (also percent-encoded or behind a
 * backslash). Chromium reports frames with canonical URLs, so such a URL never comes from our page;
 * refusing it outright means no walk out of the folder and back in can pass as the app.
 */
export function hasDotSegment(raw: string): boolean {
  const path = raw.split(/[?#]/, 1)[0] ?? ''
  return path.split(/[/\\]/).some((segment) => {
    const s = segment.toLowerCase().replaceAll('%2e', '.')
    return s === '.' || s === '..'
  })
}

/**
 * True when `url` is the app's page. `appUrl` is what the window loads: the file:// URL of
 * out/renderer/index.html, or the dev server URL (ELECTRON_RENDERER_URL) in development.
 * A file:// URL must name that very file on the same host (a `file://server/share` UNC URL is a
 * different file) with no dot segments; query and hash are ignored (the page may route with them).
 * An http(s) URL must have the dev server's exact origin (scheme, host and port).
 */
export function isTrustedUrl(url: string, appUrl: string): boolean {
  const u = parse(url)
  const app = parse(appUrl)
  if (!u || !app) return false
  if (app.protocol === 'file:') {
    if (u.protocol !== 'file:' || u.host !== app.host || hasDotSegment(url)) return false
    // Decoded, so that Chromium's and Node's choices of which characters to percent-encode agree.
    const path = decodedPath(u)
    return path !== null && path === decodedPath(app)
  }
  if (app.protocol === 'app:') {
    // The app's own scheme (app-protocol.ts): its page, on its host, with no dot segments.
    if (u.protocol !== 'app:' || u.host !== app.host || hasDotSegment(url)) return false
    const path = decodedPath(u)
    return path !== null && path === decodedPath(app)
  }
  if (app.protocol === 'http:' || app.protocol === 'https:') return u.origin === app.origin
  return false
}

/**
 * True for the responses that make up the app's page and get the CSP header: files under the
 * renderer's folder (file://), or anything from the dev server's origin.
 */
export function isAppResource(url: string, appUrl: string): boolean {
  const u = parse(url)
  const app = parse(appUrl)
  if (!u || !app) return false
  if (app.protocol === 'file:') {
    const folder = app.pathname.slice(0, app.pathname.lastIndexOf('/') + 1)
    return u.protocol === 'file:' && u.host === app.host && u.pathname.startsWith(folder)
  }
  // The app's scheme serves only the renderer's folder (and sets the CSP itself; this says so too).
  if (app.protocol === 'app:') return u.protocol === 'app:' && u.host === app.host
  if (app.protocol === 'http:' || app.protocol === 'https:') return u.origin === app.origin
  return false
}

/** True for http(s) links the writer may open in their browser — nothing else (no file:, no custom schemes). */
export function isExternalWebUrl(url: string, appUrl: string): boolean {
  const u = parse(url)
  return !!u && (u.protocol === 'http:' || u.protocol === 'https:') && !isTrustedUrl(url, appUrl)
}
