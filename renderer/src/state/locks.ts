import type { StateCreator } from 'zustand'
import type { LockView } from '../../../shared/contract'
import { ErrorCode } from '../../../shared/errors'
import type { SectionedClient } from '../ipc/client'
import type { DocumentSlice } from './document'
import type { NoticeSlice } from './notices'

/** The open document's locks as this window sees them, and structure mode (the document lock). */
export interface LocksSlice {
  locks: LockView[]
  setLocks(document: string, locks: LockView[]): void
  /** Asks for the document's locks as this window sees them (mine / my other window / others'). */
  reloadLocks(document: string): Promise<void>
  /** Structure mode: the document lock, then move/delete sections. */
  lockDocument(): Promise<boolean>
  releaseDocument(): Promise<void>
  moveSection(sectionId: string, beforeId: string | null): Promise<void>
  deleteSection(sectionId: string): Promise<void>
}

/** The locks slice. */
export function createLocksSlice(
  client: SectionedClient
): StateCreator<LocksSlice & DocumentSlice & NoticeSlice, [], [], LocksSlice> {
  return (set, get) => ({
    locks: [],

    setLocks(document, locks) {
      if (get().current !== document) return
      set({ locks })
      get().session?.applyLocks(locks)
      // A refusal ("… is being edited by …") is about a holder: once nobody else holds the section
      // (or the whole document), the notice goes with its cause. Kept text stays (retract keeps drafts).
      const others = (l: LockView) => !l.mine && !l.mineElsewhere && !l.stale
      if (locks.some((l) => l.kind === 'document' && others(l))) return
      const held = new Set(locks.filter((l) => l.kind === 'section' && others(l)).map((l) => l.sectionId))
      for (const n of get().notices)
        if (n.key?.startsWith('held:') && !held.has(n.key.slice('held:'.length))) get().retract(n.key)
    },

    async reloadLocks(document) {
      const r = await client.call('locks:list', { document })
      if (r.ok) get().setLocks(document, r.value.locks)
    },

    async lockDocument() {
      const doc = get().current
      if (!doc) return false
      const r = await client.call('locks:acquire', { document: doc, sectionId: null })
      if (!r.ok) {
        get().notify({
          key: 'structure',
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
      const heading = get().snapshot?.sections.find((x) => x.id === sectionId)?.heading
      const r = await client.call('sections:delete', { document: doc, sectionId })
      if (!r.ok) return get().notify({ kind: 'error', text: r.error.message })
      get().notify({
        kind: 'info',
        text: `Deleted “${heading ?? sectionId}”; it is kept in the history and in a backup.`
      })
      await get().refresh()
    }
  })
}
