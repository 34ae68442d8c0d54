/**
 * The plain CodeMirror 6 anchor page (bench/anchor): built once per run with the app's own bundler
 * (electron-vite, bench/anchor/anchor.config.ts → out/bench-anchor) and served, with the documents
 * of a benchmark folder, on 127.0.0.1 only.
 */
import { spawn } from 'node:child_process'
import { createReadStream, existsSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Page } from '@playwright/test'
import type { EditorBox } from './browser'
import { REPO_ROOT } from './processes'

const OUT_DIR = path.join(REPO_ROOT, 'out', 'bench-anchor')
const CONFIG = path.join('bench', 'anchor', 'anchor.config.ts')
const ELECTRON_VITE = path.join(REPO_ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')

let building: Promise<void> | null = null

/** Builds the anchor page into out/bench-anchor, once per run (later calls share the first build). */
export function buildAnchorPage(log: (message: string) => void): Promise<void> {
  building ??= new Promise<void>((resolve, reject) => {
    if (!existsSync(ELECTRON_VITE)) return reject(new Error(`${ELECTRON_VITE} is missing (npm install)`))
    const started = performance.now()
    const child = spawn(process.execPath, [ELECTRON_VITE, 'build', '-c', CONFIG, '--logLevel', 'warn'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-4000))
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`building the anchor page failed (${code}): ${output}`))
      log(`anchor page built into out/bench-anchor in ${((performance.now() - started) / 1000).toFixed(1)} s`)
      resolve()
    })
  })
  return building
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8'
}

/** The anchor page served on a loopback port, and the documents of one folder beside it. */
export interface AnchorServer {
  /** The page for `doc`, its editor as large as `box` (the app's editor area) when given. */
  url(doc: string, box?: EditorBox | null): string
  stop(): Promise<void>
}

/** The file a request asks for: the built page, or `/doc/<name>` from `folder`; null for anything else. */
function fileFor(urlPath: string, folder: string): string | null {
  const p = decodeURIComponent(urlPath)
  if (p === '/' || p === '/index.html') return path.join(OUT_DIR, 'index.html')
  if (p.startsWith('/assets/')) return path.join(OUT_DIR, 'assets', path.basename(p))
  if (p.startsWith('/doc/')) return path.join(folder, path.basename(p))
  return null
}

/** Serves the built anchor page and the documents of `folder` on 127.0.0.1 (a free port). */
export async function startAnchorServer(folder: string): Promise<AnchorServer> {
  const server = http.createServer((req, res) => {
    const file = fileFor(new URL(req.url ?? '/', 'http://127.0.0.1').pathname, folder)
    if (!file || !existsSync(file)) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
    createReadStream(file).pipe(res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  return {
    url: (doc, box) =>
      `${base}?doc=${encodeURIComponent(doc)}${box ? `&width=${box.width}&height=${box.height}` : ''}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** Opens the anchor page for `doc`, shows the document and waits until `firstLine` is on screen. */
export async function openAnchorDocument(
  page: Page,
  url: string,
  doc: string,
  firstLine: string
): Promise<void> {
  await page.goto(url)
  await page.getByRole('button', { name: doc, exact: true }).click()
  await page.locator('.cm-content', { hasText: firstLine }).waitFor({ timeout: 60_000 })
}
