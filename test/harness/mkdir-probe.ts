/**
 * A diagnostic for the network-drive suites: is `mkdir` exclusive on a share? The app does not
 * depend on it — lock claims are renames of a prepared folder (locks/lock-dir.ts,
 * probeExclusiveClaims) — but the suites show why that matters (rclone: not exclusive).
 */
import { randomInt } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { errCode } from '../../electron/services/core/share-fs'

/** Whether `mkdir` is exclusive on a share, and if not, why not (one line, for a person). */
export interface MkdirProbe {
  exclusive: boolean
  reason?: string
}

/** Races in one probe: a double success is a race to be lucky in, so one clean round proves little. */
const MKDIR_PROBE_ROUNDS = 3

/**
 * Probes whether `mkdir` is exclusive in `dir` (a folder on the share the app may write in, e.g.
 * `.sectioned/probes`). `otherView` is the same folder reached another way (a second mount of the
 * share); without it both attempts go through `dir`. In each round, two `mkdir`s of one fresh name
 * at the same moment (one through each view) must give one success and one EEXIST, and a `mkdir`
 * of that name through the other view afterwards must give EEXIST. Throws on any other error (the
 * probe could not run); leaves nothing behind.
 *
 * What one view can and cannot see: through a single mount both attempts pass one client, and a
 * client that caches folders (rclone's VFS) answers them exclusively from its own cache — yet a
 * folder made by *another* client that this one has not listed yet is created "again" with success
 * (measured on rclone 1.60). Only two views (two mounts, as in the test suites) show that. This is
 * why lock claims are renames of a prepared folder (locks/lock-dir.ts, probed by
 * probeExclusiveClaims), which the server refuses whatever the client cached.
 */
export async function probeExclusiveMkdir(dir: string, otherView: string = dir): Promise<MkdirProbe> {
  await fs.mkdir(dir, { recursive: true })
  if (otherView !== dir) await fs.mkdir(otherView, { recursive: true })
  const made: string[] = []
  const attempt = async (at: string, name: string): Promise<boolean> => {
    try {
      await fs.mkdir(path.join(at, name))
      made.push(path.join(at, name))
      return true
    } catch (err) {
      if (errCode(err) === 'EEXIST') return false
      throw err
    }
  }
  try {
    for (let round = 0; round < MKDIR_PROBE_ROUNDS; round++) {
      const name = `mkdir-probe-${randomInt(1, 2 ** 47).toString(36)}`
      const raced = await Promise.all([attempt(dir, name), attempt(otherView, name)])
      const winners = raced.filter(Boolean).length
      if (winners === 0)
        throw new Error(`${path.join(dir, name)} could not be created by either of two attempts`)
      if (winners > 1)
        return {
          exclusive: false,
          reason: 'two folders of one new name created at the same moment both succeeded'
        }
      // The folder exists now: one more mkdir, through the view that lost, must be refused.
      if (await attempt(raced[0] ? otherView : dir, name))
        return { exclusive: false, reason: 'creating a folder that already exists succeeded' }
    }
    return { exclusive: true }
  } finally {
    for (const folder of made) await fs.rmdir(folder).catch(() => undefined)
  }
}
