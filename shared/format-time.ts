/**
 * The one place that turns a lock's time into words for people: "10:32" on the day it is read,
 * "Mar 4, 10:32" on any other day. `now` is always passed in (an injected clock on the services'
 * side, the window's clock in the renderer), so a test that fixes the time gets the same words on
 * any real date. The timestamp is the holder's own clock: shown, never compared across machines.
 */

/** Who holds a lock, as shown to other writers. */
export interface HolderSummary {
  user: string
  host: string
  /** ISO-8601 time the holder took the lock (the holder's own clock; shown, never compared). */
  since: string
}

/** "10:32" when `iso` falls on the same local day as `now`, else "Mar 4, 10:32"; "an unknown time" for garbage. */
export function formatSince(iso: string, now: number | Date): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return 'an unknown time'
  const hh = String(d.getHours()).padStart(2, '0')
  const mm = String(d.getMinutes()).padStart(2, '0')
  if (d.toDateString() === new Date(now).toDateString()) return `${hh}:${mm}`
  const month = d.toLocaleString('en', { month: 'short' })
  return `${month} ${d.getDate()}, ${hh}:${mm}`
}

/** A holder the way a writer reads it: "Ann on studio-pc, since 10:32". */
export function describeHolder(h: HolderSummary, now: number | Date): string {
  return `${h.user} on ${h.host}, since ${formatSince(h.since, now)}`
}
