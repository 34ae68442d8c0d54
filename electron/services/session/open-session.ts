/**
 * One host start-up (issue 13). The Electron main process, the web host and the admin CLI each
 * open a workspace the same way: the host's settings, this run's identity and log, the services,
 * the contract's dispatcher, the host's transport (ipcMain, the web socket, none) — and stop in
 * the reverse order. Process concerns (signals, exit codes, windows) stay with each host.
 */
import { createDispatcher, type DispatcherOptions, type OwnedDispatcher } from '../api/dispatcher'
import { openWorkspace, type AppServices, type OpenWorkspaceOptions } from '../app-services'
import { clockFromEnv, type Clock } from '../core/clock'
import { createIdentity } from '../core/identity'
import { journalDirIn } from '../journal/journal-store'
import { knownGoodIndexesIn } from '../documents/known-good-indexes'
import { errorText, silentLog, type Log } from '../log/log'
import { openInstanceLog } from '../log/rotating-file-log'
import {
  openOptionsFrom,
  readSettingsReport,
  recordRecentFolder,
  settingsFile,
  type Settings
} from '../settings/app-settings'

/** What a host binds the dispatcher to; disposed first when the session stops. */
export interface SessionTransport {
  dispose(): Promise<void>
}

/** How a host opens its session. */
export interface SessionOptions<T extends SessionTransport | null> {
  /** Names the log file (`<kind>-<instanceId>.log`) and its lines: `app`, `serve`, `cli`. */
  kind: string
  /** The workspace folder, or how the host picks it from its settings (Electron: --folder, last, sample). */
  folder: string | ((settings: Settings) => Promise<string>)
  /** The writer's name from the command line; wins over the settings. */
  user?: string
  /**
   * The host's own folder on this machine, never the share: settings.json, journal/ and logs/
   * (Electron's userData, the web host's config folder). Absent (the CLI): no settings, no journal,
   * and the workspace options come from `workspace` alone.
   */
  hostDir?: string
  /** Where the settings' environment overrides come from (default: the process environment). */
  env?: NodeJS.ProcessEnv
  /** The log sink; default: this instance's rotating file in `<hostDir>/logs/`, else nothing. */
  log?: Log
  clock?: Clock
  /** What the host sets itself (the CLI: start, readOnly, lockSettings); wins over the settings. */
  workspace?: Pick<OpenWorkspaceOptions, 'start' | 'cleanup' | 'readOnly' | 'lockSettings' | 'watch'>
  /** The dispatcher's hooks (Electron: `onFlushed`); its settings file is the host's. */
  dispatcher?: Omit<DispatcherOptions, 'settingsFile'>
  /** Binds the dispatcher to the host's transport; returns null when the host has none (the CLI). */
  transport: (dispatcher: OwnedDispatcher, log: Log) => T | Promise<T>
}

/** An open session. `dispose` stops the transport, the dispatcher and the services, in that order. */
export interface Session<T extends SessionTransport | null> {
  folder: string
  /** The host's settings file, or null when it keeps none (the CLI). */
  settingsFile: string | null
  services: AppServices
  dispatcher: OwnedDispatcher
  transport: T
  log: Log
  /** Releases this instance's locks (SPEC L6) and closes the log file it opened. Safe to call twice. */
  dispose(): Promise<void>
}

/**
 * Opens a session; nothing is left running when it fails (what was opened is disposed, and the
 * failure is the log's last line). Settings are read before the folder is chosen: the last folder
 * opened is one of them.
 */
export async function openSession<T extends SessionTransport | null>(
  opts: SessionOptions<T>
): Promise<Session<T>> {
  const file = opts.hostDir === undefined ? null : settingsFile(opts.hostDir)
  const report = file === null ? { settings: {}, problems: [] } : await readSettingsReport(file)
  const settings = report.settings
  const fromSettings = file === null ? {} : openOptionsFrom(settings, opts.env)
  const clock = opts.clock ?? clockFromEnv()
  const identity = createIdentity({ user: opts.user ?? fromSettings.user })
  // Opened before anything can fail, so a failed start leaves its reason in the file.
  const fileLog =
    opts.log === undefined && opts.hostDir !== undefined
      ? openInstanceLog({
          dir: opts.hostDir,
          kind: opts.kind,
          instanceId: identity.instanceId,
          now: () => clock.wallNow()
        })
      : null
  const log = opts.log ?? fileLog ?? silentLog
  const undo: (() => Promise<void>)[] = []
  const closeLog = () => fileLog?.close()
  // A hand-broken settings file opens the app on the defaults; the log says what was dropped.
  for (const problem of report.problems) log.warn(problem)
  try {
    const folder = typeof opts.folder === 'string' ? opts.folder : await opts.folder(settings)
    const services = await openWorkspace({
      ...fromSettings,
      ...opts.workspace,
      folder,
      identity,
      clock,
      log,
      // On this machine, never in the shared folder: the share may be what just failed.
      journalDir: opts.hostDir === undefined ? undefined : journalDirIn(opts.hostDir),
      knownGoodIndexesFile: opts.hostDir === undefined ? undefined : knownGoodIndexesIn(opts.hostDir)
    })
    undo.unshift(() => services.dispose())
    const dispatcher = createDispatcher(services, { ...opts.dispatcher, settingsFile: file ?? undefined })
    undo.unshift(() => dispatcher.dispose())
    const transport = await opts.transport(dispatcher, log)
    if (transport !== null) undo.unshift(() => transport.dispose())
    // Every host with settings lists the folder among the recent ones (Electron's File ▸ Open Recent).
    if (file !== null)
      await recordRecentFolder(file, folder).catch((err: unknown) =>
        log.warn('could not remember the folder among the recent ones', { folder, error: errorText(err) })
      )
    log.info('session opened', {
      kind: opts.kind,
      folder,
      user: identity.user,
      instance: identity.instanceId
    })
    let disposed: Promise<void> | null = null
    const dispose = async () => {
      try {
        for (const step of undo) await step()
        log.info('session closed', { kind: opts.kind, folder })
      } catch (err) {
        log.error('the session did not close cleanly', { kind: opts.kind, folder, error: errorText(err) })
        throw err
      } finally {
        closeLog()
      }
    }
    return {
      folder,
      settingsFile: file,
      services,
      dispatcher,
      transport,
      log,
      dispose: () => (disposed ??= dispose())
    }
  } catch (err) {
    log.error('the session could not be opened', { kind: opts.kind, error: errorText(err) })
    try {
      for (const step of undo) await step()
    } finally {
      closeLog()
    }
    throw err
  }
}
