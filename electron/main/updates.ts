/**
 * Updates through electron-updater, from the feed the app was built with: scripts/dist.mjs turns
 * SECTIONED_UPDATE_URL into electron-builder's `publish`, which writes `app-update.yml` into the
 * packaged app's resources. A build without a feed has no such file and never checks; a
 * development run never checks. A found update downloads in the background and the system
 * notification says it installs on quit. electron-updater's own install-on-quit listens for the
 * `quit` event, which the app's shutdown (save, journal, release every lock, then `app.exit`)
 * never emits: the shutdown asks `installIfDownloaded` instead, once the locks are released.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import electronUpdater from 'electron-updater'
import { errorText, type Log } from '../services/log/log'

/** Checks every six hours while the app runs, as well as at start. */
const CHECK_EVERY_MS = 6 * 60 * 60 * 1000

/** The update state the shutdown asks about. */
export interface Updates {
  /** After the locks are released: installs a downloaded update (and quits); false when there is none. */
  installIfDownloaded(): boolean
}

const none: Updates = { installIfDownloaded: () => false }

/** Checks the built-in feed, if this is a packaged app that has one. */
export function checkForUpdates(isPackaged: boolean, resourcesPath: string, log: Log): Updates {
  if (!isPackaged || !existsSync(join(resourcesPath, 'app-update.yml'))) return none
  // electron-updater is CommonJS: its default export is the module (an ES import of a named one fails).
  const { autoUpdater } = electronUpdater
  autoUpdater.autoInstallOnAppQuit = false
  autoUpdater.logger = {
    info: (m: unknown) => log.info(`updates: ${String(m)}`),
    warn: (m: unknown) => log.warn(`updates: ${String(m)}`),
    error: (m: unknown) => log.warn(`updates: ${String(m)}`)
  }
  let downloaded = false
  autoUpdater.on('update-downloaded', () => (downloaded = true))
  const check = () =>
    autoUpdater
      .checkForUpdatesAndNotify()
      .catch((err: unknown) => log.warn(`updates: the check failed: ${errorText(err)}`))
  void check()
  setInterval(() => void check(), CHECK_EVERY_MS).unref()
  return {
    installIfDownloaded() {
      if (!downloaded) return false
      // Silent, and not started again: the writer quit.
      autoUpdater.quitAndInstall(true, false)
      return true
    }
  }
}
