import { slug } from 'github-slugger'
import type { StateCreator } from 'zustand'
import type { ResponseOf } from '../../../shared/contract'
import { collapseCrlf } from '../../../shared/section-ranges'
import type { SectionedClient } from '../ipc/client'
import type { DocumentSlice } from './document'
import type { NoticeSlice } from './notices'

type Answer = ResponseOf<'search:query'>

/** Workspace search in the sidebar: the last answer, and going to a result. */
export interface SearchSlice {
  /** The answer to the latest query (null: no search, or the box was cleared). */
  search: (Answer & { query: string }) | null
  /** Asks the services; an answer to an older query than the latest one is dropped. */
  runSearch(query: string): Promise<void>
  /** Opens the document and puts the cursor at the start of the section. */
  goToResult(document: string, sectionId: string): Promise<void>
  /**
   * Follows a link to another document (`other.md#budget`): opens it and, when `anchor` names one
   * of its headings, puts that heading's section at the cursor (and at the top of the view).
   */
  goToAnchor(document: string, anchor: string | null): Promise<void>
}

/**
 * The section a link's `#anchor` names: the heading whose GitHub-style anchor it is (what a
 * rendered markdown file links to: `#the-budget` for "The budget"), else the section of that id.
 */
export function sectionForAnchor<S extends { id: string; heading: string }>(
  sections: readonly S[],
  anchor: string
): S | undefined {
  const want = anchor.toLowerCase()
  return sections.find((s) => s.heading && slug(s.heading) === want) ?? sections.find((s) => s.id === anchor)
}

/** While the index is still being built, the same query is asked again this often. */
const BUILDING_RETRY_MS = 500

/** Where a section of `text` starts (`from`, an offset into `text`) in the editor's positions. */
export function sectionStart(text: string, from: number): number {
  return collapseCrlf(text, [from])[0]
}

/** The search slice. */
export function createSearchSlice(
  client: SectionedClient
): StateCreator<SearchSlice & DocumentSlice & NoticeSlice, [], [], SearchSlice> {
  let latest = 0
  return (set, get) => ({
    search: null,

    async runSearch(query) {
      const asked = ++latest
      if (query.trim() === '') return set({ search: null })
      const r = await client.call('search:query', { query })
      if (asked !== latest) return
      if (!r.ok) return get().notify({ kind: 'warning', text: r.error.message })
      set({ search: { ...r.value, query } })
      // Partial while the index builds: asked again until it is complete (unless the writer typed on).
      if (r.value.building)
        setTimeout(() => {
          if (asked === latest) void get().runSearch(query)
        }, BUILDING_RETRY_MS)
    },

    async goToResult(document, sectionId) {
      await get().open(document)
      const snap = get().snapshot
      if (!snap || get().current !== document) return
      const section = snap.sections.find((x) => x.id === sectionId)
      if (section) get().focusAt(sectionStart(snap.text, section.from))
    },

    async goToAnchor(document, anchor) {
      await get().open(document)
      const snap = get().snapshot
      if (!anchor || !snap || get().current !== document) return
      const section = sectionForAnchor(snap.sections, anchor)
      if (section) get().focusAt(sectionStart(snap.text, section.from))
    }
  })
}
