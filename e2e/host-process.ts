/**
 * One app instance as a separate process: `node serve.cjs --folder DIR --user NAME [--port P]`,
 * the loopback web host over the real services, with its own config folder
 * (`SECTIONED_CONFIG_DIR`) and, when asked, a fixed token (`SECTIONED_WEB_TOKEN`). Tests can stop
 * (SIGSTOP), continue and kill it; `stop` always ends it — SIGCONT first (a stopped process cannot
 * act on SIGTERM), SIGTERM so it releases its locks, SIGKILL after a grace period. A process
 * started on an ended one's port and token has the same URL, so its open pages reconnect. The
 * process itself is the tests' and benchmarks' harness (test/harness/node-process.ts), which also
 * kills every child still running when the test worker dies (a crash, Ctrl+C).
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { NodeProcess } from '../test/harness/node-process'

/** The repository root (e2e/..). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** How long a start-up may take on a busy 2-core machine before the test fails. */
const START_LIMIT_MS = 30_000

/** How to start an instance. */
export interface HostOptions {
  /** The writer's name (`--user`). */
  user: string
  /**
   * `SECTIONED_HOST_ID`: an instance with another host id looks like another computer (its pid
   * cannot be checked, so only missed heartbeats make its locks stale). Same user + same host id =
   * the same writer (owner id `user@hostId`).
   */
  hostId?: string
  /** `SECTIONED_HOST_NAME`: the computer name shown in badges and refusals. */
  hostName?: string
  /** `LOCK_HEARTBEAT_INTERVAL` in seconds (5–120); stale after 3 missed beats. */
  heartbeatSeconds?: number
  /** `--port`: absent or 0, a free port chosen by the system. */
  port?: number
  /** `SECTIONED_WEB_TOKEN` (32+ characters of [A-Za-z0-9_-]); absent: a random one per run. */
  token?: string
  /**
   * `SECTIONED_CONFIG_DIR`: settings and the local journal of unsaved text (`journal/`). The
   * `sectioned` fixture gives each instance its own; absent here: the host's default (~/.config).
   */
  configDir?: string
  /** More environment variables (the options above win over these). */
  env?: Record<string, string>
}

/** The variables the options above set: never inherited from the test runner's environment. */
const OWN_VARIABLES = [
  'SECTIONED_HOST_ID',
  'SECTIONED_HOST_NAME',
  'LOCK_HEARTBEAT_INTERVAL',
  'SECTIONED_CONFIG_DIR',
  'SECTIONED_WEB_TOKEN'
] as const

/** A running (or stopped, or dead) web-host process. */
export interface HostProcess {
  readonly user: string
  /** The page URL with the run's token, as the host printed it. */
  readonly url: string
  /** The port it listens on (from `url`). */
  readonly port: number
  /** The token in `url` (fixed or random): with `port`, what a restart needs to keep the URL. */
  readonly token: string
  readonly pid: number
  /** Everything the process wrote to stdout and stderr (attached to the report when a test fails). */
  output(): string
  /** True once the process has exited (for whatever reason). */
  exited(): boolean
  /** SIGSTOP: the process is frozen — no heartbeats, no answers — but alive. */
  freeze(): void
  /** SIGCONT after `freeze`. */
  thaw(): void
  /** SIGKILL, and wait until it is gone: a crash, nothing released. */
  kill(): Promise<void>
  /** Ends the process whatever its state (idempotent); see the module comment. */
  stop(): Promise<void>
}

/** The environment over the test runner's: the options above, and none of their variables inherited. */
function environment(opts: HostOptions): Record<string, string | undefined> {
  // Inherited values would make every instance look alike (or unlike) by accident.
  const env: Record<string, string | undefined> = Object.fromEntries(OWN_VARIABLES.map((n) => [n, undefined]))
  Object.assign(env, opts.env)
  if (opts.configDir !== undefined) env.SECTIONED_CONFIG_DIR = opts.configDir
  if (opts.token !== undefined) env.SECTIONED_WEB_TOKEN = opts.token
  if (opts.hostId !== undefined) env.SECTIONED_HOST_ID = opts.hostId
  if (opts.hostName !== undefined) env.SECTIONED_HOST_NAME = opts.hostName
  if (opts.heartbeatSeconds !== undefined) env.LOCK_HEARTBEAT_INTERVAL = String(opts.heartbeatSeconds)
  return env
}

/** Starts the web host `serve` (a serve.cjs) on `folder` and resolves once it printed its URL. */
export async function startHost(serve: string, folder: string, opts: HostOptions): Promise<HostProcess> {
  const args = ['--folder', folder, '--user', opts.user]
  if (opts.port !== undefined) args.push('--port', String(opts.port))
  const proc = new NodeProcess(serve, args, { env: environment(opts) })
  const url = await proc
    .waitForLine((line) => /Sectioned is running: (\S+)/.exec(line)?.[1], START_LIMIT_MS)
    .catch(async (err: unknown) => {
      await proc.stop()
      const why = proc.exited() ? 'exited' : 'did not start'
      throw new Error(`the web host for ${opts.user} ${why}: ${proc.output()}`, { cause: err })
    })
  const printed = new URL(url)
  return {
    user: opts.user,
    url,
    port: Number(printed.port),
    token: printed.searchParams.get('token') ?? '',
    pid: proc.pid,
    output: () => proc.output(),
    exited: () => proc.exited(),
    freeze: () => proc.freeze(),
    thaw: () => proc.thaw(),
    kill: () => proc.kill(),
    stop: () => proc.stop()
  }
}
