import { ValidationError } from '../../../shared/errors'

/** Tunables of the lock service. Defaults are safe on real network drives (see README "Locks"). */
export interface LockSettings {
  /** How often a holder refreshes each lock. SPEC L4: 30 s by default, 5–120 s from the environment. */
  heartbeatIntervalMs: number
  /** Missed heartbeats before observers may call a lock stale (SPEC L4: 3). */
  staleAfterBeats: number
  /** Release a section lock after this long without edits (SPEC L6: 5 minutes); 0 turns it off. */
  idleTimeoutMs: number
  /** Warn the writer this long before the idle release. */
  idleWarningMs: number
  /** SPEC L7. */
  maxLocksPerDocument: number
  maxEditorsPerDocument: number
  /** Extra attempts after a refusal (SPEC L3). 0 = fail fast, which is the default: a refusal naming the holder in a few ms beats a slow wait. */
  retries: number
  /** First backoff between attempts, doubled each time up to `maxBackoffMs`, with ±50 % jitter. */
  minBackoffMs: number
  maxBackoffMs: number
  /** Take over a stale lock when acquiring (true), or refuse with StaleProcessLockError (false). */
  takeOverStale: boolean
  /** How long a save waits for the document's write mutex before LockTimeoutError. */
  writeWaitMs: number
  /**
   * How long a lock generation with no record (left by an older version's crash mid-claim, or made
   * by hand) is watched unchanged before it is cleared. Claims of this version are atomic, so no
   * live claim ever looks like this; the grace only covers a network drive's cache showing a
   * folder before its file.
   */
  claimGraceMs: number
}

export const DEFAULT_LOCK_SETTINGS: LockSettings = {
  heartbeatIntervalMs: 30_000,
  staleAfterBeats: 3,
  idleTimeoutMs: 5 * 60_000,
  idleWarningMs: 60_000,
  maxLocksPerDocument: 100,
  maxEditorsPerDocument: 50,
  retries: 0,
  minBackoffMs: 25,
  maxBackoffMs: 1_000,
  takeOverStale: true,
  writeWaitMs: 120_000,
  claimGraceMs: 2_000
}

/** Reads LOCK_HEARTBEAT_INTERVAL (seconds, 5–120). Anything else is refused with a message naming the variable. */
export function heartbeatFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.LOCK_HEARTBEAT_INTERVAL
  if (raw === undefined || raw.trim() === '') return undefined
  const seconds = Number(raw)
  if (!Number.isFinite(seconds) || seconds < 5 || seconds > 120) {
    throw new ValidationError(
      `LOCK_HEARTBEAT_INTERVAL must be a number of seconds from 5 to 120 (got “${raw}”).`
    )
  }
  return Math.round(seconds * 1000)
}

/** Merges overrides over the defaults and the environment, refusing values that would make locking unsafe. */
export function resolveLockSettings(overrides: Partial<LockSettings> = {}, env = process.env): LockSettings {
  const fromEnv = heartbeatFromEnv(env)
  const s: LockSettings = {
    ...DEFAULT_LOCK_SETTINGS,
    ...(fromEnv === undefined ? {} : { heartbeatIntervalMs: fromEnv }),
    ...overrides
  }
  const positive: (keyof LockSettings)[] = [
    'heartbeatIntervalMs',
    'staleAfterBeats',
    'maxLocksPerDocument',
    'maxEditorsPerDocument'
  ]
  for (const k of positive) {
    if (!(typeof s[k] === 'number' && (s[k] as number) > 0))
      throw new ValidationError(`Lock setting ${k} must be positive.`)
  }
  if (!Number.isInteger(s.retries) || s.retries < 0)
    throw new ValidationError('Retries must be a whole number ≥ 0.')
  if (s.idleTimeoutMs < 0 || s.idleWarningMs < 0) throw new ValidationError('Idle times cannot be negative.')
  if (!(s.claimGraceMs >= 0)) throw new ValidationError('The claim grace cannot be negative.')
  return s
}

/** How long observers wait without a heartbeat change before the lock is stale. */
export function ttlOf(s: LockSettings): number {
  return s.heartbeatIntervalMs * s.staleAfterBeats
}
