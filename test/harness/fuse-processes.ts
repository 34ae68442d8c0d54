/**
 * What the network-drive suites share for the FUSE clients and servers they start (sshd + sshfs,
 * smbd + smbnetfs): the mount table, unmounting, a child's stderr, waiting for readiness and exit.
 */
import { spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** True while `point` is a mount of file-system type `type` in this process's mount table. */
export function mountedAs(point: string, type: string): boolean {
  const table = readFileSync('/proc/self/mounts', 'utf8')
  return table.split('\n').some((line) => line.split(' ')[1] === point && line.split(' ')[2] === type)
}

/** Unmounts a FUSE mount (fusermount3 or fusermount), lazily if a plain unmount does not take. */
export function unmountFuse(point: string, isMounted: (point: string) => boolean, lazy = false): void {
  for (const tool of ['fusermount3', 'fusermount']) {
    const r = spawnSync(tool, ['-u', ...(lazy ? ['-z'] : []), point])
    if (!r.error && (r.status === 0 || !isMounted(point))) return
  }
  if (!lazy) unmountFuse(point, isMounted, true)
}

/** Collects what a child writes to stderr, and a spawn failure (a missing binary) as text. */
export function collect(child: ChildProcess): { text: string } {
  const log = { text: '' }
  child.stderr?.on('data', (d: Buffer) => (log.text += d.toString()))
  child.once('error', (err) => (log.text += err.message))
  return log
}

/** Polls `ready` until true; fails with `why()` if `child` ends first or after `timeoutMs`. */
export async function until(
  ready: () => boolean,
  child: ChildProcess,
  why: () => string,
  timeoutMs: number
): Promise<void> {
  const started = Date.now()
  let spawnFailed = false
  child.once('error', () => (spawnFailed = true))
  while (!ready()) {
    const ended = spawnFailed || child.exitCode !== null || child.signalCode !== null
    if (ended || Date.now() - started > timeoutMs) {
      child.kill('SIGKILL')
      throw new Error(why())
    }
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Resolves true once `child` has exited, false after `ms`. */
export function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}
