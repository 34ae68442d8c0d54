/**
 * The machinery of a section session (session.ts adds the writer's commands on top), driven by
 * the editor's transactions (already judged by the gate) and by what the services answer. Typing
 * into a free section is applied at once and its lock taken; if the lock is refused, exactly that
 * claim's changes are rolled back (session-claims.ts), the writer sees one notice that keeps the
 * typed text, and the editor shows the file's text.
 */
import { isolateHistory } from '@codemirror/commands'
import { ChangeSet, Transaction } from '@codemirror/state'
import type { EditorState, TransactionSpec } from '@codemirror/state'
import type { LockView } from '../../../shared/contract'
import { ErrorCode, type ErrorValue } from '../../../shared/errors'
import {
  claimSections,
  findSection,
  isMine,
  patchSections,
  phaseOf,
  replaceRun,
  sectionLocks
} from './lock-state'
import type { SectionLock } from './lock-state'
import { ClaimBook, type Claim, type ClaimEffect } from './session-claims'
import {
  gated,
  historyFloorHere,
  judge,
  remoteUpdate,
  sessionMeta,
  sessionWrite,
  setConnected
} from './lock-filter'
import type { Verdict } from './lock-filter'
import { heldRuns, isDirty, placeSavedRun, touchesClaim } from './session-runs'
import type { InFlightSave, Run } from './session-runs'
import type { JournalEntry, SessionHost, ServerSnapshot } from './session-host'
import { holderPatch, holdersFor, planSnapshot, stepSpec } from './session-sync'

/** The editor a session drives: a view, or a test's stand-in with the same two members. */
export interface SessionView {
  readonly state: EditorState
  dispatch(...specs: TransactionSpec[]): void
}

/** Timers and the wall clock, injected so tests run the session without waiting. */
export interface SessionClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** How the session paces its work. */
export interface SessionTiming {
  /** Autosave this long after the last keystroke. */
  autosaveMs: number
  /** Journal unsaved text at most this long after a keystroke. */
  journalMs: number
  /** At most one `locks:touch` per section this often. */
  touchMs: number
}

/** The pacing the app uses. */
export const DEFAULT_TIMING: SessionTiming = { autosaveMs: 2_000, journalMs: 100, touchMs: 10_000 }

const systemClock: SessionClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>)
}

/** How long a held section may be missing from the file before it counts as deleted (see `applySnapshot`). */
const VANISHED_GRACE_MS = 1_500
/** How often the file is read again meanwhile. */
const VANISHED_LOOK_MS = 250

export function label(s: SectionLock | undefined): string {
  return s?.heading ? `“${s.heading}”` : s?.id === 'preamble' ? 'The preamble' : 'This section'
}

/** Claims, pacing (autosave, journal, touch), saving runs, and what the services say. */
export class SessionCore {
  protected readonly claims = new ClaimBook()
  protected readonly inflight = new Set<InFlightSave>()
  protected busy = 0
  protected pending: { snapshot: ServerSnapshot; ticket: number } | null = null
  protected lastLocks: LockView[] = []
  protected tickets = 0
  /** Snapshots asked for before this ticket are older than a save this window made: dropped. */
  protected minTicket = 0
  protected saving: Promise<boolean> | null = null
  protected saveAgain = false
  protected readonly conflicted = new Set<string>()
  /** Held sections being taken again after a reconnect (not saved until they are). */
  protected readonly retaking = new Set<string>()
  /** Run texts the services refused (not sent again until they change). */
  protected readonly rejected = new Map<string, string>()
  protected readonly journaled = new Map<string, string | null>()
  protected readonly lastTouch = new Map<string, number>()
  protected autosaveTimer: unknown = null
  protected journalTimer: unknown = null
  /** When snapshots started to lack a held section (see `applySnapshot`); null while none does. */
  protected vanishedSince: number | null = null
  protected vanishedTimer: unknown = null
  protected publishQueued = false
  protected destroyed = false

  constructor(
    protected readonly view: SessionView,
    protected readonly host: SessionHost,
    protected readonly clock: SessionClock = systemClock,
    protected readonly timing: SessionTiming = DEFAULT_TIMING
  ) {}

  // ---- the editor's transactions --------------------------------------------------------------

