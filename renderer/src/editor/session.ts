/**
 * The section session of one editor: every section's life in this window — free → acquiring →
 * held (clean/dirty) → saving → held | released | lost | refused. The machinery (claims, pacing,
 * saves, the services' news) is SessionCore's; this class adds what the writer asks for: take a
 * section, Done, hand over, restore, re-apply kept text, resolve a conflict, flush before closing.
 */
import { Transaction } from '@codemirror/state'
import { findSection, isMine, patchSections, phaseOf, sectionLocks } from './lock-state'
import type { SectionLock } from './lock-state'
import { sessionWrite } from './lock-filter'
import { label, labelInSentence, SessionCore } from './session-core'
import { asSectionText, isDirty } from './session-runs'
import type { HeldView, JournalEntry } from './session-host'
import { serverSections } from './session-sync'

export { DEFAULT_TIMING } from './session-core'
export type { SessionClock, SessionTiming, SessionView } from './session-core'

/** See the module comment. */
export class SectionSession extends SessionCore {
  // ---- the writer's commands ------------------------------------------------------------------

  /** Takes a section's lock directly (restore, re-apply); true when held. */
  async take(sectionId: string): Promise<boolean> {
    const s = findSection(this.view.state, sectionId)
    if (!s) return false
    if (phaseOf(s) === 'held') return true
    const r = await this.host.acquire(sectionId)
    if (!r.ok) {
      this.host.notify({ key: `held:${sectionId}`, kind: 'warning', text: r.error.message })
      return false
    }
    const now = findSection(this.view.state, sectionId)
    if (!now) return false
    // A section being acquired keeps what the file had as its saved text: its typing is unsaved.
    const saved = phaseOf(now) === 'acquiring' ? now.saved : this.view.state.sliceDoc(now.from, now.to)
    this.view.dispatch({
      effects: patchSections.of(
        new Map([
          [sectionId, { phase: 'held' as const, editable: true, holder: undefined, saved, claim: undefined }]
        ])
      )
    })
    return true
  }

  /** *Done*: saves, then releases every held section that is saved. */
  async done(): Promise<void> {
    await this.save()
    for (const s of sectionLocks(this.view.state)) {
      if (phaseOf(s) !== 'held' || isDirty(this.view.state, s) || this.conflicted.has(s.id)) continue
      // Read-only before the release goes out: a keystroke meanwhile takes the section again
      // (a claim) instead of landing in a section that is about to be let go.
      const saved = s.saved
      this.view.dispatch({
        effects: patchSections.of(
          new Map([[s.id, { phase: 'free' as const, editable: false, saved: undefined }]])
        )
      })
      const r = await this.host.release(s.id)
      if (r.ok) continue
      const now = findSection(this.view.state, s.id)
      if (now && phaseOf(now) === 'free')
        this.view.dispatch({
          effects: patchSections.of(new Map([[s.id, { phase: 'held' as const, editable: true, saved }]]))
        })
    }
    await this.writeJournal()
    this.host.refresh()
  }

  /**
   * The writer goes to another document and keeps what they hold here (issue 14): waits for the
   * locks typing asked for, saves, journals what could not be saved — and releases nothing. Returns
   * the sections still held, `dirty` where a save failed (that text is in the journal only).
   */
  async leave(): Promise<HeldView[]> {
    await this.claimsSettled()
    await this.save()
    await this.writeJournal()
    const state = this.view.state
    return sectionLocks(state)
      .filter((s) => phaseOf(s) === 'held')
      .map((s) => ({
        id: s.id,
        heading: s.heading || (s.id === 'preamble' ? 'Preamble' : s.id),
        phase: 'held' as const,
        dirty: isDirty(state, s) || this.conflicted.has(s.id)
      }))
  }

  /**
   * Another writer asked for a section and the writer agreed: saves it, and stops editing it once
   * saved (the services release the lock with the answer). False, keeping it, when it could not be saved.
   */
  async handOver(sectionId: string): Promise<boolean> {
    await this.save()
    const s = findSection(this.view.state, sectionId)
    if (!s || !isMine(s)) return true
    if (phaseOf(s) !== 'held' || isDirty(this.view.state, s) || this.conflicted.has(sectionId)) return false
    this.view.dispatch({
      effects: patchSections.of(
        new Map([[sectionId, { phase: 'free' as const, editable: false, saved: undefined }]])
      )
    })
    void this.writeJournal()
    return true
  }

  /**
   * Puts `text` into a held section as the session's own write. `sha`: the base it now stands on;
   * `clean`: the text is what the file has (a restore), else it is unsaved (a re-applied draft).
   */
  protected write(sectionId: string, text: string, opts: { sha?: string; clean: boolean }): void {
    const all = sectionLocks(this.view.state)
    const i = all.findIndex((s) => s.id === sectionId)
    if (i < 0) return
    const s = all[i]
    const next = asSectionText(text, i === all.length - 1)
    const patch: Partial<SectionLock> = { saved: opts.clean ? next : undefined }
    if (opts.sha !== undefined) patch.sha = opts.sha
    this.view.dispatch({
      changes: { from: s.from, to: s.to, insert: next },
      effects: patchSections.of(new Map([[sectionId, patch]])),
      annotations: [sessionWrite.of(true), Transaction.userEvent.of('input.session')]
    })
  }

