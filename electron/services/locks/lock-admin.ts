import { LockAcquisitionError, NotFoundError, ValidationError } from '../../../shared/errors'
import type { LockRecord } from '../../../shared/types'
import type { Workspace } from '../core/workspace'
import { holderProcessEnded } from './liveness'
import type { LockDirState } from './lock-dir'
import { holderOf } from './lock-record'
import { listAllLocks, listDocumentLocks } from './lock-scan'
import type { LockService } from './lock-service'
import type { StaleVerdict } from './staleness'

/** One lock as an administrator sees it. */
export interface LockView {
  kind: 'section' | 'document' | 'write'
  document: string | null
  docKey: string
  sectionId: string | null
  state: 'held' | 'claiming' | 'corrupt'
  record: LockRecord | null
  problem: string | null
  stale: boolean
  staleReason: string
  dir: string
}

function toView(
  found: { dir: string; docKey: string; kind: LockView['kind']; state: LockDirState },
  verdict: StaleVerdict
): LockView | null {
  const s = found.state
  if (s.kind !== 'held' && s.kind !== 'claiming' && s.kind !== 'corrupt') return null
  const record = s.kind === 'held' ? s.record : null
  return {
    kind: found.kind,
    document: record?.document ?? null,
    docKey: found.docKey,
    sectionId: record?.sectionId ?? null,
    state: s.kind,
    record,
    problem: s.kind === 'corrupt' ? s.problem : null,
    stale: verdict.stale,
    staleReason: verdict.reason,
    dir: found.dir
  }
}

/** Every lock currently held in the workspace, with this observer's staleness verdict. */
export async function inspectLocks(
  locks: LockService,
  ws: Workspace,
  document?: string
): Promise<LockView[]> {
  const views: LockView[] = []
  const all =
    document === undefined ? await listAllLocks(ws) : await listDocumentLocks(ws, ws.docKey(document))
  for (const found of all) {
    const view = toView(found, locks.observer.observe(found.dir, found.state))
    if (view) views.push(view)
  }
  return views
}

/** Options of a force-release. */
export interface ForceReleaseOptions {
  /** Release even a live lock (requires `reason`). */
  force: boolean
  reason?: string
  /** How long to watch a lock held on another computer for missed heartbeats before deciding (observer clock). */
  watchMs: number
  /** Called once when the lock must be watched, with how long that can take. */
  onWatch?: (ms: number) => void
}

/**
 * Releases someone else's lock. Without `force` only a stale lock is released: one whose process on
 * this computer has ended at once, one on another computer after it is watched missing its heartbeats.
 */
export async function forceRelease(
  locks: LockService,
  dir: string,
  opts: ForceReleaseOptions
): Promise<LockRecord | null> {
  if (opts.force && !opts.reason?.trim())
    throw new ValidationError('--force needs --reason "why" (it goes to the audit trail).')
  let { state, verdict } = await locks.judge(dir)
  if (state.kind === 'absent' || state.kind === 'empty' || state.kind === 'released') {
    throw new NotFoundError('That lock is not held by anyone; nothing to release.')
  }
  if (!opts.force && !verdict.stale) {
    const deadline = Date.now() + Math.min(opts.watchMs, verdict.staleInMs + 50)
    opts.onWatch?.(Math.min(opts.watchMs, verdict.staleInMs))
    while (!verdict.stale && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(500, Math.max(20, verdict.staleInMs / 4))))
      ;({ state, verdict } = await locks.judge(dir))
      if (state.kind === 'released' || state.kind === 'absent')
        throw new NotFoundError('The lock was released meanwhile.')
    }
    if (!verdict.stale) {
      const holder =
        state.kind === 'held'
          ? holderOf(state.record)
          : {
              user: 'another writer',
              host: 'another computer',
              since: new Date(locks.wallNow()).toISOString()
            }
      throw new LockAcquisitionError('This lock', holder, locks.wallNow())
    }
  }
  const reason = opts.force ? `force-released: ${opts.reason}` : `released as stale (${verdict.reason})`
  const released = await locks.releaseForeign(dir, state, reason, 'lock.force-release')
  if (released === null && state.kind === 'held')
    throw new ValidationError('The lock changed hands while releasing it; look again.')
  return released
}

/**
 * SPEC L6 start-up: releases locks this writer left behind in an earlier run that has ended
 * (same owner, same computer, process gone). A live second instance of the same writer keeps its locks.
 */
export async function cleanupLeftovers(locks: LockService, ws: Workspace): Promise<number> {
  let cleared = 0
  const self = locks.identity
  for (const found of await listAllLocks(ws)) {
    const s = found.state
    if (s.kind !== 'held' || s.record.holder.ownerId !== self.ownerId) continue
    if (!holderProcessEnded(s.record.holder, self)) continue
    if (
      await locks.releaseForeign(found.dir, s, 'left over by an earlier run of this writer', 'lock.cleanup')
    )
      cleared++
  }
  return cleared
}