  /** Called after every editor update with its transactions, in order (never dispatches itself). */
  update(transactions: readonly Transaction[]): void {
    let local = false
    for (const tr of transactions) {
      if (!tr.docChanged) {
        if (tr.effects.length > 0) this.queuePublish()
        continue
      }
      for (const save of this.inflight) save.changes = save.changes.compose(tr.changes)
      let claim = tr.effects.find((e) => e.is(claimSections))?.value as ClaimEffect | undefined
      const own = tr.annotation(remoteUpdate) === true || tr.annotation(sessionWrite) === true
      let refused: Verdict | null = null
      if (!claim && !own && tr.annotation(gated) !== true) {
        // A change that bypassed the gate (history steps dispatch with `filter: false`): judged now.
        const v = judge(tr)
        if (v.kind === 'claim') {
          claim = v
          if (v.ids.length > 0) queueMicrotask(() => this.view.dispatch({ effects: claimSections.of(v) }))
        } else if (v.kind === 'refuse') {
          refused = v
          claim = { claim: -tr.startState.field(sessionMeta).nextClaim, ids: [], join: [] }
        }
      }
      const added = this.claims.record(claim, tr.changes, tr.changes.invert(tr.startState.doc))
      for (const id of added) void this.acquireFor(id)
      if (refused && refused.kind === 'refuse' && claim) {
        const c = this.claims.get(claim.claim)
        const why =
          refused.reason === 'offline'
            ? 'Not connected to Sectioned.'
            : `${label(refused.section ?? undefined)} is being edited by someone else.`
        if (c) queueMicrotask(() => this.refuse(c, { code: ErrorCode.LockHeld, message: why }))
      }
      if (!own) local = true
      this.queuePublish()
    }
    if (local) this.edited()
  }

  protected async acquireFor(id: string): Promise<void> {
    const r = await this.host.acquire(id)
    if (this.destroyed) {
      if (r.ok) void this.host.release(id)
      return
    }
    const c = this.claims.of(id)
    if (!c) {
      // The claim was rolled back meanwhile: a late grant is given back at once.
      if (r.ok) void this.host.release(id)
      return
    }
    if (!r.ok) return this.refuse(c, r.error)
    c.granted.add(id)
    if (c.granted.size < c.ids.size) return
    this.claims.close(c)
    const patch = new Map<string, Partial<SectionLock>>()
    for (const sid of c.ids)
      patch.set(sid, { phase: 'held', editable: true, claim: undefined, holder: undefined })
    this.view.dispatch({ effects: patchSections.of(patch) })
    for (const sid of c.ids) this.host.retract(`held:${sid}`)
    this.edited()
  }

  /** The lock was refused: undo exactly this claim's changes and keep them as a draft. */
  protected refuse(c: Claim, error: ErrorValue): void {
    if (!this.claims.close(c)) return
    const state = this.view.state
    const sections = sectionLocks(state).filter((s) => c.ids.has(s.id))
    const typed = sections.map((s) => state.sliceDoc(s.from, s.to)).join('')
    const patch = new Map<string, Partial<SectionLock>>()
    for (const s of sections)
      patch.set(s.id, { phase: 'free', editable: false, claim: undefined, saved: undefined })
    this.view.dispatch({
      changes: c.rollback,
      effects: patchSections.of(patch),
      annotations: [remoteUpdate.of(true), Transaction.addToHistory.of(false)]
    })
    for (const id of c.granted) void this.host.release(id)
    const first = sections[0]
    this.host.notify({
      key: `held:${first?.id ?? ''}`,
      kind: error.code === ErrorCode.LockHeld || error.code === ErrorCode.LockTimeout ? 'warning' : 'error',
      text: `${error.message} What you typed there was not applied; it is kept below.`,
      ...(first
        ? {
            draft: {
              sectionId: first.id,
              text: typed,
              baseSha256: first.sha ?? null,
              // Text of several sections cannot go back into one of them: copy only.
              ...(sections.length > 1 ? { copyOnly: true } : {})
            }
          }
        : {})
    })
    // The sections show the file's text again; the next snapshot brings any newer text and holders.
    this.applyLocks(this.lastLocks)
    this.host.refresh()
  }

  // ---- pacing: autosave, journal, touch -------------------------------------------------------

