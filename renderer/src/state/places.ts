import type { StateCreator } from 'zustand'
import type { ResponseOf } from '../../../shared/contract'
import type { SectionedClient } from '../ipc/client'
import type { DocumentSlice } from './document'
import { shownFirst } from './switcher-filter'
import type { WorkspaceSlice } from './workspace'

/** Where the writer was in a document: the text at the top of the view and the cursor (offsets). */
export type DocumentPlace = ResponseOf<'places:get'>['documents'][number]

/**
 * Where the writer was in each document (issue 14): kept in memory as the editor reports it, so a
 * document opened again shows the same scroll position and cursor, and sent to the host's settings
 * a moment later, so the next start reopens the document shown last at its place. Also the quick
 * switcher's open/closed state and its most-recently-shown order.
 */
export interface PlacesSlice {
  /** The last place of each document this window (or the host's settings) knows, by document. */
  places: Record<string, DocumentPlace>
  /** Documents shown, most recent first (the quick switcher lists them first). */
  recentDocuments: string[]
  /** The editor reports where the writer is in `place.document` (scrolling, moving the cursor). */
  placeChanged(place: DocumentPlace): void
  /**
   * At start: reads what the host remembers and reopens the document shown last at its place —
   * unless the writer opened a document meanwhile, or that document is not in the folder any more
   * (then nothing is opened and nothing is said).
   */
  reopenLast(): Promise<void>
  /** A document was renamed or moved: its place and its rank among the recent ones go with it. */
  placeRenamed(from: string, to: string): void
  /** Sends the place waiting to be remembered now (the page is going away, the store is disposed). */
  flushPlaces(): void
  /** The quick switcher (Ctrl/⌘ P) is open. */
  switcherOpen: boolean
  setSwitcherOpen(open: boolean): void
}

/** How long the place waits for scrolling or the cursor to settle before it is sent to the host. */
const REMEMBER_AFTER_MS = 400

/** The places slice. */
export function createPlacesSlice(
  client: SectionedClient
): StateCreator<PlacesSlice & DocumentSlice & WorkspaceSlice, [], [], PlacesSlice> {
  return (set, get) => {
    let timer: ReturnType<typeof setTimeout> | null = null
    /** Places waiting to be sent, one per document, the newest last (it becomes the one shown). */
    const pending = new Map<string, DocumentPlace>()
    const send = () => {
      timer = null
      // Remembering is a convenience: a host that keeps no settings, or a failure, changes nothing.
      for (const place of pending.values()) void client.call('places:remember', place)
      pending.clear()
    }
    return {
      places: {},
      recentDocuments: [],
      switcherOpen: false,

      placeChanged(place) {
        const before = get().places[place.document]
        const same =
          before && before.top === place.top && before.anchor === place.anchor && before.head === place.head
        const recent = get().recentDocuments
        if (same && recent[0] === place.document) return
        set({
          places: { ...get().places, [place.document]: place },
          recentDocuments: shownFirst(recent, place.document)
        })
        pending.delete(place.document)
        pending.set(place.document, place)
        if (timer) clearTimeout(timer)
        timer = setTimeout(send, REMEMBER_AFTER_MS)
      },

      async reopenLast() {
        const asked = get().openAsked
        const r = await client.call('places:get', {})
        if (!r.ok) return
        const remembered: Record<string, DocumentPlace> = {}
        for (const p of r.value.documents) remembered[p.document] = p
        // What this window saw since it started wins over what the host remembered.
        set((s) => ({
          places: { ...remembered, ...s.places },
          recentDocuments: [
            ...s.recentDocuments,
            ...r.value.documents.map((p) => p.document).filter((d) => !s.recentDocuments.includes(d))
          ]
        }))
        const shown = r.value.shown
        if (!shown || get().openAsked !== asked || get().current !== null) return
        if (!get().documents.includes(shown)) return
        await get().open(shown)
      },

      placeRenamed(from, to) {
        const { [from]: place, ...others } = get().places
        set({
          places: place ? { ...others, [to]: { ...place, document: to } } : others,
          recentDocuments: get().recentDocuments.map((d) => (d === from ? to : d))
        })
      },

      flushPlaces() {
        if (timer) clearTimeout(timer)
        send()
      },

      setSwitcherOpen(open) {
        set({ switcherOpen: open })
      }
    }
  }
}
