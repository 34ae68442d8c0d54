import { LimitError, LockAcquisitionError, type HolderSummary } from '../../../shared/errors'
import type { Identity } from '../../../shared/types'
import type { Workspace } from '../core/workspace'
import type { LockSettings } from './lock-config'
import type { LockDirState } from './lock-dir'
import { holderOf } from './lock-record'
import { listSectionLocks, type TopStates } from './lock-scan'
import type { StalenessObserver, StaleVerdict } from './staleness'

/** What the acquisition guards need from the lock service. */
export interface GuardContext {
  ws: Workspace
  self: Identity
  settings: LockSettings
  observer: StalenessObserver
  nowIso: string
  /** Reads a lock folder for a decision, waiting out a record-less generation's grace. */
  readSettled(dir: string): Promise<{ state: LockDirState; verdict: StaleVerdict }>
  /** Lock states by top generation, for the limit counts. */
  tops: TopStates
  /** Frees a stale lock that stands in the way (tombstone generation, audited as a takeover). */
  releaseForeign(dir: string, state: LockDirState, reason: string): Promise<unknown>
}

/** Who seems to hold a lock, even when its record is missing or damaged. */
export function describeState(state: LockDirState, nowIso: string): HolderSummary {
  if (state.kind === 'held') return holderOf(state.record)
  if (state.kind === 'corrupt') {
    return { user: 'an unknown writer (damaged lock file)', host: 'an unknown computer', since: nowIso }
  }
  if (state.kind === 'claiming') {
    return {
      user: 'nobody yet (an unfinished lock with no record)',
      host: 'an unknown computer',
      since: nowIso
    }
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
  const { maxLocksPerDocument: maxLocks, maxEditorsPerDocument: maxEditors } = ctx.settings
  // The document lock and the section locks are read side by side; the document's refusal comes first.
  // Reading every lock is only needed when there are enough lock folders to reach a limit.
  const listed = listSectionLocks(ctx.ws.sectionLocksDir(document), Math.min(maxLocks, maxEditors), ctx.tops)
  listed.catch(() => undefined) // awaited below
  const { state: docState, verdict } = await ctx.readSettled(docDir)
  if (isActive(docState)) {
    const mine = docState.kind === 'held' && docState.record.holder.instanceId === ctx.self.instanceId
    if (!mine) {
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
  const locks = await listed
  if (locks === null) return
  const active = locks.filter((l) => isActive(l.state))
  if (active.length + (afterClaim ? 0 : 1) > maxLocks) {
    throw new LimitError(
      `“${document}” already has ${active.length} sections being edited, the most one document allows (${maxLocks}). Try again when someone finishes.`
    )
  }
  // Only a record names an editor: a record-less or damaged lock counts against the lock limit,
  // never as one more person.
  const editors = new Set(
    active.flatMap((l) => (l.state.kind === 'held' ? [l.state.record.holder.ownerId] : []))
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
    if (!isActive(l.state)) continue
    const { state: s, verdict } =
      l.state.kind === 'claiming'
        ? await ctx.readSettled(l.dir)
        : { state: l.state, verdict: ctx.observer.observe(l.dir, l.state) }
    if (!isActive(s)) continue
    if (s.kind === 'held' && s.record.holder.instanceId === ctx.self.instanceId) continue
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
