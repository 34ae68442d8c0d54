/**
 * The page comes from `app://sectioned/…`, a scheme of the app's own, not from `file://`: a
 * file:// page shares its origin with every file on the disk (and on Windows with `file://host/…`
 * UNC paths, which would send the writer's credentials to that host), and Electron's response
 * headers — the CSP among them — do not apply to file:// loads. The handler serves only the files
 * of the built renderer folder, each with the CSP header; anything else is a 404.
 */
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { hasDotSegment } from './trusted-url'

/** The scheme and host of the app's page. */
export const APP_SCHEME = 'app'
export const APP_HOST = 'sectioned'
/** The page every window loads in a packaged (or built) app. */
export const APP_PAGE_URL = `${APP_SCHEME}://${APP_HOST}/index.html`

/** The scheme's privileges (registered before the app is ready): a standard, secure origin. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true }
} as const

/**
 * The file under `rendererDir` that `url` names, or null: another scheme or host, a dot segment
 * (also percent-encoded or behind a backslash), an encoded slash or NUL, or a path that would leave
 * the folder. The path is the URL's, decoded once; the query and hash are ignored.
 */
export function appFileOf(url: string, rendererDir: string): string | null {
  // The URL parser resolves dot segments away (`/../x` is `/x`): refused as written, before that,
  // since a page of ours never asks for one (Chromium sends canonical URLs).
  if (hasDotSegment(url)) return null
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return null
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null
  const raw = u.pathname
  if (/%2f|%5c|%00/i.test(raw)) return null
  let decoded: string
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    return null
  }
  const segments = decoded.split(/[/\\]/).filter((s) => s !== '')
  if (segments.length === 0 || segments.some((s) => s === '.' || s === '..' || s.includes('\0'))) return null
  const root = path.resolve(rendererDir)
  const file = path.resolve(root, ...segments)
  return file.startsWith(`${root}${path.sep}`) ? file : null
}

/** What `protocol.handle` needs: a fetch of a file:// URL (Electron's `net.fetch`). */
export type FileFetch = (url: string) => Promise<Response>

/** True when `file` is a regular file (a folder would make Chromium answer with a listing). */
async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null))?.isFile() ?? false
}

/**
 * The handler of `app://` requests: the renderer folder's file with the CSP header, else 404.
 * `fetchFile` reads a file:// URL (Electron's net.fetch, which also sets the MIME type).
 */
export function appProtocolHandler(
  rendererDir: string,
  csp: string,
  fetchFile: FileFetch
): (request: Request) => Promise<Response> {
  return async (request) => {
    const file = appFileOf(request.url, rendererDir)
    if (!file || request.method !== 'GET' || !(await isFile(file)))
      return new Response('Not found', { status: 404 })
    const res = await fetchFile(pathToFileURL(file).href).catch(() => null)
    if (!res || !res.ok) return new Response('Not found', { status: 404 })
    const headers = new Headers(res.headers)
    headers.set('Content-Security-Policy', csp)
    headers.set('X-Content-Type-Options', 'nosniff')
    return new Response(res.body, { status: 200, headers })
  }
}
