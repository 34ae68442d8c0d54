import type { BrowserWindowConstructorOptions } from 'electron'

/**
 * The security checklist of SPEC A4 in one place: isolated, sandboxed renderer without Node.
 * (Asserted by a unit test when the app issue lands; never copy electron-vite's `sandbox: false`.)
 */
export function secureWindowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false
    }
  }
}
