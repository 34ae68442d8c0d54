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
      const h = get().history
      const session = get().session
      const v = h?.versions.find((x) => x.version === version)
      if (!h || !session || !v) return false
      // A restore is a save like any other: it takes the lock, saves unsaved text first, and the
      // editor then holds the restored text on its new base (the next keystroke continues from it).
      if (!(await session.restore(h.sectionId, version, v.content))) return false
      await get().showHistory(h.sectionId)
      get().notify({
        key: `restore:${h.sectionId}`,
        kind: 'info',
        text: `Restored version ${version} of “${v.heading || 'Preamble'}”.`
      })
      return true
    }
  })
}
