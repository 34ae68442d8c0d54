/**
 * Entry point of the loopback web host (`npm run serve -- --folder DIR [--user NAME] [--port P]`,
 * bundled to out/node/serve.cjs): starts the served app (serve-host.ts: a session on the config
 * folder's settings, journal and log file, with the web host as its transport), prints the URL,
 * and shuts everything down on SIGINT/SIGTERM.
 */
import path from 'node:path'
import { ErrorCode, SectionedError } from '../../../shared/errors'
import { nodeSupportNote } from '../node-support'
import { startServeHost } from './serve-host'
import {
  SERVE_USAGE,
  ServeUsageError,
  findRendererDir,
  parseServeArgs,
  webTokenFromEnv
} from './serve-options'

/** Shutdown normally takes well under a second; past this something hangs and we stop waiting. */
const SHUTDOWN_LIMIT_MS = 15_000

/** Failures that are the caller's input (a folder that does not exist): exit 2, as in the admin CLI. */
const BAD_INPUT: readonly ErrorCode[] = [ErrorCode.NotFound, ErrorCode.Validation, ErrorCode.PathOutside]

/** Thrown to end `main` with one line on stderr and an exit code. */
class Exit extends Error {
  constructor(
    message: string,
    readonly code: number
  ) {
    super(message)
  }
}

function exitCodeOf(err: unknown): number {
  if (err instanceof Exit) return err.code
  if (err instanceof ServeUsageError) return 2
  if (err instanceof SectionedError && BAD_INPUT.includes(err.code)) return 2
  return 1
}

/** Used once services run: exit now, after the line is written (stderr is synchronous for files and pipes on POSIX). */
function failNow(message: string): never {
  process.stderr.write(`${message}\n`)
  process.exit(1)
}

async function main(): Promise<void> {
  const opts = parseServeArgs(process.argv.slice(2))
  if (opts.help) {
    process.stdout.write(`${SERVE_USAGE}\n`)
    return
  }
  // Checked before anything starts: a bad SECTIONED_WEB_TOKEN is a usage error (exit 2).
  const token = webTokenFromEnv(process.env)
  const staticDir = findRendererDir(path.dirname(process.argv[1] ?? process.cwd()))
  if (staticDir === null) throw new Exit('The renderer is not built: run npm run build:app', 1)

  // Listening from the start: a signal during start-up is honoured once there is something to stop.
  // `on`, not `once`: write-file-atomic's signal-exit re-raises a signal that no other listener is
  // left to handle, which would kill us before the locks are released.
  let stopRequested = false
  let stop: (() => void) | null = null
  const onSignal = () => {
    stopRequested = true
    stop?.()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  const running = await startServeHost({
    folder: opts.folder,
    user: opts.user,
    port: opts.port,
    staticDir,
    token
  })

  let stopping = false
  stop = () => {
    // A second Ctrl+C must not cut the shutdown short: it is what releases this writer's locks.
    if (stopping) return
    stopping = true
    setTimeout(() => {
      // The log is written synchronously: the line is in the file before the process exits.
      running.log.error('did not stop in time; some locks may be left until they go stale')
      failNow('Sectioned did not stop in time; some locks may be left until they go stale.')
    }, SHUTDOWN_LIMIT_MS).unref()
    void running.close().then(
      () => process.exit(0),
      (err: unknown) =>
        failNow(`Sectioned stopped with an error: ${err instanceof Error ? err.message : String(err)}`)
    )
  }
  if (stopRequested) return stop()
  // In the log always; on the terminal for a person who started it (stdout, before the address:
  // stderr is for what went wrong). A script reading the address from a pipe gets that line alone.
  const note = nodeSupportNote(process.version)
  if (note) running.log.warn(note)
  if (note && process.stdout.isTTY) process.stdout.write(`${note}\n`)
  process.stdout.write(`Sectioned is running: ${running.host.url}\n`)
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err)
  // Nothing is running yet (or it was disposed): let Node exit on its own once stderr is written.
  process.stderr.write(`${err instanceof ServeUsageError ? `${message} — ${SERVE_USAGE}` : message}\n`)
  process.exitCode = exitCodeOf(err)
})
