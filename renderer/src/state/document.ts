import type { StateCreator } from 'zustand'
import type { LockView, ResponseOf } from '../../../shared/contract'
import { ErrorCode } from '../../../shared/errors'
import { toCharRanges } from '../editor/section-ranges'
import type { SectionedClient } from '../ipc/client'
import type { NoticeSlice } from './notices'

type Snapshot = ResponseOf<'documents:open'>

/** Both texts of a refused save, for the conflict view. */
export interface ConflictState {
  sectionId: string
  mine: string
  theirs: string | null
  theirsChecksum: string | null
}

/** The open document: the server's view of it, its locks, and the bases of the sections we hold. */
export interface DocumentSlice {
  current: string | null
  snapshot: Snapshot | null
  locks: LockView[]
  /** Checksum each held section had when we started editing it (SPEC H2). */
  bases: Record<string, string>
  conflict: ConflictState | null
  /** Text the editor must put into a held section (a conflict resolved to theirs or to a merge). */
  overwrite: { sectionId: string; text: string; seq: number } | null
  /** The editor's text including unsaved typing (for the preview), null until the writer types. */
  liveText: string | null
  setLiveText(text: string | null): void
  /** The section the writer picked in the outline (the editor scrolls to it). */
  focus: { sectionId: string; seq: number } | null
  focusSection(sectionId: string): void
  open(document: string): Promise<void>
  /** The document was deleted or moved away on disk. */
  documentRemoved(document: string): void
  /** Structure mode: the document lock, then move/delete sections. */
  lockDocument(): Promise<boolean>
  releaseDocument(): Promise<void>
  moveSection(sectionId: string, beforeId: string | null): Promise<void>
  deleteSection(sectionId: string): Promise<void>
  /** Re-reads the open document (after another instance saved, or an external edit). */
  refresh(): Promise<void>
  setLocks(document: string, locks: LockView[]): void
  /** Asks for the document's locks as this window sees them (mine / my other window / others'). */
  reloadLocks(document: string): Promise<void>
  /** This window no longer holds the section: drops its base and its lock view. */
  forgetHeld(sectionId: string): void
  /** Takes a section's lock; false (with a notice naming the holder) when refused. */
  acquire(sectionId: string): Promise<boolean>
  release(sectionId: string): Promise<void>
  touch(sectionId: string): void
  /** Saves a held section's text; false when refused (conflict view or notice). */
  save(sectionId: string, text: string): Promise<boolean>
  /** A held lock was lost: keep the text as a draft notice and drop the base. */
  lockLost(sectionId: string, reason: string, text: string | null): void
  resolveConflict(choice: 'mine' | 'theirs' | 'merged', merged?: string): Promise<void>
  /** Takes the section again and saves a kept draft into it (the lock-lost notice's "Re-apply"). */
  reapplyDraft(sectionId: string, text: string): Promise<boolean>
  /** Removes a draft kept on disk (after it was re-applied or copied). */
  discardDraft(file: string): Promise<void>
  /** The editor registers how to read a section's current (unsaved) text, so a lost lock keeps it. */
  textOf: (sectionId: string) => string | null
  setTextProvider(provider: (sectionId: string) => string | null): void
}

/** A section's text in a snapshot (sections carry byte offsets; the text is a JS string). */
export function snapshotSectionText(snapshot: Snapshot, sectionId: string): string | null {
  const i = snapshot.sections.findIndex((s) => s.id === sectionId)
  if (i < 0) return null
  const r = toCharRanges(snapshot.text, snapshot.sections)[i]
  return snapshot.text.slice(r.from, r.to)
}

let seq = 0
/** Sections with a save on the way: the refresh its own save triggers must not call it a conflict. */
const saving = new Set<string>()

function label(snapshot: Snapshot | null, sectionId: string): string {
  const s = snapshot?.sections.find((x) => x.id === sectionId)
  return s?.heading ? `“${s.heading}”` : 'This section'
}

