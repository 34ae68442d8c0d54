/**
 * One app instance as a separate process: `node serve.cjs --folder DIR --user NAME`, the
 * loopback web host over the real services. Tests can stop (SIGSTOP), continue and kill it; `stop`
 * always ends it — SIGCONT first (a stopped process cannot act on SIGTERM), SIGTERM so it releases
 * its locks, SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (e2e/..). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** How long a start-up may take on a busy 2-core machine before the test fails. */
const START_LIMIT_MS = 30_000
/** How long SIGTERM gets before SIGKILL. */
const STOP_GRACE_MS = 5_000

/**
 * Every child not yet known to have exited. If the test worker itself dies (a crash, Ctrl+C), its
 * exit handler kills them, so a broken run never leaves web hosts holding locks in /tmp.
 */
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) {
    child.kill('SIGCONT')
    child.kill('SIGKILL')
  }
})

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
  env?: Record<string, string>
}

/** A running (or stopped, or dead) web-host process. */
export interface HostProcess {
  readonly user: string
  /** The page URL with the run's token, as the host printed it. */
  readonly url: string
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

function environment(opts: HostOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env }
  // Inherited values would make every instance look alike (or unlike) by accident.
  delete env.SECTIONED_HOST_ID
  delete env.SECTIONED_HOST_NAME
  delete env.LOCK_HEARTBEAT_INTERVAL
  if (opts.hostId !== undefined) env.SECTIONED_HOST_ID = opts.hostId
  if (opts.hostName !== undefined) env.SECTIONED_HOST_NAME = opts.hostName
  if (opts.heartbeatSeconds !== undefined) env.LOCK_HEARTBEAT_INTERVAL = String(opts.heartbeatSeconds)
  return env
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/** Starts the web host `serve` (a serve.cjs) on `folder` and resolves once it printed its URL. */
export async function startHost(serve: string, folder: string, opts: HostOptions): Promise<HostProcess> {
  const child = spawn(process.execPath, [serve, '--folder', folder, '--user', opts.user], {
    env: environment(opts),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  live.add(child)
  child.once('exit', () => live.delete(child))
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  let frozen = false
  const gone = () => child.exitCode !== null || child.signalCode !== null

  const stop = async (): Promise<void> => {
    if (gone()) return
    if (frozen) child.kill('SIGCONT')
    frozen = false
    child.kill('SIGTERM')
    if (await waitForExit(child, STOP_GRACE_MS)) return
    child.kill('SIGKILL')
    await waitForExit(child, STOP_GRACE_MS)
  }

  const url = await new Promise<string>((resolve, reject) => {
    const deadline = Date.now() + START_LIMIT_MS
    const check = () => {
      const m = /Sectioned is running: (\S+)/.exec(out)
      if (m?.[1]) return resolve(m[1])
      if (gone()) return reject(new Error(`the web host for ${opts.user} exited: ${out}`))
      if (Date.now() > deadline)
        return reject(new Error(`the web host for ${opts.user} did not start: ${out}`))
      setTimeout(check, 20)
    }
    check()
  }).catch(async (err: unknown) => {
    await stop()
    throw err
  })

  return {
    user: opts.user,
    url,
    pid: child.pid ?? -1,
    output: () => out,
    exited: gone,
    freeze() {
      child.kill('SIGSTOP')
      frozen = true
    },
    thaw() {
      child.kill('SIGCONT')
      frozen = false
    },
    async kill() {
      if (gone()) return
      child.kill('SIGKILL')
      frozen = false
      await waitForExit(child, STOP_GRACE_MS)
    },
    stop
  }
}
