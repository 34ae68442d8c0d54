/**
 * Updates through electron-updater, from the feed the app was built with: scripts/dist.mjs turns
 * SECTIONED_UPDATE_URL into electron-builder's `publish`, which writes `app-update.yml` into the
 * packaged app's resources. A build without a feed has no such file and never checks; a
 * development run never checks. A found update downloads in the background and the system
 * notification says it installs on quit — quitting is the one path that saves and releases every
 * lock first (index.ts), so an update never interrupts a writer.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import electronUpdater from 'electron-updater'
import { errorText, type Log } from '../services/log/log'

/** Checks the built-in feed once, if this is a packaged app that has one. */
export function checkForUpdates(isPackaged: boolean, resourcesPath: string, log: Log): void {
  if (!isPackaged || !existsSync(join(resourcesPath, 'app-update.yml'))) return
  // electron-updater is CommonJS: its default export is the module (an ES import of a named one fails).
  const { autoUpdater } = electronUpdater
  autoUpdater.logger = {
    info: (m: unknown) => log.info(`updates: ${String(m)}`),
    warn: (m: unknown) => log.warn(`updates: ${String(m)}`),
    error: (m: unknown) => log.warn(`updates: ${String(m)}`)
  }
  autoUpdater
    .checkForUpdatesAndNotify()
    .catch((err: unknown) => log.warn(`updates: the check failed: ${errorText(err)}`))
}
