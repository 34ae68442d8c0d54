/**
 * The microsecond timestamps in backup names (SPEC H4): UTC `YYYYMMDDTHHMMSS.ffffffZ`.
 *
 * Honesty about the last three digits: no clock here reads wall time to the microsecond. The
 * seconds and milliseconds come from `clock.wallNow()` (so an injected or skewed clock is
 * respected). For the real clock the microseconds are the sub-millisecond fraction of
 * `performance.timeOrigin + performance.now()`, the process's high-resolution clock; that clock
 * is not phase-locked to the wall clock, so the digits order events within a millisecond rather
 * than pinpoint them. Injected clocks have no sub-millisecond reading and get 000. Either way a
 * per-clock counter then makes every timestamp from this process strictly greater than the one
 * before (bursts, and wall clocks stepping back by under a second, may run a little ahead of the
 * wall clock). Uniqueness across processes does not rest on the timestamp: names add a ulid.
 */
import { SystemClock, type Clock } from '../core/clock'

const lastIssued = new WeakMap<Clock, number>()
const MAX_STEP_BACK_US = 1_000_000

/** Current wall time in whole microseconds since the epoch, strictly increasing per clock. */
export function wallMicros(clock: Clock): number {
  const ms = Math.floor(clock.wallNow())
  let fraction = 0
  if (clock instanceof SystemClock) {
    const hiRes = performance.timeOrigin + performance.now()
    fraction = Math.floor((hiRes - Math.floor(hiRes)) * 1000) % 1000
  }
  let micros = ms * 1000 + fraction
  const last = lastIssued.get(clock)
  // Small steps back happen (virtualised clocks jitter by a millisecond, NTP slews), so within a
  // second we count forward; a wall clock set back further is followed rather than outrun.
  if (last !== undefined && micros <= last && last - micros < MAX_STEP_BACK_US) micros = last + 1
  lastIssued.set(clock, micros)
  return micros
}

/** Formats microseconds since the epoch as `YYYYMMDDTHHMMSS.ffffffZ` (UTC). */
export function formatMicros(micros: number): string {
  const d = new Date(Math.floor(micros / 1000))
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  const date = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`
  const time = `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
  return `${date}T${time}.${p(micros % 1_000_000, 6)}Z`
}

/** Reads a `YYYYMMDDTHHMMSS.ffffffZ` timestamp back to microseconds since the epoch, or null. */
export function parseMicros(text: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{6})Z$/.exec(text)
  if (!m) return null
  type Seven = [number, number, number, number, number, number, number]
  const [y, mo, d, h, mi, s, f] = m.slice(1, 8).map(Number) as Seven
  const ms = Date.UTC(y, mo - 1, d, h, mi, s)
  return Number.isNaN(ms) ? null : ms * 1000 + f
}
