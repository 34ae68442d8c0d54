/**
 * What the web host's entry point (serve.ts) starts, apart from process concerns (signals, exit
 * codes), so tests can run it in-process: the workspace opened with the settings and the journal of
 * the host's config folder (`$SECTIONED_CONFIG_DIR`, else `$XDG_CONFIG_HOME/sectioned` or
 * `~/.config/sectioned`), the contract's dispatcher, and the web host serving them.
 */
import { createDispatcher, type OwnedDispatcher } from '../../services/api/dispatcher'
import { openWorkspace, type AppServices } from '../../services/app-services'
import { journalDirIn } from '../../services/journal/journal-store'
import {
  defaultConfigDir,
  openOptionsFrom,
  readSettings,
  settingsFile
} from '../../services/settings/app-settings'
import { startWebHost, type WebHost } from './web-host'

/** How to start the served app. */
export interface ServeHostOptions {
  folder: string
  user?: string
  port?: number
  /** The built renderer; null serves the API only. */
  staticDir: string | null
  /** Where the config folder comes from (default: the process environment). */
  env?: NodeJS.ProcessEnv
  /** The web host's token (SECTIONED_WEB_TOKEN); absent: a random one per run. */
  token?: string
}

/** The running web host with the services behind it; `close` stops all three in reverse order. */
export interface ServeHost {
  host: WebHost
  services: AppServices
  dispatcher: OwnedDispatcher
  close(): Promise<void>
}

/** Opens the workspace and starts the web host on it; nothing is left running when it fails. */
export async function startServeHost(opts: ServeHostOptions): Promise<ServeHost> {
  const configDir = defaultConfigDir(opts.env)
  const settingsPath = settingsFile(configDir)
  const fromSettings = openOptionsFrom(await readSettings(settingsPath), opts.env)
  const services = await openWorkspace({
    ...fromSettings,
    folder: opts.folder,
    user: opts.user ?? fromSettings.user,
    // On this machine, never in the shared folder: the share may be what just failed.
    journalDir: journalDirIn(configDir)
  })
  const dispatcher = createDispatcher(services, { settingsFile: settingsPath })
  const host = await startWebHost({
    dispatcher,
    staticDir: opts.staticDir,
    port: opts.port,
    token: opts.token
  }).catch(async (err: unknown) => {
    await dispatcher.dispose()
    await services.dispose()
    throw err
  })
  return {
    host,
    services,
    dispatcher,
    async close() {
      await host.close()
      await dispatcher.dispose()
      await services.dispose()
    }
  }
}
