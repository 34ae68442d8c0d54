/**
 * The Electron security checklist of SPEC A4 in one place: the web preferences every window gets,
 * the navigation and permission guards, and the CSP response header. Electron objects come in as
 * parameters (typed by the small interfaces below) so unit tests can hand in fakes.
 */
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron'
import { contentSecurityPolicy } from '../../shared/csp'
import { isAppResource, isExternalWebUrl, isTrustedUrl } from './trusted-url'

/**
 * The web preferences of every window: isolated, sandboxed, no Node in the page, web security on.
 * The sandbox stays on (electron-vite's template turns it off): the preload needs nothing it forbids.
 */
export const SECURE_WEB_PREFERENCES = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false
} as const satisfies WebPreferences)

/** Options of the app's window: {@link SECURE_WEB_PREFERENCES} plus the preload script. */
export function secureWindowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 640,
    minHeight: 400,
    show: false,
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload }
  }
}

/** The page's CSP as the header says it (shared/csp.ts: one definition for every host). */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy()

/** An Electron event whose default (navigate, attach) can be prevented. */
export interface PreventableEvent {
  preventDefault(): void
}

/** A permission handler as Electron's session calls it. */
export type PermissionRequestHandler = (
  webContents: unknown,
  permission: string,
  callback: (granted: boolean) => void
) => void

/** The part of Electron's Session the guards use. */
export interface GuardedSession {
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void
  setPermissionCheckHandler(handler: ((webContents: unknown, permission: string) => boolean) | null): void
}

/** The part of Electron's WebContents the guards use. */
export interface GuardedWebContents {
  readonly session: GuardedSession
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
  on(event: 'will-navigate', listener: (event: PreventableEvent, url: string) => void): unknown
  on(event: 'will-redirect', listener: (event: PreventableEvent, url: string) => void): unknown
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown
}

/**
 * Keeps a window on the app's page: every `window.open` is denied (an http(s) link opens in the
 * writer's browser through `openExternal`, anything else is dropped), navigations and redirects
 * away from `appUrl` are stopped (http(s) ones open in the browser instead), `<webview>` cannot
 * attach, and every permission request or check is denied — the editor needs none.
 */
export function applyNavigationGuards(
  webContents: GuardedWebContents,
  appUrl: string,
  openExternal: (url: string) => unknown
): void {
  const external = (url: string) => {
    if (isExternalWebUrl(url, appUrl)) void Promise.resolve(openExternal(url)).catch(() => undefined)
  }
  webContents.setWindowOpenHandler(({ url }) => {
    external(url)
    return { action: 'deny' }
  })
  const stayOnApp = (event: PreventableEvent, url: string) => {
    if (isTrustedUrl(url, appUrl)) return
    event.preventDefault()
    external(url)
  }
  webContents.on('will-navigate', stayOnApp)
  webContents.on('will-redirect', stayOnApp)
  webContents.on('will-attach-webview', (event) => event.preventDefault())
  webContents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  webContents.session.setPermissionCheckHandler(() => false)
}

/** Response details as Electron's webRequest.onHeadersReceived passes them. */
export interface HeadersReceivedDetails {
  url: string
  responseHeaders?: Record<string, string[]>
}

/** The part of Electron's Session that sets response headers. */
export interface HeaderSession {
  readonly webRequest: {
    onHeadersReceived(
      listener: (
        details: HeadersReceivedDetails,
        callback: (response: { responseHeaders?: Record<string, string | string[]> }) => void
      ) => void
    ): void
  }
}

/**
 * Sends {@link CONTENT_SECURITY_POLICY} as a response header for the app's own responses (the dev
 * server's, and file:// ones where Chromium reports them), replacing any CSP header they had.
 * The meta tag in renderer/index.html stays as the floor when a header is not seen.
 */
export function applyContentSecurityPolicy(session: HeaderSession, appUrl: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppResource(details.url, appUrl)) return callback({})
    const headers: Record<string, string[]> = {}
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value
    }
    headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY]
    callback({ responseHeaders: headers })
  })
}
