import type { MountInfo } from './mount-type'

/** The watch-mode setting: `auto` follows the detected file system; the others force a mode. */
export type WatchModeOverride = 'auto' | 'native' | 'polling'

/** How the workspace is watched, and why — the reason is shown in the status bar. */
export interface WatchModeChoice {
  mode: 'native' | 'polling'
  /** Poll interval in ms (also reported in native mode, where it is what a fallback to polling uses). */
  intervalMs: number
  reason: string
  /** The sync client that keeps the folder (the status bar warns), or null. */
  synced: string | null
}

/** Default poll interval (SPEC W1: configurable). One second keeps a network drive's load low and W2 honest. */
export const DEFAULT_POLL_INTERVAL_MS = 1000

/** Below 50 ms chokidar's own change throttle swallows changes; above a minute nobody would call it "seeing others". */
const MIN_POLL_MS = 50
const MAX_POLL_MS = 60_000

/** A usable poll interval: the default for nonsense, otherwise clamped to 50 ms – 60 s. */
export function clampPollInterval(ms: number | undefined): number {
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return DEFAULT_POLL_INTERVAL_MS
  return Math.round(Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, ms)))
}

/** "1 s", "1.5 s", "250 ms" — for people. */
export function formatInterval(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`
}

/**
 * What writers on a synced folder must know: the client copies a lock or a save to the other
 * computers only when it syncs, so two of them can take one section in between.
 */
export function syncWarning(client: string): string {
  return `Locks are only as good as ${client}: another computer sees a lock or a save only once ${client} has synced it, and two computers can take the same section in between.`
}

/**
 * Picks native events or polling for a workspace (SPEC W1). Native events on a network file system
 * only report changes made through this machine, so `auto` polls there; a setting always wins, since
 * detection cannot see through mapped drives on Windows or anything on macOS.
 */
export function chooseWatchMode(
  mount: MountInfo,
  override: WatchModeOverride,
  pollIntervalMs: number = DEFAULT_POLL_INTERVAL_MS
): WatchModeChoice {
  return { ...choose(mount, override, pollIntervalMs), synced: mount.synced ?? null }
}

function choose(
  mount: MountInfo,
  override: WatchModeOverride,
  pollIntervalMs: number
): Omit<WatchModeChoice, 'synced'> {
  const intervalMs = clampPollInterval(pollIntervalMs)
  const every = `polling every ${formatInterval(intervalMs)}`
  const fs = mount.fsType
  // Said whatever the mode: a sync client copies locks and saves only when it syncs.
  const synced = mount.synced ? ` ${syncWarning(mount.synced)}` : ''
  if (override === 'polling') {
    return { mode: 'polling', intervalMs, reason: `${every}: set in the settings${synced}` }
  }
  if (override === 'native') {
    const warning = mount.network
      ? ` — ${fs} is a network file system, so other computers' changes may go unseen`
      : ''
    return {
      mode: 'native',
      intervalMs,
      reason: `native file events: set in the settings${warning}${synced}`
    }
  }
  if (mount.synced && !mount.network) {
    return {
      mode: 'polling',
      intervalMs,
      reason: `${every}: the folder is kept by ${mount.synced}.${synced}`
    }
  }
  if (mount.network) {
    return {
      mode: 'polling',
      intervalMs,
      reason: `${every}: ${fs} is a network file system (other computers' changes raise no events)${synced}`
    }
  }
  if (fs === 'unknown') {
    return {
      mode: 'native',
      intervalMs,
      reason:
        'native file events: the file system type cannot be detected here (choose polling in the settings for a network drive)'
    }
  }
  return { mode: 'native', intervalMs, reason: `native file events: ${fs} is a local file system` }
}