  protected edited(): void {
    if (this.destroyed) return
    if (this.autosaveTimer !== null) this.clock.clearTimeout(this.autosaveTimer)
    this.autosaveTimer = this.clock.setTimeout(() => {
      this.autosaveTimer = null
      void this.save()
    }, this.timing.autosaveMs)
    if (this.journalTimer === null) {
      this.journalTimer = this.clock.setTimeout(() => {
        this.journalTimer = null
        void this.writeJournal()
      }, this.timing.journalMs)
    }
    const now = this.clock.now()
    for (const s of sectionLocks(this.view.state)) {
      if (phaseOf(s) !== 'held' || !isDirty(this.view.state, s)) continue
      if (now - (this.lastTouch.get(s.id) ?? -Infinity) < this.timing.touchMs) continue
      this.lastTouch.set(s.id, now)
      this.host.touch(s.id)
    }
  }

  /** The journal entries that differ from what was last journalled. */
  protected journalEntries(): JournalEntry[] {
    const state = this.view.state
    const out: JournalEntry[] = []
    const seen = new Set<string>()
    for (const s of sectionLocks(state)) {
      if (!isMine(s)) continue
      seen.add(s.id)
      const text = isDirty(state, s) ? state.sliceDoc(s.from, s.to) : null
      if ((this.journaled.get(s.id) ?? null) === text) continue
      out.push({ sectionId: s.id, baseSha256: s.sha ?? null, text })
    }
    return out
  }

  /** Writes the unsaved text of the held sections to the local journal now. */
  async writeJournal(extra: JournalEntry[] = []): Promise<boolean> {
    const own = this.journalEntries()
    const entries = [...own, ...extra.filter((e) => !own.some((o) => o.sectionId === e.sectionId))]
    if (entries.length === 0) return true
    const ok = await this.host.journal(entries)
    if (ok) for (const e of entries) this.journaled.set(e.sectionId, e.text)
    return ok
  }

  // ---- saving ---------------------------------------------------------------------------------

  /** Saves every dirty run of held sections; true when everything held is saved. */
  save(): Promise<boolean> {
    if (this.saving) {
      this.saveAgain = true
      return this.saving
    }
    this.saving = (async () => {
      let ok = true
      do {
        this.saveAgain = false
        for (const run of heldRuns(this.view.state)) {
          if (this.destroyed) return false
          if (!(await this.saveRun(run))) ok = false
        }
      } while (this.saveAgain && !this.destroyed)
      return ok
    })().finally(() => {
      this.saving = null
    })
    return this.saving
  }

  protected async saveRun(stale: Run): Promise<boolean> {
    // Positions move while earlier runs save: take this run afresh from the current state.
    const state = this.view.state
    const now = heldRuns(state).find((r) => r.sections[0].id === stale.sections[0].id)
    if (!now) return true
    const run = now
    if (!run.sections.some((s) => isDirty(state, s))) return true
    if (run.sections.some((s) => this.conflicted.has(s.id))) return false
    if (
      !state.field(sessionMeta).connected ||
      run.sections.some((s) => this.retaking.has(s.id)) ||
      touchesClaim(state, run)
    ) {
      // Offline, being taken again, or a neighbour still being acquired: try again shortly.
      this.edited()
      return false
    }
    const text = state.sliceDoc(run.from, run.to)
    const first = run.sections[0]
    if (this.rejected.get(first.id) === text) return false
    const flight: InFlightSave = {
      ids: run.sections.map((s) => s.id),
      from: run.from,
      text,
      changes: ChangeSet.empty(state.doc.length)
    }
    this.inflight.add(flight)
    this.queuePublish()
    const r = await this.host.save({
      sectionId: first.id,
      baseSha256: first.sha ?? '',
      text,
      ...(run.sections.length > 1
        ? { following: run.sections.slice(1).map((s) => ({ sectionId: s.id, baseSha256: s.sha ?? '' })) }
        : {})
    })
    this.inflight.delete(flight)
    if (this.destroyed) return false
    this.minTicket = this.tickets + 1
    let ok = false
    if (r.ok) {
      this.rejected.delete(first.id)
      this.host.retract(`save:${first.id}`)
      // A section lost while the save was on its way (lock:lost, idle release) stays lost.
      const stillMine = new Set(
        sectionLocks(this.view.state)
          .filter((x) => flight.ids.includes(x.id) && isMine(x))
          .map((x) => x.id)
      )
      const sections = placeSavedRun(this.view.state, flight, r.value)?.map((x) =>
        flight.ids.includes(x.id) && !stillMine.has(x.id)
          ? { ...x, phase: 'free' as const, editable: false, saved: undefined }
          : x
      )
      if (sections) {
        this.view.dispatch({ effects: replaceRun.of({ replace: flight.ids, sections }) })
        ok = true
      }
      // The saved text leaves the journal — also an entry another window (a closed one) left there.
      const dirty = (id: string) => {
        const x = findSection(this.view.state, id)
        return x !== undefined && isMine(x) && isDirty(this.view.state, x)
      }
      const journal: JournalEntry[] = [...r.value.retired, ...r.value.run.map((x) => x.id)]
        .filter((id) => !dirty(id))
        .map((id) => ({ sectionId: id, baseSha256: null, text: null }))
      void this.writeJournal(journal)
    } else this.saveFailed(flight, r.error)
    this.afterServerWork()
    this.queuePublish()
    return ok
  }

