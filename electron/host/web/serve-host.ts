/**
 * What the web host's entry point (serve.ts) starts, apart from process concerns (signals, exit
 * codes), so tests can run it in-process: a session (open-session.ts) on the host's config folder
 * (`$SECTIONED_CONFIG_DIR`, else `$XDG_CONFIG_HOME/sectioned` or `~/.config/sectioned`) — its
 * settings, journal and log file — with the web host as its transport.
 */
import type { OwnedDispatcher } from '../../services/api/dispatcher'
import type { AppServices } from '../../services/app-services'
import type { Log } from '../../services/log/log'
import { openSession } from '../../services/session/open-session'
import { defaultConfigDir } from '../../services/settings/app-settings'
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
  /** The log sink; default: this instance's log file in the config folder's logs/. */
  log?: Log
}

/** The running web host with the services behind it; `close` stops all three in reverse order. */
export interface ServeHost {
  host: WebHost
  services: AppServices
  dispatcher: OwnedDispatcher
  /** The diagnostics log (open until `close` has finished). */
  log: Log
  close(): Promise<void>
}

/** Opens the workspace and starts the web host on it; nothing is left running when it fails. */
export async function startServeHost(opts: ServeHostOptions): Promise<ServeHost> {
  const session = await openSession({
    kind: 'serve',
    folder: opts.folder,
    user: opts.user,
    hostDir: defaultConfigDir(opts.env),
    env: opts.env,
    log: opts.log,
    transport: async (dispatcher, log) => {
      const host = await startWebHost({
        dispatcher,
        staticDir: opts.staticDir,
        port: opts.port,
        token: opts.token,
        log
      })
      return { host, dispose: () => host.close() }
    }
  })
  return {
    host: session.transport.host,
    services: session.services,
    dispatcher: session.dispatcher,
    log: session.log,
    close: () => session.dispose()
  }
}
