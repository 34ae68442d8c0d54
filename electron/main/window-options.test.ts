import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import {
  applyContentSecurityPolicy,
  applyNavigationGuards,
  CONTENT_SECURITY_POLICY,
  SECURE_WEB_PREFERENCES,
  secureWindowOptions,
  type GuardedWebContents,
  type HeaderSession,
  type PermissionRequestHandler,
  type PreventableEvent
} from './window-options'

const appUrl = 'file:///opt/Sectioned/out/renderer/index.html'

describe('SECURE_WEB_PREFERENCES', () => {
  it('isolates and sandboxes the page, without Node, with web security', () => {
    expect(SECURE_WEB_PREFERENCES).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false
    })
    // Nothing else is set: no enableBlinkFeatures, no preload-less escape hatches.
    expect(Object.keys(SECURE_WEB_PREFERENCES).sort()).toEqual([
      'allowRunningInsecureContent',
      'contextIsolation',
      'experimentalFeatures',
      'navigateOnDragDrop',
      'nodeIntegration',
      'nodeIntegrationInSubFrames',
      'nodeIntegrationInWorker',
      'sandbox',
      'webSecurity',
      'webviewTag'
    ])
    expect(Object.isFrozen(SECURE_WEB_PREFERENCES)).toBe(true)
  })

  it('is what every window gets, plus the preload', () => {
    const options = secureWindowOptions('/app/out/preload/index.js')
    expect(options.webPreferences).toEqual({
      ...SECURE_WEB_PREFERENCES,
      preload: '/app/out/preload/index.js'
    })
    expect(options.show).toBe(false)
  })

  it('never appears with the sandbox turned off anywhere in the Electron code or its build config', () => {
    const root = path.resolve(__dirname, '../..')
    const files = ['electron.vite.config.ts']
    for (const dir of ['electron/main', 'electron/preload']) {
      for (const name of readdirSync(path.join(root, dir))) {
        if (name.endsWith('.ts') && !name.endsWith('.test.ts')) files.push(path.join(dir, name))
      }
    }
    for (const file of files) {
      expect(readFileSync(path.join(root, file), 'utf8'), file).not.toMatch(/sandbox\s*:\s*false/)
    }
  })
})

/** A WebContents stand-in that records what the guards registered. */
function fakeWebContents() {
  let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined
  let requestHandler: PermissionRequestHandler | null | undefined
  let checkHandler: ((webContents: unknown, permission: string) => boolean) | null | undefined
  const listeners = new Map<string, ((event: PreventableEvent, url: string) => void)[]>()
  const contents: GuardedWebContents = {
    session: {
      setPermissionRequestHandler: (h) => (requestHandler = h),
      setPermissionCheckHandler: (h) => (checkHandler = h)
    },
    setWindowOpenHandler: (h) => (openHandler = h),
    on(event: string, listener: (event: PreventableEvent, url: string) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener])
      return contents
    }
  }
  /** Emits an event; returns whether a listener prevented its default. */
  const emit = (event: string, url = '') => {
    let prevented = false
    for (const l of listeners.get(event) ?? []) l({ preventDefault: () => (prevented = true) }, url)
    return prevented
  }
  return {
    contents,
    emit,
    open: (url: string) => openHandler?.({ url }),
    requestPermission: (permission: string) =>
      new Promise<boolean>((resolve) => requestHandler?.(contents, permission, resolve)),
    checkPermission: (permission: string) => checkHandler?.(contents, permission)
  }
}