  protected saveFailed(flight: InFlightSave, error: ErrorValue): void {
    const first = flight.ids[0]
    const d = error.details
    if (error.code === ErrorCode.Conflict && d) {
      for (const id of flight.ids) this.conflicted.add(id)
      this.host.conflict({
        sectionIds: flight.ids,
        mine: typeof d.mine === 'string' ? d.mine : flight.text,
        theirs: typeof d.theirs === 'string' ? d.theirs : null,
        theirsChecksum: typeof d.theirsChecksum === 'string' ? d.theirsChecksum : null
      })
      return
    }
    // A lost lock is reported by its own event (lock:lost), which keeps the text as a draft.
    if (error.code === ErrorCode.LockLost) return
    if (error.code === ErrorCode.Validation) this.rejected.set(first, flight.text)
    // Anything else (the write mutex busy, an I/O error, the connection) is tried again shortly.
    else this.edited()
    const s = findSection(this.view.state, first)
    this.host.notify({
      key: `save:${first}`,
      kind: 'error',
      text: `${label(s)} was not saved: ${error.message} Your text stays here and in the local journal.`
    })
  }

  /** After a save or restore: apply what was held back, and read the document afresh. */
  protected afterServerWork(): void {
    if (this.inflight.size > 0 || this.busy > 0) return
    const p = this.pending
    this.pending = null
    if (p && p.ticket >= this.minTicket) this.applySnapshot(p.snapshot, p.ticket)
    this.host.refresh()
  }

  // ---- what the services say ------------------------------------------------------------------

  /** A number to tag a snapshot request with (see `applySnapshot`). */
  ticket(): number {
    return ++this.tickets
  }

  /**
   * Brings the editor to a snapshot the services sent. Held back while a save is on its way (its
   * answer reshapes the held sections first); dropped when it was asked for before a save this
   * window made had finished (it may not show that save).
   */
  applySnapshot(snapshot: ServerSnapshot, ticket: number): void {
    if (this.destroyed || ticket < this.minTicket) return
    if (this.inflight.size > 0 || this.busy > 0) {
      this.pending = { snapshot, ticket }
      return
    }
    const holders = holdersFor(sectionLocks(this.view.state), snapshot.locks, this.clock.now())
    const plan = planSnapshot(this.view.state, snapshot, holders)
    if (plan.orphans.length > 0) {
      // A held section missing from the file is most often a file caught mid-write by another
      // program (truncate, then write): the section is lost only if it is still missing after
      // VANISHED_GRACE_MS, looked at again every VANISHED_LOOK_MS. Before, its text would leave the
      // editor for a draft while the services still held its lock for this window.
      const now = this.clock.now()
      this.vanishedSince ??= now
      if (now - this.vanishedSince < VANISHED_GRACE_MS) {
        this.vanishedTimer ??= this.clock.setTimeout(() => {
          this.vanishedTimer = null
          if (!this.destroyed) this.host.refresh()
        }, VANISHED_LOOK_MS)
        return
      }
    }
    this.vanishedSince = null
    this.lastLocks = snapshot.locks
    for (const o of plan.orphans) {
      this.lose(o.id, 'someone deleted the section', o.text)
      // Its lock would otherwise stay until idle release, keeping the services from retiring it.
      void this.host.release(o.id)
    }
    for (const step of plan.steps) {
      const spec = stepSpec(this.view.state, step)
      if (spec) this.view.dispatch(spec)
    }
    for (const c of plan.conflicts) {
      if (this.conflicted.has(c.id)) continue
      this.conflicted.add(c.id)
      this.host.conflict({
        sectionIds: [c.id],
        mine: c.mine,
        theirs: c.theirs,
        theirsChecksum: c.theirsChecksum
      })
    }
    this.applyLocks(snapshot.locks)
  }

