/**
 * Where the share is: the registered workspace roots, which of them are on a network mount (and how
 * long to retry there), and the check that a folder below a root is not reached through a planted
 * link.
 */
import { promises as fs, realpathSync } from 'node:fs'
import path from 'node:path'
import { detectMountSync } from '../../watch/mount-type'
import { errCode, ShareFileError } from './errors'

/** Workspace roots, literal path → real path (registered by `Workspace`). */
const roots = new Map<string, string>()
/** Workspace roots, literal path → whether they are on a network mount (see renameRetrying in write.ts). */
const networkRoots = new Map<string, boolean>()

/**
 * Tells the module that `root` is a workspace, so writes below it are checked for planted folder
 * links, and renames and reads below it are retried if it is on a network mount (detected from the
 * mount table once per root, unless `opts.network` says).
 */
export function registerShareRoot(root: string, opts: { network?: boolean } = {}): void {
  const literal = path.resolve(root)
  if (opts.network !== undefined) networkRoots.set(literal, opts.network)
  else if (!networkRoots.has(literal)) {
    // Kept only when the mount table was read: an `unknown` type (macOS or Windows before their
    // table is in, a tool that failed) is looked up again at the next registration.
    const mount = detectMountSync(literal)
    if (mount.fsType !== 'unknown' || mount.network) networkRoots.set(literal, mount.network)
  }
  if (roots.has(literal)) return
  try {
    roots.set(literal, realpathSync(literal))
  } catch {
    // Not there yet: checked once it is (see realRootOf).
  }
}

/** True when `file` is below a registered workspace root on a network mount. */
export function onNetworkMount(file: string): boolean {
  if (networkRoots.size === 0) return false
  const abs = path.resolve(file)
  for (const [literal, network] of networkRoots) {
    if (!network) continue
    const rel = path.relative(literal, abs)
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return true
  }
  return false
}

function realRootOf(literal: string): string | null {
  let real = roots.get(literal)
  if (real === undefined) {
    try {
      real = realpathSync(literal)
      roots.set(literal, real)
    } catch {
      return null
    }
  }
  return real
}

/**
 * Throws unless `dir` is, on disk, where its literal path says: its real path is the workspace's
 * real root joined with its path below the root (no link anywhere below the root). A folder outside
 * every registered workspace (local settings, tests) is not checked.
 */
export async function assertPlainFolder(dir: string): Promise<void> {
  const abs = path.resolve(dir)
  // A folder found plain is taken as plain for a moment: a lock heartbeat or a save checks each of
  // its folders once, not once per file (the check and the write are two steps anyway; see write.ts).
  const seen = plainSeen.get(abs)
  if (seen !== undefined && performance.now() - seen < PLAIN_FOR_MS) return
  await checkPlainFolder(abs)
  if (plainSeen.size > 4096) plainSeen.clear()
  plainSeen.set(abs, performance.now())
}

/** True when `dir` was found a plain folder within the last moment (assertPlainFolder then does no I/O). */
export function seenPlainRecently(dir: string): boolean {
  const seen = plainSeen.get(path.resolve(dir))
  return seen !== undefined && performance.now() - seen < PLAIN_FOR_MS
}

/** Folders found plain, and when (monotonic ms). */
const plainSeen = new Map<string, number>()
const PLAIN_FOR_MS = 1000

async function checkPlainFolder(abs: string): Promise<void> {
  for (const [literal] of roots) {
    const rel = path.relative(literal, abs)
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue
    const realRoot = realRootOf(literal)
    if (realRoot === null) return
    let real: string
    try {
      real = await fs.realpath(abs)
    } catch (err) {
      if (errCode(err) !== 'ENOENT' && errCode(err) !== 'ENOTDIR') throw err
      // Not there yet (the caller creates it next): its nearest existing parent must be plain.
      if (rel === '') return
      return checkPlainFolder(path.dirname(abs))
    }
    if (real !== path.join(realRoot, rel)) {
      throw new ShareFileError(
        abs,
        'leads elsewhere through a link planted in the shared folder; nothing is written through it.'
      )
    }
    return
  }
}

/**
 * How long a file's rename, or a read of a file in a rename's gap, is retried on a network mount.
 * A save waits at most this long for other computers to close the file it replaces. Measured on
 * smbnetfs with a reader polling the document every 20 ms on each mount and CLI readers looping:
 * with 2 s, 1 to 3 of 24 contended saves still failed; with 5 s, none of 96. A read waits as long
 * as a save may (it waits while that save's temp file is there).
 */
export const NETWORK_RETRY_MS = 5000

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms))
}
