import type { StateCreator } from 'zustand'
import type { LockView, ResponseOf } from '../../../shared/contract'
import { ErrorCode } from '../../../shared/errors'
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
  open(document: string): Promise<void>
  /** Re-reads the open document (after another instance saved, or an external edit). */
  refresh(): Promise<void>
  setLocks(document: string, locks: LockView[]): void
  /** Takes a section's lock; false (with a notice naming the holder) when refused. */
  acquire(sectionId: string): Promise<boolean>
  release(sectionId: string): Promise<void>
  touch(sectionId: string): void
  /** Saves a held section's text; false when refused (conflict view or notice). */
  save(sectionId: string, text: string): Promise<boolean>
  /** A held lock was lost: keep the text as a draft notice and drop the base. */
  lockLost(sectionId: string, reason: string, text: string | null): void
  resolveConflict(choice: 'mine' | 'theirs' | 'merged', merged?: string): Promise<void>
  /** The editor registers how to read a section's current (unsaved) text, so a lost lock keeps it. */
  textOf: (sectionId: string) => string | null
  setTextProvider(provider: (sectionId: string) => string | null): void
}

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

    async open(document) {
      const r = await client.call('documents:open', { document })
      if (!r.ok) return get().notify({ kind: 'error', text: r.error.message })
      const mine = r.value.locks.filter((l) => l.mine && l.sectionId !== null)
      const bases: Record<string, string> = {}
      for (const l of mine) {
        const sec = r.value.sections.find((s) => s.id === l.sectionId)
        if (sec && l.sectionId) bases[l.sectionId] = sec.sha256
      }
      set({ current: document, snapshot: r.value, locks: r.value.locks, bases, conflict: null })
    },

    async refresh() {
      const doc = get().current
      if (!doc) return
      const r = await client.call('documents:open', { document: doc })
      if (r.ok && get().current === doc) set({ snapshot: r.value, locks: r.value.locks })
    },

    setLocks(document, locks) {
      if (get().current === document) set({ locks })
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
      set((s) => {
        const bases = { ...s.bases }
        delete bases[sectionId]
        return { bases, locks: s.locks.filter((l) => !(l.sectionId === sectionId && l.mine)) }
      })
    },

    touch(sectionId) {
      const doc = get().current
      if (doc) void client.call('locks:touch', { document: doc, sectionId })
    },

    async save(sectionId, text) {
      const doc = get().current
      const base = get().bases[sectionId]
      if (!doc || !base) return false
      const r = await client.call('sections:save', { document: doc, sectionId, baseSha256: base, text })
      if (r.ok) {
        set((s) => ({
          bases: { ...s.bases, [sectionId]: r.value.section.sha256 },
          snapshot: s.snapshot && {
            ...s.snapshot,
            sections: r.value.sections,
            fileSha256: r.value.fileSha256
          }
        }))
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
      set((s) => {
        const bases = { ...s.bases }
        delete bases[sectionId]
        return { bases }
      })
      get().notify({
        kind: 'error',
        text: `You no longer hold ${label(get().snapshot, sectionId)}: ${reason}`,
        ...(text !== null ? { draft: { sectionId, text } } : {})
      })
    },

    async resolveConflict(choice, merged) {
      const c = get().conflict
      if (!c) return
      if (choice === 'theirs' || c.theirsChecksum === null) {
        set({ conflict: null })
        await get().refresh()
        const sec = get().snapshot?.sections.find((s) => s.id === c.sectionId)
        if (sec) set((s) => ({ bases: { ...s.bases, [c.sectionId]: sec.sha256 } }))
        return
      }
      set((s) => ({ conflict: null, bases: { ...s.bases, [c.sectionId]: c.theirsChecksum ?? '' } }))
      await get().save(c.sectionId, choice === 'merged' && merged !== undefined ? merged : c.mine)
      await get().refresh()
    }
  })
}