  /** Puts other writers' locks on the sections this window does not hold (badges, read-only). */
  applyLocks(locks: LockView[]): void {
    if (this.destroyed) return
    this.lastLocks = locks
    const spec = holderPatch(
      this.view.state,
      holdersFor(sectionLocks(this.view.state), locks, this.clock.now())
    )
    if (spec) this.view.dispatch(spec)
  }

  /** A held section is gone (taken over, force-released, released for idleness, deleted). */
  lose(sectionId: string, reason: string, text?: string): void {
    const s = findSection(this.view.state, sectionId)
    if (!s || !isMine(s)) return
    const current = text ?? this.view.state.sliceDoc(s.from, s.to)
    const dirty = s.saved === undefined || current !== s.saved
    this.conflicted.delete(sectionId)
    this.view.dispatch({
      effects: [
        patchSections.of(
          new Map([
            [sectionId, { phase: 'free' as const, editable: false, saved: undefined, claim: undefined }]
          ])
        ),
        historyFloorHere.of(null)
      ],
      // What is typed next is a step of its own: undo stops at the loss (historyFloor).
      annotations: isolateHistory.of('before')
    })
    this.host.notify({
      key: `lost:${sectionId}`,
      kind: dirty ? 'error' : 'info',
      text: dirty
        ? `You no longer hold ${label(s)}: ${reason}. Your unsaved text is kept below (and in the local journal).`
        : `You no longer hold ${label(s)}: ${reason}. Everything you typed there was saved.`,
      ...(dirty ? { draft: { sectionId, text: current, baseSha256: s.sha ?? null } } : {})
    })
    this.applyLocks(this.lastLocks)
    this.host.refresh()
  }

  /** The connection to the services dropped (read-only at once) or came back (take the held sections again). */
  setConnected(connected: boolean): void {
    if (this.destroyed) return
    this.view.dispatch({ effects: setConnected.of(connected) })
    this.queuePublish()
    if (!connected) return
    this.host.retract('offline')
    // A new connection is a new window to the services: its old locks were released. Take them again.
    for (const s of sectionLocks(this.view.state)) {
      if (phaseOf(s) !== 'held') continue
      this.retaking.add(s.id)
      void this.host.acquire(s.id).then((r) => {
        this.retaking.delete(s.id)
        if (!r.ok) this.lose(s.id, r.error.message.replace(/\.$/, ''))
        else this.edited()
      })
    }
    void this.writeJournal()
    this.host.refresh()
  }

  // ---- publishing -----------------------------------------------------------------------------

  protected queuePublish(): void {
    if (this.publishQueued || this.destroyed) return
    this.publishQueued = true
    queueMicrotask(() => {
      this.publishQueued = false
      if (this.destroyed) return
      const state = this.view.state
      this.host.heldChanged(
        sectionLocks(state)
          .filter((s) => isMine(s))
          .map((s) => ({
            id: s.id,
            heading: s.heading || (s.id === 'preamble' ? 'Preamble' : s.id),
            phase: phaseOf(s) === 'acquiring' ? ('acquiring' as const) : ('held' as const),
            dirty: isDirty(state, s)
          }))
      )
      this.host.outlineChanged()
    })
  }

  /** Stops every timer; answers that arrive later change nothing. */
  destroy(): void {
    this.destroyed = true
    if (this.autosaveTimer !== null) this.clock.clearTimeout(this.autosaveTimer)
    if (this.journalTimer !== null) this.clock.clearTimeout(this.journalTimer)
    if (this.vanishedTimer !== null) this.clock.clearTimeout(this.vanishedTimer)
    this.autosaveTimer = null
    this.journalTimer = null
    this.vanishedTimer = null
  }
}