/** The document slice: opening, locking, saving, conflicts. */
export function createDocumentSlice(
  client: SectionedClient
): StateCreator<DocumentSlice & NoticeSlice, [], [], DocumentSlice> {
  return (set, get) => ({
    current: null,
    snapshot: null,
    locks: [],
    bases: {},
    conflict: null,
    overwrite: null,
    focus: null,
    liveText: null,

    setLiveText(text) {
      set({ liveText: text })
    },

    focusSection(sectionId) {
      set({ focus: { sectionId, seq: ++seq } })
    },

    async open(document) {
      const r = await client.call('documents:open', { document })
      if (!r.ok) return get().notify({ kind: 'error', text: r.error.message })
      const mine = r.value.locks.filter((l) => l.mine && l.sectionId !== null)
      const bases: Record<string, string> = {}
      for (const l of mine) {
        const sec = r.value.sections.find((s) => s.id === l.sectionId)
        if (sec && l.sectionId) bases[l.sectionId] = sec.sha256
      }
      set({
        current: document,
        snapshot: r.value,
        locks: r.value.locks,
        bases,
        conflict: null,
        liveText: null
      })
    },

    async refresh() {
      const doc = get().current
      if (!doc) return
      const r = await client.call('documents:open', { document: doc })
      if (!r.ok || get().current !== doc) return
      set({ snapshot: r.value, locks: r.value.locks })
      // A section this window holds changed underneath (an outside editor, or a force-release and
      // someone else's save): both texts go to the conflict view; nothing is overwritten.
      if (get().conflict) return
      for (const [sectionId, base] of Object.entries(get().bases)) {
        const now = r.value.sections.find((x) => x.id === sectionId)
        if (!now || now.sha256 === base || saving.has(sectionId)) continue
        const theirs = snapshotSectionText(r.value, sectionId)
        if (theirs !== null && theirs === get().textOf(sectionId)) {
          set((st) => ({ bases: { ...st.bases, [sectionId]: now.sha256 } }))
          continue
        }
        set({
          conflict: {
            sectionId,
            mine: get().textOf(sectionId) ?? '',
            theirs,
            theirsChecksum: now.sha256
          }
        })
        return
      }
    },

    documentRemoved(document) {
      if (get().current !== document) return
      const held = Object.keys(get().bases)
      const drafts = held.map((id) => ({ id, text: get().textOf(id) }))
      set({ current: null, snapshot: null, locks: [], bases: {}, conflict: null })
      get().notify({ kind: 'error', text: `“${document}” was deleted or moved away by someone else.` })
      for (const d of drafts) {
        if (d.text !== null)
          get().notify({
            kind: 'warning',
            text: `Your text of ${d.id}`,
            draft: { sectionId: d.id, text: d.text }
          })
      }
    },

    async lockDocument() {
      const doc = get().current
      if (!doc) return false
      const r = await client.call('locks:acquire', { document: doc, sectionId: null })
      if (!r.ok) {
        get().notify({
          kind: r.error.code === ErrorCode.LockHeld ? 'warning' : 'error',
          text: r.error.message
        })
        return false
      }
      set((s) => ({ locks: [...s.locks.filter((l) => l.kind !== 'document'), r.value] }))
      return true
    },

    async releaseDocument() {
      const doc = get().current
      if (!doc) return
      await client.call('locks:release', { document: doc, sectionId: null })
      set((s) => ({ locks: s.locks.filter((l) => !(l.kind === 'document' && l.mine)) }))
    },

    async moveSection(sectionId, beforeId) {
      const doc = get().current
      if (!doc) return
      const r = await client.call('sections:move', { document: doc, sectionId, beforeId })
      if (!r.ok) return get().notify({ kind: 'error', text: r.error.message })
      await get().refresh()
    },

    async deleteSection(sectionId) {
      const doc = get().current
      if (!doc) return
      const r = await client.call('sections:delete', { document: doc, sectionId })
      if (!r.ok) return get().notify({ kind: 'error', text: r.error.message })
      get().notify({
        kind: 'info',
        text: `Deleted ${label(get().snapshot, sectionId)}; it is kept in the history and in a backup.`
      })
      await get().refresh()
    },

    setLocks(document, locks) {
      if (get().current === document) set({ locks })
    },

    async reloadLocks(document) {
      const r = await client.call('locks:list', { document })
      if (r.ok) get().setLocks(document, r.value.locks)
    },

    forgetHeld(sectionId) {
      set((s) => {
        const bases = { ...s.bases }
        delete bases[sectionId]
        return { bases, locks: s.locks.filter((l) => !(l.mine && l.sectionId === sectionId)) }
      })
    },

    async acquire(sectionId) {
      const doc = get().current
      if (!doc) return false
      const r = await client.call('locks:acquire', { document: doc, sectionId })
      if (!r.ok) {
        get().notify({
          kind: r.error.code === ErrorCode.LockHeld ? 'warning' : 'error',
          text: r.error.message
        })
        return false
      }
      const sec = get().snapshot?.sections.find((s) => s.id === sectionId)
      const lostNotice = get().notices.find((n) => n.lost === sectionId)
      if (lostNotice) get().updateNotice(lostNotice.id, { lost: undefined })
      set((s) => ({
        locks: [...s.locks.filter((l) => l.sectionId !== sectionId), r.value],
        bases: sec ? { ...s.bases, [sectionId]: sec.sha256 } : s.bases
      }))
      return true
    },

    async release(sectionId) {
      const doc = get().current
      if (!doc) return
      await client.call('locks:release', { document: doc, sectionId })
      get().forgetHeld(sectionId)
    },

    touch(sectionId) {
      const doc = get().current
      if (doc) void client.call('locks:touch', { document: doc, sectionId })
    },

    async save(sectionId, text) {
      const doc = get().current
      const base = get().bases[sectionId]
      if (!doc || !base) return false
      saving.add(sectionId)
      const r = await client
        .call('sections:save', { document: doc, sectionId, baseSha256: base, text })
        .finally(() => saving.delete(sectionId))
      if (r.ok) {
        // Only the base moves: the snapshot's sections and text change together, in the refresh
        // that this save's document:changed brings (new offsets over the old text would make the
        // editor re-apply every later section).
        set((s) => ({ bases: { ...s.bases, [sectionId]: r.value.section.sha256 } }))
        return true
      }
      const d = r.error.details
      if (r.error.code === ErrorCode.Conflict && d) {
        set({
          conflict: {
            sectionId,
            mine: typeof d.mine === 'string' ? d.mine : text,
            theirs: typeof d.theirs === 'string' ? d.theirs : null,
            theirsChecksum: typeof d.theirsChecksum === 'string' ? d.theirsChecksum : null
          }
        })
      } else if (r.error.code === ErrorCode.LockLost) {
        get().lockLost(sectionId, r.error.message, text)
      } else {
        get().notify({ kind: 'error', text: r.error.message })
      }
      return false
    },

    textOf: () => null,
    setTextProvider(provider) {
      set({ textOf: provider })
    },

    lockLost(sectionId, reason, givenText) {
      const text = givenText ?? get().textOf(sectionId)
      get().forgetHeld(sectionId)
      // One loss, one notice: a save refused for the same loss updates the kept text instead.
      const existing = get().notices.find((n) => n.lost === sectionId)
      if (existing) {
        if (text !== null) get().updateNotice(existing.id, { draft: { sectionId, text } })
        return
      }
      const why = /^You no longer hold/.test(reason)
        ? reason
        : `You no longer hold ${label(get().snapshot, sectionId)}: ${reason}`
      get().notify({
        kind: 'error',
        text: `Lock lost. ${why}`,
        lost: sectionId,
        ...(text !== null ? { draft: { sectionId, text } } : {})
      })
    },

    async discardDraft(file) {
      const doc = get().current
      if (!doc) return
      const r = await client.call('drafts:discard', { document: doc, file })
      if (!r.ok) get().notify({ kind: 'error', text: r.error.message })
    },

    async reapplyDraft(sectionId, text) {
      await get().refresh()
      if (!get().snapshot?.sections.some((x) => x.id === sectionId)) {
        get().notify({
          kind: 'error',
          text: 'That section is gone from the document; copy your text instead.'
        })
        return false
      }
      const held = get().locks.some((l) => l.mine && l.sectionId === sectionId)
      if (!held && !(await get().acquire(sectionId))) return false
      if (!(await get().save(sectionId, text))) return false
      set({ overwrite: { sectionId, text, seq: ++seq } })
      return true
    },

    async resolveConflict(choice, merged) {
      const c = get().conflict
      if (!c) return
      set({ conflict: null })
      if (choice === 'theirs' || c.theirsChecksum === null) {
        // Their text stays; the editor shows it and later edits start from it.
        const theirs = c.theirsChecksum
        set((s) => {
          const bases = { ...s.bases }
          if (theirs === null) delete bases[c.sectionId]
          else bases[c.sectionId] = theirs
          return { bases }
        })
        if (c.theirs !== null) set({ overwrite: { sectionId: c.sectionId, text: c.theirs, seq: ++seq } })
        await get().refresh()
        return
      }
      const text = choice === 'merged' && merged !== undefined ? merged : c.mine
      set((s) => ({ bases: { ...s.bases, [c.sectionId]: c.theirsChecksum ?? '' } }))
      if (await get().save(c.sectionId, text))
        set({ overwrite: { sectionId: c.sectionId, text, seq: ++seq } })
      await get().refresh()
    }
  })
}
