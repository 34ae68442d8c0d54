import { LimitError, LockAcquisitionError, type HolderSummary } from '../../../shared/errors'
import type { Identity } from '../../../shared/types'
import type { Workspace } from '../core/workspace'
import type { LockSettings } from './lock-config'
import { readLockDir, type LockDirState } from './lock-dir'
import { holderOf } from './lock-record'
import { listSectionLocks } from './lock-scan'
import type { StalenessObserver } from './staleness'

/** What the acquisition guards need from the lock service. */
export interface GuardContext {
  ws: Workspace
  self: Identity
  settings: LockSettings
  observer: StalenessObserver
  nowIso: string
  /** Frees a stale lock that stands in the way (tombstone generation, audited as a takeover). */
  releaseForeign(dir: string, state: LockDirState, reason: string): Promise<unknown>
}

/** Who seems to hold a lock, even when its record is missing or damaged. */
export function describeState(state: LockDirState, nowIso: string): HolderSummary {
  if (state.kind === 'held') return holderOf(state.record)
  if (state.kind === 'corrupt') {
    return { user: 'an unknown writer (damaged lock file)', host: 'an unknown computer', since: nowIso }
  }
  return { user: 'another writer', host: 'another computer', since: nowIso }
}

function isActive(state: LockDirState): boolean {
  return state.kind === 'held' || state.kind === 'claiming' || state.kind === 'corrupt'
}

/**
 * A section lock is refused while another instance holds the document lock, and beyond the
 * per-document limits (SPEC L7). Run before claiming (fail fast) and after (so that a concurrent
 * document lock or a concurrent 101st lock is caught: each side checks after its own mkdir, so at
 * least one of two racers sees the other and backs off — nothing half-done).
 */
export async function checkSectionAllowed(
  ctx: GuardContext,
  document: string,
  label: string,
  afterClaim: boolean
): Promise<void> {
  const docDir = ctx.ws.documentLockDir(document)
  const docState = await readLockDir(docDir)
  if (isActive(docState)) {
    const mine = docState.kind === 'held' && docState.record.holder.instanceId === ctx.self.instanceId
    if (!mine) {
      const verdict = ctx.observer.observe(docDir, docState)
      if (!verdict.stale) {
        throw new LockAcquisitionError(
          `${label} (the whole document is locked for a structure change)`,
          describeState(docState, ctx.nowIso),
          Date.parse(ctx.nowIso)
        )
      }
      await ctx.releaseForeign(docDir, docState, `stale document lock cleared (${verdict.reason})`)
    }
  }
  const { maxLocksPerDocument: maxLocks, maxEditorsPerDocument: maxEditors } = ctx.settings
  // Reading every lock is only needed when there are enough lock folders to reach a limit.
  const locks = await listSectionLocks(ctx.ws.sectionLocksDir(document), Math.min(maxLocks, maxEditors))
  if (locks === null) return
  const active = locks.filter((l) => isActive(l.state))
  if (active.length + (afterClaim ? 0 : 1) > maxLocks) {
    throw new LimitError(
      `“${document}” already has ${active.length} sections being edited, the most one document allows (${maxLocks}). Try again when someone finishes.`
    )
  }
  const editors = new Set(
    active.map((l) => (l.state.kind === 'held' ? l.state.record.holder.ownerId : `?${l.dir}`))
  )
  if (!afterClaim) editors.add(ctx.self.ownerId)
  if (editors.size > maxEditors) {
    throw new LimitError(
      `“${document}” already has ${maxEditors} people editing it, the most one document allows. Try again when someone finishes.`
    )
  }
}

/** The document lock is refused while another instance holds (or is claiming) a section lock; stale ones are cleared. */
export async function checkDocumentAllowed(
  ctx: GuardContext,
  document: string,
  label: string
): Promise<void> {
  const locks = (await listSectionLocks(ctx.ws.sectionLocksDir(document), 0)) ?? []
  for (const l of locks) {
    const s = l.state
    if (!isActive(s)) continue
    if (s.kind === 'held' && s.record.holder.instanceId === ctx.self.instanceId) continue
    const verdict = ctx.observer.observe(l.dir, s)
    if (verdict.stale) {
      await ctx.releaseForeign(l.dir, s, `stale section lock cleared for a document lock (${verdict.reason})`)
      continue
    }
    const what = s.kind === 'held' && s.record.sectionId ? `section “${s.record.sectionId}”` : 'a section'
    throw new LockAcquisitionError(
      `${label} (${what} is being edited)`,
      describeState(s, ctx.nowIso),
      Date.parse(ctx.nowIso)
    )
  }
}