  /** Restores a version: saves unsaved text first, then the version's text becomes the editor's too. */
  async restore(sectionId: string, version: number, content: string): Promise<boolean> {
    if (!(await this.take(sectionId))) return false
    await this.save()
    const s = findSection(this.view.state, sectionId)
    if (!s || phaseOf(s) !== 'held' || this.conflicted.has(sectionId)) return false
    if (isDirty(this.view.state, s)) {
      // The restore would replace text that is in no save: it waits until that text is saved.
      this.host.notify({
        key: `restore:${sectionId}`,
        kind: 'error',
        text: `${label(s)} has text that could not be saved yet; nothing was restored. Save it (or copy it) first.`
      })
      return false
    }
    this.busy++
    const r = await this.host.restore({ sectionId, version, baseSha256: s.sha ?? '' })
    this.busy--
    if (!r.ok) {
      this.host.notify({ key: `save:${sectionId}`, kind: 'error', text: r.error.message })
      this.afterServerWork()
      return false
    }
    const t = findSection(this.view.state, sectionId)
    if (t && isDirty(this.view.state, t)) {
      // Typed while the restore was on its way: kept, not overwritten.
      this.host.notify({
        key: `restore-typed:${sectionId}`,
        kind: 'warning',
        text: `You typed in ${labelInSentence(t)} while it was being restored; that text is kept below.`,
        draft: { sectionId, text: this.view.state.sliceDoc(t.from, t.to), baseSha256: null }
      })
    }
    this.write(sectionId, content, { sha: r.value.section.sha256, clean: true })
    this.minTicket = this.tickets + 1
    this.afterServerWork()
    return true
  }

  /**
   * Puts kept text (a draft, the journal of a closed window) back: takes the section, writes the
   * text on the base it was typed on — a save then meets any change made since as a conflict.
   */
  async reapply(sectionId: string, text: string, baseSha256: string | null): Promise<boolean> {
    if (!findSection(this.view.state, sectionId)) {
      this.host.notify({
        key: `reapply:${sectionId}`,
        kind: 'error',
        text: 'That section is gone from the document; copy your text instead.'
      })
      return false
    }
    if (!(await this.take(sectionId))) return false
    const s = findSection(this.view.state, sectionId)
    if (
      s &&
      isDirty(this.view.state, s) &&
      this.view.state.sliceDoc(s.from, s.to) !== asSectionText(text, false)
    ) {
      // The section has unsaved text of its own: kept before the re-applied text replaces it.
      this.host.notify({
        key: `reapplied-over:${sectionId}`,
        kind: 'warning',
        text: `${label(s)} had unsaved text that the re-applied text replaced; it is kept below.`,
        draft: { sectionId, text: this.view.state.sliceDoc(s.from, s.to), baseSha256: s.sha ?? null }
      })
    }
    this.write(sectionId, text, { sha: baseSha256 ?? s?.sha, clean: false })
    this.edited()
    return this.save()
  }

  /** The writer chose in the conflict view. */
  async resolveConflict(
    sectionIds: string[],
    choice: 'mine' | 'theirs' | 'merged',
    text: string | null
  ): Promise<void> {
    const fresh = await this.host.snapshot()
    for (const id of sectionIds) this.conflicted.delete(id)
    if (!fresh.ok) {
      this.host.notify({ key: `save:${sectionIds[0]}`, kind: 'error', text: fresh.error.message })
      return
    }
    const server = new Map(fresh.value.sections.map((s) => [s.id, s.sha256]))
    const patch = new Map<string, Partial<SectionLock>>()
    for (const id of sectionIds) if (server.has(id)) patch.set(id, { sha: server.get(id) })
    if (choice === 'theirs') {
      // Their text, section by section, as the file has it now; the writer keeps holding them.
      const server = serverSections(fresh.value)
      for (const id of sectionIds) {
        const there = server.sections.find((x) => x.id === id)
        if (there) this.write(id, server.text.slice(there.from, there.to), { sha: there.sha, clean: true })
        else this.lose(id, 'someone removed it from the document')
      }
      this.afterServerWork()
      return
    }
    this.view.dispatch({ effects: patchSections.of(patch) })
    if (choice === 'merged' && text !== null) {
      const first = findSection(this.view.state, sectionIds[0])
      const last = findSection(this.view.state, sectionIds[sectionIds.length - 1])
      if (first && last) {
        this.view.dispatch({
          changes: {
            from: first.from,
            to: last.to,
            insert: asSectionText(text, last.to === this.view.state.doc.length)
          },
          annotations: [sessionWrite.of(true)]
        })
      }
    }
    this.edited()
    await this.save()
  }

  /** Before the window closes: journal now and save. */
  async flush(): Promise<void> {
    await this.writeJournal()
    await this.save()
    await this.writeJournal()
  }

  /** True while a held section has text that is not saved. */
  hasUnsaved(): boolean {
    const state = this.view.state
    return sectionLocks(state).some((s) => isMine(s) && isDirty(state, s))
  }

  /** Unsaved text as journal entries (the page's last chance to send them). */
  unsavedEntries(): JournalEntry[] {
    const state = this.view.state
    return sectionLocks(state)
      .filter((s) => isMine(s) && isDirty(state, s))
      .map((s) => ({ sectionId: s.id, baseSha256: s.sha ?? null, text: state.sliceDoc(s.from, s.to) }))
  }
}
