/**
 * The contract's `settings:*` and `places:*` handlers over the host's settings file
 * (settings/app-settings.ts): the values a writer edits, the recent folders, and where the writer
 * was in the workspace's documents (reopened at the next start). A host without a settings file
 * (the CLI) answers with what is in effect and remembers nothing.
 */
import { LIVE_SETTINGS } from '../../../shared/contract'
import { ValidationError } from '../../../shared/errors'
import type { AppServices } from '../app-services'
import {
  readSettings,
  recentFolders,
  recordPlace,
  updateSettings,
  type Settings
} from '../settings/app-settings'
import { placesOf } from '../settings/recent'
import { DEFAULT_POLL_INTERVAL_MS } from '../watch/watch-mode'
import { assetsFolderOf, DEFAULT_ASSETS_FOLDER } from '../files/assets'
import type { Handlers } from './handlers'

/** Settings a writer just stored (the Electron shell applies the spell checker's language). */
export type SettingsChange = Partial<Settings>

/** The writing page's settings in effect: what is stored, else a writer's defaults (no gutters, spelling on). */
export function writingSettings(stored: Settings) {
  return {
    lineNumbers: stored.lineNumbers ?? false,
    foldGutter: stored.foldGutter ?? false,
    spellcheck: stored.spellcheck ?? true,
    spellLanguage: stored.spellLanguage ?? ''
  }
}

/** The channels answered here. */
type SettingsChannel = 'settings:get' | 'settings:set' | 'places:get' | 'places:remember'

/** The handlers of the settings and places channels; `file` is the host's settings file, if any. */
export function createSettingsHandlers(
  s: AppServices,
  file: string | null,
  changed: (changes: SettingsChange) => void = () => undefined
): Pick<Handlers, SettingsChannel> {
  return {
    'settings:get': async () => {
      const stored = file ? await readSettings(file) : {}
      return {
        settings: {
          user: s.identity.user,
          heartbeatSeconds: Math.round(s.locks.settings.heartbeatIntervalMs / 1000),
          pollIntervalMs: s.watcher?.mode?.intervalMs ?? stored.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
          idleTimeoutMinutes: s.locks.settings.idleTimeoutMs / 60_000,
          watchMode: stored.watchMode ?? 'auto',
          notifications: stored.notifications ?? true,
          ...writingSettings(stored),
          assetsFolder: stored.assetsFolder ?? DEFAULT_ASSETS_FOLDER
        },
        file,
        heartbeatFromEnvironment: Boolean(process.env.LOCK_HEARTBEAT_INTERVAL),
        recentFolders: await recentFolders(stored)
      }
    },
    'settings:set': async (req) => {
      if (!file) throw new ValidationError('This window cannot store settings.')
      // A folder outside the workspace is refused now, not at the first paste.
      if (req.assetsFolder !== undefined) assetsFolderOf(s.workspace, req.assetsFolder)
      await updateSettings(file, req)
      changed(req)
      // Identity, heartbeat and watching are fixed for a run: they apply when the folder is opened
      // again. Notifications and the writing page are the window's own business and apply at once; the images
      // folder is read at each paste.
      const live: readonly string[] = LIVE_SETTINGS
      return { saved: true as const, restartNeeded: Object.keys(req).some((key) => !live.includes(key)) }
    },
    'places:get': async () => {
      if (!file) return { shown: null, documents: [] }
      const places = placesOf((await readSettings(file)).workspaces ?? [], s.workspace.root)
      return { shown: places.shown, documents: places.documents }
    },
    'places:remember': async (req) => {
      // Only names inside the workspace are remembered (the same check every document channel makes).
      const document = s.workspace.resolveDocument(req.document).rel
      if (file) await recordPlace(file, s.workspace.root, { ...req, document })
      return { ok: true as const }
    }
  }
}
