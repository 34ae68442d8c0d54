import type { StateCreator } from 'zustand'
import type { ResponseOf } from '../../../shared/contract'
import { ErrorCode } from '../../../shared/errors'
import type { SectionedClient } from '../ipc/client'
import type { DocumentSlice } from './document'
import type { NoticeSlice } from './notices'

/** One version of a section, as the history panel lists it. */
export type Version = ResponseOf<'history:list'>['versions'][number]

/** The history panel of one section. */
export interface HistorySlice {
  history: { sectionId: string; versions: Version[]; error: string | null } | null
  showHistory(sectionId: string): Promise<void>
  closeHistory(): void
  /** Restores a version: a normal save, so it takes the section's lock first if this window lacks it. */
  restoreVersion(version: number): Promise<boolean>
}

/** The history slice. */
export function createHistorySlice(
  client: SectionedClient
): StateCreator<HistorySlice & DocumentSlice & NoticeSlice, [], [], HistorySlice> {
  return (set, get) => ({
    history: null,

    async showHistory(sectionId) {
      const document = get().current
      if (!document) return
      set({ history: { sectionId, versions: [], error: null } })
      const r = await client.call('history:list', { document, sectionId })
      if (get().history?.sectionId !== sectionId) return
      set({
        history: r.ok
          ? { sectionId, versions: [...r.value.versions].reverse(), error: null }
          : {
              sectionId,
              versions: [],
              error:
                r.error.code === ErrorCode.Integrity
                  ? `The history of this section failed its checksum check: ${r.error.message}`
                  : r.error.message
            }
      })
    },

    closeHistory() {
      set({ history: null })
    },

    async restoreVersion(version) {
      const document = get().current
      const h = get().history
      if (!document || !h) return false
      const { sectionId } = h
      const held = get().locks.some((l) => l.mine && l.sectionId === sectionId)
      if (!held && !(await get().acquire(sectionId))) return false
      const base = get().bases[sectionId]
      if (!base) return false
      const r = await client.call('history:restore', { document, sectionId, version, baseSha256: base })
      if (!r.ok) {
        get().notify({ kind: 'error', text: r.error.message })
        return false
      }
      set((s) => ({ bases: { ...s.bases, [sectionId]: r.value.section.sha256 } }))
      await get().refresh()
      await get().showHistory(sectionId)
      get().notify({
        kind: 'info',
        text: `Restored version ${version} of “${r.value.section.heading || 'Preamble'}”.`
      })
      return true
    }
  })
}
