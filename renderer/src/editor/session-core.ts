/**
 * The machinery of a section session (session.ts adds the writer's commands on top), driven by
 * the editor's transactions (already judged by the gate) and by what the services answer. Typing
 * into a free section is applied at once and its lock taken; if the lock is refused, exactly that
 * claim's changes are rolled back (session-claims.ts), the writer sees one notice that keeps the
 * typed text, and the editor shows the file's text.
 */
import { ChangeSet, Transaction } from '@codemirror/state'
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
import { type Claim, type ClaimEffect } from './session-claims'
import { mineOf } from './section-index'
import type { SectionLock } from './lock-state'
import { gated, judge, remoteUpdate, sessionMeta, sessionWrite } from './lock-filter'
import type { Verdict } from './lock-filter'
import { heldRuns, isDirty, placeSavedRun, touchesClaim } from './session-runs'
import type { InFlightSave, Run } from './session-runs'
import type { JournalEntry } from './session-host'
import { label } from './session-base'
import { SessionRemote } from './session-remote'

export { DEFAULT_TIMING, label, labelInSentence } from './session-base'
export type { SessionClock, SessionTiming, SessionView } from './session-base'
export type { SectionChange } from './session-remote'

/** Claims, pacing (autosave, journal, touch), saving runs and publishing; what the services say is SessionRemote's. */
export class SessionCore extends SessionRemote {
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
      for (const id of added) this.track(this.acquireFor(id))
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

  /** Keeps a lock request in `acquiring` until it is answered (see `claimsSettled`). */
  private track(p: Promise<void>): void {
    this.acquiring.add(p)
    void p.finally(() => this.acquiring.delete(p))
  }

  /** Resolves once every lock request typing started has been answered (granted or refused). */
  async claimsSettled(): Promise<void> {
    while (this.acquiring.size > 0) await Promise.allSettled([...this.acquiring])
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
    // Held sections show "saving" while this runs (the editing bar, the status bar).
    this.queuePublish()
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
      this.queuePublish()
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
        // The save was spliced into the version the editor shows, and the file took the run as
        // sent: the editor now shows the file the save made (the run placed just now, the rest as
        // it was), with no read. A run the services wrote otherwise (a line break added after an
        // emptied section) makes the version the editor shows unknown: the refresh reads it.
        if (r.value.runText.replace(/\r\n?/g, '\n') !== flight.text) this.appliedSha = null
        else if (this.appliedSha === r.value.baseFileSha256) this.appliedSha = r.value.fileSha256
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

  // ---- publishing -----------------------------------------------------------------------------

  protected queuePublish(): void {
    if (this.publishQueued || this.destroyed) return
    this.publishQueued = true
    queueMicrotask(() => {
      this.publishQueued = false
      if (this.destroyed) return
      const state = this.view.state
      this.host.heldChanged(
        mineOf(sectionLocks(state)).map((s) => ({
          id: s.id,
          heading: s.heading || (s.id === 'preamble' ? 'Preamble' : s.id),
          phase: phaseOf(s) === 'acquiring' ? ('acquiring' as const) : ('held' as const),
          dirty: isDirty(state, s),
          saving: this.saving !== null && isDirty(state, s)
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
