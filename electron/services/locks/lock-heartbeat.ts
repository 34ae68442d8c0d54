/**
 * The locks this instance holds, as the lock service keeps them: one heartbeat round over them,
 * and what losing one means (SPEC L5). Split out of lock-service.ts, which owns the held locks.
 */
import { LockLostError, type HolderSummary } from '../../../shared/errors'
import type { LockRecord } from '../../../shared/types'
import type { Clock } from '../core/clock'
import { lstatOrNull } from '../core/share-fs'
import type { Emitter } from '../core/emitter'
import { errorText, type Log } from '../log/log'
import { readLockDir, stillHolds, writeRecord, type LockDirState } from './lock-dir'
import { holderOf } from './lock-record'
import type { LockAuditSink, LockEvents, LockHandle, LockMetricsSink } from './lock-types'

/** A lock this instance holds, with what its heartbeat and idle release need. */
export interface Held {
  handle: LockHandle
  dir: string
  record: LockRecord
  lastActivity: number
  idleWarned: boolean
  label: string
}

/** What the heartbeat and the loss of a lock need from the lock service. */
export interface HeldContext {
  /** The locks this instance holds, by lock folder. */
  held: Map<string, Held>
  clock: Clock
  events: Emitter<LockEvents>
  audit?: LockAuditSink
  metrics?: LockMetricsSink
  log: Log
  /** This instance's wall clock as an ISO time. */
  iso(): string
}

/** True when the lock folder's state is still this holder's generation and token. */
export function isMine(state: LockDirState, h: Held): boolean {
  return state.kind === 'held' && state.top === h.handle.generation && state.record.token === h.handle.token
}

/**
 * True when `h` still holds its lock: its record, exactly as last written, is the top ({@link
 * stillHolds}, three steps in a row) — else the lock is read and judged by generation and token (a
 * heartbeat rewriting the record that moment, a network mount's rename gap). A release asks it
 * before renaming its tombstone in; a lock folder reset in the instant between the two is not seen
 * (no file system offers a compare-and-rename) — the claim's own checks are all that is left then.
 */
export async function confirmMine(h: Held): Promise<boolean> {
  if (await stillHolds(h.dir, h.record)) return true
  const state = await readLockDir(h.dir)
  // Damaged (a record that does not parse, a file where the lock folder was): whose generation it
  // is cannot be told, so it is not called lost — it rejects, and the release fails saying why
  // (the lock goes stale, as any lock whose release cannot be written). A folder gone is lost.
  if (state.kind === 'corrupt') throw new Error(state.problem)
  if (state.kind === 'absent' && (await lstatOrNull(h.dir))?.isDirectory() === false) {
    throw new Error(`${h.dir} is a file where the lock's folder should be`)
  }
  return isMine(state, h)
}

/**
 * One heartbeat round: rewrites each held lock's record with the next beat, and notices locks
 * that were lost. Returns true when a beat failed for another reason (retried at the next round).
 */
export async function beatHeld(ctx: HeldContext): Promise<boolean> {
  let failed = false
  for (const h of [...ctx.held.values()]) {
    try {
      const state = await readLockDir(h.dir)
      if (!isMine(state, h)) {
        loseHeld(ctx, h, state)
        continue
      }
      h.record = { ...h.record, heartbeatSeq: h.record.heartbeatSeq + 1, lastHeartbeat: ctx.iso() }
      await writeRecord(h.dir, h.record)
    } catch (err) {
      // The generation folder vanishing means a newer holder compacted it away: the lock is lost.
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        loseHeld(ctx, h, await readLockDir(h.dir).catch(() => ({ kind: 'absent' as const })))
      } else {
        failed = true // e.g. EIO while a network drive reconnects: retried at the next beat
        ctx.log.warn('a heartbeat failed; retried at the next beat', {
          document: h.handle.document,
          sectionId: h.handle.sectionId,
          error: errorText(err)
        })
      }
    }
  }
  return failed
}

/**
 * Forgets a lock this instance no longer holds, audits and emits `lost` (unless `emit` is false or
 * it is a write mutex), and returns the error that tells the holder why.
 */
export function loseHeld(ctx: HeldContext, h: Held, state: LockDirState, emit = true): LockLostError {
  ctx.held.delete(h.dir)
  ctx.metrics?.lockActive(ctx.held.size)
  let reason = 'its lock was removed from the shared folder'
  let newHolder: HolderSummary | undefined
  if (state.kind === 'held' && state.record.token !== h.record.token) {
    newHolder = holderOf(state.record)
    reason = state.record.tookOverFrom
      ? 'it was taken over after your instance stopped answering'
      : 'someone else took it'
  } else if (state.kind === 'released') {
    reason = state.release
      ? `it was released by ${state.release.by} (${state.release.reason})`
      : 'it was released'
  }
  if (emit && h.handle.kind !== 'write') {
    ctx.audit?.record({
      type: 'lock.heartbeat-lost',
      document: h.handle.document,
      sectionId: h.handle.sectionId,
      reason
    })
    ctx.events.emit('lost', { lock: h.handle, reason, ...(newHolder ? { newHolder } : {}) })
  }
  return new LockLostError(h.label, reason, ctx.clock.wallNow(), newHolder)
}
