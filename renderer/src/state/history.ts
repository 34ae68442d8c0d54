import type { StateCreator } from 'zustand'
import type { ResponseOf } from '../../../shared/contract'
import { ErrorCode } from '../../../shared/errors'
import type { SectionedClient } from '../ipc/client'
import type { DocumentSlice } from './document'
import type { NoticeSlice } from './notices'

/** One version of a section, as the history panel lists it. */
export type Version = ResponseOf<'history:list'>['versions'][number]

/** A section the document no longer has, with its kept history's newest version. */
export type DeletedSection = ResponseOf<'history:deleted'>['sections'][number]

/** The history panel: one section's versions, or the document's deleted sections. */
export interface HistorySlice {
  /**
   * The section whose versions are shown. `deleted`: the document no longer has it (its versions
   * can be read and copied, not restored into it).
   */
  history: { sectionId: string; versions: Version[]; error: string | null; deleted?: boolean } | null
  /** The document's deleted sections (the panel lists them while no section is chosen). */
  deletedSections: { sections: DeletedSection[]; error: string | null } | null
  showHistory(sectionId: string, opts?: { deleted?: boolean }): Promise<void>
  /** Lists the open section's versions again, keeping what is shown until the answer (a new save). */
  refreshHistory(): Promise<void>
  showDeletedSections(): Promise<void>
  closeHistory(): void
  /** Restores a version: a normal save, so it takes the section's lock first if this window lacks it. */
  restoreVersion(version: number): Promise<boolean>
}

/** The history slice. */
export function createHistorySlice(
  client: SectionedClient
): StateCreator<HistorySlice & DocumentSlice & NoticeSlice, [], [], HistorySlice> {
  return (set, get) => {
    const list = async (sectionId: string, deleted: boolean) => {
      const document = get().current
      if (!document) return
      const r = await client.call('history:list', { document, sectionId })
      if (get().history?.sectionId !== sectionId || get().current !== document) return
      set({
        history: r.ok
          ? { sectionId, versions: [...r.value.versions].reverse(), error: null, deleted }
          : {
              sectionId,
              versions: [],
              deleted,
              error:
                r.error.code === ErrorCode.Integrity
                  ? `The history of this section failed its checksum check: ${r.error.message}`
                  : r.error.message
            }
      })
    }
    return {
      history: null,
      deletedSections: null,

      async showHistory(sectionId, opts = {}) {
        if (!get().current) return
        const deleted = opts.deleted === true
        set({ history: { sectionId, versions: [], error: null, deleted } })
        await list(sectionId, deleted)
      },

      async refreshHistory() {
        const h = get().history
        if (h && !h.deleted) await list(h.sectionId, false)
      },

      async showDeletedSections() {
        const document = get().current
        if (!document) return
        set({ history: null, deletedSections: { sections: [], error: null } })
        const r = await client.call('history:deleted', { document })
        if (get().current !== document || !get().deletedSections) return
        set({
          deletedSections: r.ok
            ? { sections: r.value.sections, error: null }
            : { sections: [], error: r.error.message }
        })
      },

      closeHistory() {
        set({ history: null, deletedSections: null })
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
    }
  }
}
