/**
 * Debian's Chromium as Playwright launches it here (no browser is ever downloaded): the executable
 * and the flags for a quiet, sandbox-free headless run. Shared by the e2e config and the benchmarks.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
]
