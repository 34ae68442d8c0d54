/**
 * What the services say, brought into the editor: whole snapshots (`documents:open`), changed
 * sections (`documents:changes`), other writers' locks, sections this window lost, the connection.
 */
import { isolateHistory } from '@codemirror/commands'
import type { LockView, ResponseOf } from '../../../shared/contract'
import { findSection, isMine, patchSections, phaseOf, sectionLocks } from './lock-state'
import type { SectionLock } from './lock-state'
import { historyFloorHere, setConnected } from './lock-filter'
import type { ServerSnapshot } from './session-host'
import { editorText, holderPatch, holdersFor, planSnapshot, stepSpec, takesTheirs } from './session-sync'
import type { SnapshotPlan } from './session-sync'
import { remoteSectionSpec } from './remote-update'
import { sectionIndex } from './section-index'
import { labelInSentence, SessionBase } from './session-base'

function asArray<T>(x: T | readonly T[] | undefined): readonly T[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x as T]
}

/** A changed section as the services describe it (`documents:changes`). */
export type SectionChange = Extract<ResponseOf<'documents:changes'>, { kind: 'sections' }>['changed'][number]
type Conflict = SnapshotPlan['conflicts'][number]

/** How long a held section may be missing from the file before it counts as deleted (see `applySnapshot`). */
const VANISHED_GRACE_MS = 1_500
/** How often the file is read again meanwhile. */
const VANISHED_LOOK_MS = 250

/** Applies what the services say (see the module comment). */
export abstract class SessionRemote extends SessionBase {
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
    this.raiseConflicts(plan.conflicts)
    this.applyLocks(snapshot.locks)
    this.appliedSha = snapshot.fileSha256
  }

  /** A save or restore of this window is on its way (a snapshot would be held back until it is answered). */
  working(): boolean {
    return this.inflight.size > 0 || this.busy > 0
  }

  /**
   * The editor shows version `fileSha256` of the file and holds nothing back: reading the document
   * again would change nothing (the window's store skips it).
   */
  shows(fileSha256: string): boolean {
    return (
      this.appliedSha === fileSha256 &&
      !this.working() &&
      this.pending === null &&
      this.vanishedSince === null
    )
  }

  /** The editor was built from version `fileSha256` of the file (the window that builds it says so). */
  builtFrom(fileSha256: string): void {
    this.appliedSha = fileSha256
  }

  /**
   * Brings the editor to a version the services described by its changed sections, on top of the
   * version this window has (same sections, same order): a changed section this window does not
   * hold takes its new text where it is — one annotated transaction on that range; a held one
   * adopts the new checksum when the text is the writer's, else it is a conflict. O(changed), not
   * O(document) like `applySnapshot`. `snapshot` is the whole new version (the store patched it):
   * the whole-document path takes it instead while a save is on its way, while a held section is
   * missing, or when the editor's sections are not the ones the changes are about.
   */
  applySections(
    changed: readonly SectionChange[],
    since: string,
    snapshot: ServerSnapshot,
    ticket: number
  ): void {
    if (this.destroyed || ticket < this.minTicket) return
    const state = this.view.state
    const current = sectionLocks(state)
    const sameShape =
      current.length === snapshot.sections.length && current.every((c, i) => c.id === snapshot.sections[i].id)
    // The changes are about version `since`: the editor must show it (a snapshot held back or
    // dropped meanwhile — a save of this window was on its way — did not get there).
    const chains = since === this.appliedSha
    if (this.inflight.size > 0 || this.busy > 0 || this.vanishedSince !== null || !sameShape || !chains)
      return this.applySnapshot(snapshot, ticket)
    const byId = new Map(changed.map((c) => [c.id, c]))
    const patches = new Map<string, Partial<SectionLock>>()
    const texts: { id: string; text: string }[] = []
    const conflicts: Conflict[] = []
    // The changed sections in document order, looked up by id (not a walk over every section).
    const index = sectionIndex(current)
    const at = [...byId.keys()].map((id) => index.byId.get(id) ?? -1).filter((i) => i >= 0)
    if (index.byId.size !== current.length) at.splice(0, at.length, ...current.keys())
    for (const i of at.sort((a, b) => a - b)) {
      const s = current[i]
      const c = byId.get(s.id)
      if (!c) continue
      const theirs = editorText(c.text)
      if (!isMine(s)) {
        patches.set(s.id, { sha: c.sha256, heading: c.heading, level: c.level })
        texts.push({ id: s.id, text: theirs })
        continue
      }
      if (s.phase === 'acquiring' || c.sha256 === s.sha) continue
      const mine = state.sliceDoc(s.from, s.to)
      if (theirs === mine) patches.set(s.id, { sha: c.sha256, saved: mine })
      else if (takesTheirs(s, mine) && !this.conflicted.has(s.id)) {
        patches.set(s.id, { sha: c.sha256, saved: theirs })
        texts.push({ id: s.id, text: theirs })
      } else conflicts.push({ id: s.id, mine, theirs, theirsChecksum: c.sha256 })
    }
    // The new checksums, the holders and (the usual case) the one changed section's text go in one
    // transaction: each transaction costs the view an update and the parser up to 20 ms of work.
    this.lastLocks = snapshot.locks
    const holders = holderPatch(state, holdersFor(current, snapshot.locks, this.clock.now(), index))
    const effects = [...(patches.size ? [patchSections.of(patches)] : []), ...asArray(holders?.effects)]
    const one = texts.length === 1 ? remoteSectionSpec(state, texts[0].id, texts[0].text) : null
    if (one) this.view.dispatch({ ...one, effects: [...effects, ...asArray(one.effects)] })
    else {
      if (effects.length) this.view.dispatch({ effects })
      for (const t of texts) {
        const spec = remoteSectionSpec(this.view.state, t.id, t.text)
        if (spec) this.view.dispatch(spec)
      }
    }
    this.raiseConflicts(conflicts)
    this.appliedSha = snapshot.fileSha256
  }

  private raiseConflicts(conflicts: readonly Conflict[]): void {
    for (const c of conflicts) {
      if (this.conflicted.has(c.id)) continue
      this.conflicted.add(c.id)
      this.host.conflict({
        sectionIds: [c.id],
        mine: c.mine,
        theirs: c.theirs,
        theirsChecksum: c.theirsChecksum
      })
    }
  }

  /** Puts other writers' locks on the sections this window does not hold (badges, read-only). */
  applyLocks(locks: LockView[]): void {
    if (this.destroyed) return
    this.lastLocks = locks
    const sections = sectionLocks(this.view.state)
    const spec = holderPatch(
      this.view.state,
      holdersFor(sections, locks, this.clock.now(), sectionIndex(sections))
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
    // Its text goes back to the file's with the next whole read, even if the file did not change.
    this.appliedSha = null
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
        ? `You no longer hold ${labelInSentence(s)}: ${reason}. Your unsaved text is kept below (and in the local journal).`
        : `You no longer hold ${labelInSentence(s)}: ${reason}. Everything you typed there was saved.`,
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
}
