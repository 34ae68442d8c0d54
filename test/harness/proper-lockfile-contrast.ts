/**
 * The contrast the lock service is measured against: proper-lockfile's own `lock()`, whose
 * staleness compares the lock folder's mtime with the local clock, used from two mounts of one share.
 */
import lockfile from 'proper-lockfile'

/** proper-lockfile's defaults: a lock is stale when its mtime is 10 s old; the holder touches it every 5 s. */
const DEFAULT_STALE_MS = 10_000
const DEFAULT_UPDATE_MS = DEFAULT_STALE_MS / 2

type Who = 'A' | 'B'

/**
 * A locks `fileViaMount1` with proper-lockfile's defaults and stays alive, updating its lock; B
 * asks for the same file through `fileViaMount2` every 0.5 s for a little longer than the stale
 * time. Both run in this process, on one clock: only the mounts differ. Returns what happened,
 * one timestamped line per event, for people to read (nothing here is asserted).
 */
export async function properLockfileOnTwoMounts(
  fileViaMount1: string,
  fileViaMount2: string
): Promise<string[]> {
  const lines: string[] = []
  const t0 = performance.now()
  const note = (text: string) => lines.push(`${((performance.now() - t0) / 1000).toFixed(1)} s ${text}`)
  const told = new Set<Who>()
  const onCompromised = (who: Who) => (err: Error) => {
    told.add(who)
    note(`${who} was told: ${err.message}`)
  }
  const releaseA = await lockfile.lock(fileViaMount1, { onCompromised: onCompromised('A') })
  note('A took the lock through mount 1 and keeps it updated')
  let releaseB: (() => Promise<void>) | null = null
  let refusals = 0
  while (!releaseB && performance.now() - t0 < DEFAULT_STALE_MS + DEFAULT_UPDATE_MS) {
    releaseB = await lockfile
      .lock(fileViaMount2, { onCompromised: onCompromised('B') })
      .catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ELOCKED') throw e
        refusals++
        return null
      })
    if (!releaseB) await new Promise((r) => setTimeout(r, 500))
  }
  if (releaseB) {
    note(`B (mount 2) ACQUIRED the lock A still holds, after ${refusals} refusals`)
    // Each side's updater checks its lock once more within 5 s.
    await new Promise((r) => setTimeout(r, DEFAULT_UPDATE_MS + 1000))
    for (const who of ['A', 'B'] as const) if (!told.has(who)) note(`${who} still believes it holds the lock`)
  } else {
    note(`B was refused ${refusals} times: A's lock was not broken`)
  }
  await releaseB?.().catch((e: Error) => note(`B's unlock: ${e.message}`))
  await releaseA().catch((e: Error) => note(`A's unlock: ${e.message}`))
  return lines
}
