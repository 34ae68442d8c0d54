import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_PAGE_URL, appFileOf, appProtocolHandler } from './app-protocol'
import { isAppResource, isTrustedUrl } from './trusted-url'
import { CONTENT_SECURITY_POLICY } from './window-options'

let dir = ''
let renderer = ''

beforeAll(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-app-protocol-')))
  renderer = path.join(dir, 'renderer')
  await fs.mkdir(path.join(renderer, 'assets'), { recursive: true })
  await fs.writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>Sectioned</title>')
  await fs.writeFile(path.join(renderer, 'assets', 'index-abc.js'), 'console.log(1)')
  await fs.writeFile(path.join(dir, 'secret.txt'), 'not for the page')
})

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

describe('appFileOf', () => {
  it('maps the app’s URLs into the renderer folder, query and hash ignored', () => {
    expect(appFileOf(APP_PAGE_URL, renderer)).toBe(path.join(renderer, 'index.html'))
    expect(appFileOf('app://sectioned/assets/index-abc.js?v=1#x', renderer)).toBe(
      path.join(renderer, 'assets', 'index-abc.js')
    )
    expect(appFileOf('app://sectioned/assets/na%20me.js', renderer)).toBe(
      path.join(renderer, 'assets', 'na me.js')
    )
  })

  it.each([
    'app://sectioned/../secret.txt',
    'app://sectioned/%2e%2e/secret.txt',
    'app://sectioned/assets/%2E%2E/%2e%2e/secret.txt',
    'app://sectioned/assets%2f..%2f..%2fsecret.txt',
    'app://sectioned/..%5c..%5csecret.txt',
    'app://sectioned/index.html%00.js',
    'app://sectioned/',
    'app://other/index.html',
    'file:///etc/passwd',
    'https://sectioned/index.html',
    'app://sectioned/%E0%A4%A',
    'not a url'
  ])('refuses %s', (url) => {
    expect(appFileOf(url, renderer)).toBeNull()
  })
})

describe('the app:// handler', () => {
  /** Reads a file:// URL as Electron's net.fetch would (Node's fetch has no file: scheme). */
  const fetchFile = async (url: string) => {
    const file = fileURLToPath(url)
    const body = await fs.readFile(file)
    const type = file.endsWith('.html') ? 'text/html' : 'text/javascript'
    return new Response(body, { headers: { 'Content-Type': type } })
  }
  // Made per call: the renderer folder exists only once beforeAll has run.
  const handle = (request: Request) =>
    appProtocolHandler(renderer, CONTENT_SECURITY_POLICY, fetchFile)(request)

  it('serves the renderer’s files with the CSP header and nosniff', async () => {
    const res = await handle(new Request(APP_PAGE_URL))
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<title>Sectioned</title>')
    expect(res.headers.get('Content-Type')).toBe('text/html')
    expect(res.headers.get('Content-Security-Policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
    expect(CONTENT_SECURITY_POLICY).toMatch(/object-src 'none'.*base-uri 'none'.*form-action 'none'/)
  })

  it('answers 404 outside the folder, for a missing file, and for anything but GET', async () => {
    expect((await handle(new Request('app://sectioned/%2e%2e/secret.txt'))).status).toBe(404)
    expect((await handle(new Request('app://sectioned/missing.js'))).status).toBe(404)
    // A folder is no file (Chromium would answer a file:// folder with a listing).
    expect((await handle(new Request('app://sectioned/assets'))).status).toBe(404)
    expect((await handle(new Request(APP_PAGE_URL, { method: 'POST', body: 'x' }))).status).toBe(404)
  })
})

describe('trusting the app’s own scheme', () => {
  it('trusts its page only, and counts its files as the app’s resources', () => {
    expect(isTrustedUrl(APP_PAGE_URL, APP_PAGE_URL)).toBe(true)
    expect(isTrustedUrl('app://sectioned/index.html#doc', APP_PAGE_URL)).toBe(true)
    expect(isTrustedUrl('app://sectioned/other.html', APP_PAGE_URL)).toBe(false)
    expect(isTrustedUrl('app://sectioned/x/../index.html', APP_PAGE_URL)).toBe(false)
    expect(isTrustedUrl('app://evil/index.html', APP_PAGE_URL)).toBe(false)
    expect(isTrustedUrl('file:///index.html', APP_PAGE_URL)).toBe(false)
    expect(isAppResource('app://sectioned/assets/index-abc.js', APP_PAGE_URL)).toBe(true)
    expect(isAppResource('https://sectioned/assets/index-abc.js', APP_PAGE_URL)).toBe(false)
  })
})