describe('applyNavigationGuards', () => {
  it('denies every window.open and sends only external http(s) links to the browser', () => {
    const fake = fakeWebContents()
    const openExternal = vi.fn()
    applyNavigationGuards(fake.contents, appUrl, openExternal)
    expect(fake.open('https://commonmark.org/help/')).toEqual({ action: 'deny' })
    expect(fake.open('http://example.com/')).toEqual({ action: 'deny' })
    expect(fake.open('file:///etc/passwd')).toEqual({ action: 'deny' })
    expect(fake.open('javascript:alert(1)')).toEqual({ action: 'deny' })
    expect(fake.open('mailto:ann@example.com')).toEqual({ action: 'deny' })
    expect(fake.open(appUrl)).toEqual({ action: 'deny' })
    expect(openExternal.mock.calls).toEqual([['https://commonmark.org/help/'], ['http://example.com/']])
  })

  it('stops navigations and redirects away from the app page, and lets the app page load', () => {
    const fake = fakeWebContents()
    const openExternal = vi.fn()
    applyNavigationGuards(fake.contents, appUrl, openExternal)
    expect(fake.emit('will-navigate', appUrl)).toBe(false)
    expect(fake.emit('will-navigate', `${appUrl}#outline`)).toBe(false)
    expect(fake.emit('will-navigate', 'file:///home/ann/notes/index.html')).toBe(true)
    expect(fake.emit('will-navigate', 'file:///opt/Sectioned/out/renderer/../../../tmp/index.html')).toBe(
      true
    )
    expect(fake.emit('will-navigate', 'https://evil.example/')).toBe(true)
    expect(fake.emit('will-redirect', 'https://evil.example/')).toBe(true)
    // A link the writer followed in the preview opens in their browser instead.
    expect(openExternal.mock.calls).toEqual([['https://evil.example/'], ['https://evil.example/']])
  })

  it('refuses to attach a <webview>', () => {
    const fake = fakeWebContents()
    applyNavigationGuards(fake.contents, appUrl, vi.fn())
    expect(fake.emit('will-attach-webview')).toBe(true)
  })

  it('denies every permission request and check', async () => {
    const fake = fakeWebContents()
    applyNavigationGuards(fake.contents, appUrl, vi.fn())
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      expect(await fake.requestPermission(permission)).toBe(false)
      expect(fake.checkPermission(permission)).toBe(false)
    }
  })

  it('survives an openExternal that fails', async () => {
    const fake = fakeWebContents()
    applyNavigationGuards(fake.contents, appUrl, () => Promise.reject(new Error('no browser')))
    expect(fake.open('https://example.com/')).toEqual({ action: 'deny' })
    await new Promise((resolve) => setTimeout(resolve, 0))
  })
})

describe('applyContentSecurityPolicy', () => {
  function fakeSession() {
    let listener: Parameters<HeaderSession['webRequest']['onHeadersReceived']>[0] | undefined
    const session: HeaderSession = { webRequest: { onHeadersReceived: (l) => (listener = l) } }
    const respond = (url: string, responseHeaders?: Record<string, string[]>) =>
      new Promise<{ responseHeaders?: Record<string, string | string[]> }>((resolve) =>
        listener?.({ url, responseHeaders }, resolve)
      )
    return { session, respond }
  }

  it('sets the CSP header on the app page, replacing any CSP it had', async () => {
    const fake = fakeSession()
    applyContentSecurityPolicy(fake.session, 'http://localhost:5173')
    const response = await fake.respond('http://localhost:5173/', {
      'content-type': ['text/html'],
      'content-security-policy': ['default-src *']
    })
    expect(response.responseHeaders).toEqual({
      'content-type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY]
    })
  })

  it('covers file:// responses of the renderer folder and leaves other responses alone', async () => {
    const fake = fakeSession()
    applyContentSecurityPolicy(fake.session, appUrl)
    expect((await fake.respond(appUrl)).responseHeaders).toEqual({
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY]
    })
    expect(await fake.respond('https://example.com/', { a: ['b'] })).toEqual({})
  })

  it('is strict: scripts only from the app, no plugins, no framing, no base or form tricks', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'")
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/)
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'")
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'")
    expect(CONTENT_SECURITY_POLICY).toContain("base-uri 'none'")
  })
})
