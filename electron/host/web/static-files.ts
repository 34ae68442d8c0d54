/**
 * Serves the built renderer (out/renderer) to the browser. Only files inside the folder can ever be
 * sent: the request path is decoded once, any `.`/`..` segment, backslash or NUL is refused before
 * it reaches the file system, and the resolved (and symlink-resolved) file must lie inside the root.
 */
import { createReadStream, promises as fs } from 'node:fs'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import path from 'node:path'
import { pipeline } from 'node:stream'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm'
}

/** The content type of a served file; unknown types are opaque bytes (nosniff keeps them so). */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/** Where a request path leads: a file inside the root, or the status to refuse it with. */
export type StaticTarget = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404 }

/**
 * Maps a raw request target (`/assets/app.js?x`) to a file under `root` without touching the disk.
 * Refusals: 400 for malformed or traversing paths, 404 for hidden files and directories, 403 if a
 * path somehow still resolves outside the root (defence in depth: it should be unreachable).
 */
export function resolveStaticPath(root: string, rawTarget: string): StaticTarget {
  const rawPath = rawTarget.split(/[?#]/, 1)[0]
  // An absolute-form target (`http://host/x`) or `*` is not how a browser asks for a page file.
  if (!rawPath.startsWith('/')) return { ok: false, status: 400 }
  let decoded: string
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    return { ok: false, status: 400 }
  }
  // Checked after decoding, so %2e%2e, ..%2f and %5c are caught too; decoded exactly once, so
  // %252e%252e stays a harmless literal name.
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, status: 400 }
  const segments = decoded.slice(1).split('/')
  if (segments.some((s) => s === '.' || s === '..')) return { ok: false, status: 400 }
  if (segments.some((s) => s.startsWith('.'))) return { ok: false, status: 404 }
  const rel = decoded === '/' ? 'index.html' : decoded.slice(1)
  if (rel.endsWith('/')) return { ok: false, status: 404 }
  const base = path.resolve(root)
  const file = path.resolve(base, rel)
  if (!file.startsWith(base + path.sep)) return { ok: false, status: 403 }
  return { ok: true, file }
}

/** Sends a short plain-text refusal with the given headers (the security headers, always). */
export function sendStatus(
  res: ServerResponse,
  status: number,
  message: string,
  headers: OutgoingHttpHeaders
): void {
  const body = `${message}\n`
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store'
  })
  res.end(body)
}

async function realFileInside(root: string, file: string): Promise<{ file: string; size: number } | null> {
  try {
    const [realRoot, realFile] = await Promise.all([fs.realpath(root), fs.realpath(file)])
    // A symlink inside the renderer folder must not lead out of it.
    if (!realFile.startsWith(realRoot + path.sep)) return null
    const stat = await fs.stat(realFile)
    return stat.isFile() ? { file: realFile, size: stat.size } : null
  } catch {
    return null
  }
}

/**
 * Answers one GET/HEAD request from `root` (null: the renderer is not available, every path is
 * 404). The caller has already checked the method and the Host header.
 */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  root: string | null,
  headers: OutgoingHttpHeaders
): Promise<void> {
  if (root === null) return sendStatus(res, 404, 'Not found.', headers)
  const target = resolveStaticPath(root, req.url ?? '')
  if (!target.ok) {
    const text = target.status === 404 ? 'Not found.' : target.status === 403 ? 'Forbidden.' : 'Bad request.'
    return sendStatus(res, target.status, text, headers)
  }
  const found = await realFileInside(root, target.file)
  if (found === null) return sendStatus(res, 404, 'Not found.', headers)
  const { file, size } = found
  res.writeHead(200, {
    ...headers,
    'Content-Type': contentTypeOf(file),
    'Content-Length': size,
    // The renderer is rebuilt in place during development; always revalidate.
    'Cache-Control': 'no-cache'
  })
  if (req.method === 'HEAD') {
    res.end()
    return
  }
  // A file that vanishes mid-stream can only end the response early; the client sees a short body.
  pipeline(createReadStream(file), res, () => undefined)
}
