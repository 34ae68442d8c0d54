import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { NotFoundError } from '../../../shared/errors'
import type { AppServices } from '../../services/app-services'
import { lineLog, silentLog, type Log } from '../../services/log/log'
import { openSession } from '../../services/session/open-session'
import { HIDDEN_DIR } from '../../services/core/workspace'
import { isFileRetrying } from '../../services/core/share-fs'
import type { ParsedArgs } from './args'
import { explainWriteFailure } from './write-access'

/** Where the CLI writes: stdout and stderr, injectable for tests. */
export interface CliIo {
  out(text: string): void
  err(text: string): void
  /**
   * Replaces the one progress line of long work (empty text clears it). Present only when stderr
   * is a terminal: progress never lands in a log or a pipe.
   */
  progress?(text: string): void
}

/** Exit codes of the CLI (documented in README). */
export const Exit = { Ok: 0, Other: 1, Usage: 2, Held: 3, Conflict: 4, Integrity: 5, Cancelled: 130 } as const

/** The workspace of a file: the nearest parent folder with a `.sectioned/` folder, else the file's own folder. */
export function findWorkspaceRoot(fileAbs: string): string {
  let dir = path.dirname(fileAbs)
  for (;;) {
    if (existsSync(path.join(dir, HIDDEN_DIR))) return dir
    const parent = path.dirname(dir)
    if (parent === dir) return path.dirname(fileAbs)
    dir = parent
  }
}

/** Resolves `<file>` (relative to the current folder) and its workspace; refuses a missing file. */
export async function locateDocument(file: string, args: ParsedArgs): Promise<{ root: string; rel: string }> {
  const abs = path.resolve(file)
  // On a network mount, not while another computer's save has the name away for a moment.
  if (!(await isFileRetrying(abs))) throw new NotFoundError(`There is no document “${file}”.`)
  const root = args.workspace ? path.resolve(args.workspace) : findWorkspaceRoot(abs)
  return { root, rel: path.relative(root, abs).split(path.sep).join('/') }
}

/** Resolves `<folder>`; refuses a missing one. */
export function locateFolder(folder: string): string {
  const abs = path.resolve(folder)
  if (!existsSync(abs) || !statSync(abs).isDirectory())
    throw new NotFoundError(`There is no folder “${folder}”.`)
  return abs
}

/**
 * The CLI's log: nothing, unless SECTIONED_DEBUG is set — then JSON lines on stderr (a one-shot
 * command has no user-data folder of its own to keep a log file in).
 */
export function cliLog(env: NodeJS.ProcessEnv = process.env): Log {
  return env.SECTIONED_DEBUG ? lineLog((line) => process.stderr.write(line)) : silentLog
}

/**
 * Opens the services for one command (a session without settings, journal or transport) and
 * always disposes them (releasing locks, flushing audit). A failure to write the share is reported
 * by its real cause (a read-only folder, permission).
 */
export async function withServices<T>(
  root: string,
  args: ParsedArgs,
  opts: { start: boolean; readOnly?: boolean },
  fn: (s: AppServices) => Promise<T>
): Promise<T> {
  try {
    const session = await openSession({
      kind: 'cli',
      folder: root,
      user: args.user,
      log: cliLog(),
      workspace: {
        start: opts.start,
        readOnly: opts.readOnly ?? false,
        lockSettings: {
          ...(args.heartbeatMs ? { heartbeatIntervalMs: args.heartbeatMs } : {}),
          ...(args.retries !== undefined ? { retries: args.retries } : {})
        }
      },
      transport: () => null
    })
    try {
      return await fn(session.services)
    } finally {
      await session.dispose()
    }
  } catch (err) {
    throw await explainWriteFailure(root, err)
  }
}
