import type { StateCreator } from 'zustand'
import type { PresenceView, RequestOf } from '../../../shared/contract'
import type { SectionedClient } from '../ipc/client'

/** Where this window is, as `presence:set` carries it. */
export type Place = RequestOf<'presence:set'>

/** How long the cursor rests in a section before the services are told (≤ 2 calls a second). */
export const PLACE_DEBOUNCE_MS = 300

/** Presence: who else has documents open (other instances), and where this window is. */
export interface PresenceSlice {
  /** The other instances present, with where each of their windows is. */
  others: PresenceView[]
  setOthers(others: PresenceView[]): void
  loadPresence(): Promise<void>
  /** This window is now at `place` (null: no document open); told to the services after a short rest. */
  placeAt(place: Place | null): void
  /** Tells the services the last place again at once (after a reconnect the services see a new window). */
  resendPlace(): void
  /** Drops a place not told yet (the store is being disposed). */
  cancelPlace(): void
}

/** The presence slice. */
export function createPresenceSlice(
  client: SectionedClient
): StateCreator<PresenceSlice, [], [], PresenceSlice> {
  let timer: ReturnType<typeof setTimeout> | null = null
  let place: Place | null = null
  /** The place last told, so a cursor moving inside one section sends nothing. */
  let told: string | null = null
  const tell = () => {
    timer = null
    const now = JSON.stringify(place)
    if (now === told) return
    told = now
    void client.call('presence:set', place ?? { document: null, sectionId: null, heading: null })
  }
  return (set) => ({
    others: [],
    setOthers: (others) => set({ others }),
    async loadPresence() {
      const r = await client.call('presence:list', {})
      if (r.ok) set({ others: r.value.others })
    },
    placeAt(next) {
      place = next
      if (timer === null) timer = setTimeout(tell, PLACE_DEBOUNCE_MS)
    },
    resendPlace() {
      told = null
      if (timer !== null) clearTimeout(timer)
      tell()
    },
    cancelPlace() {
      if (timer !== null) clearTimeout(timer)
      timer = null
    }
  })
}
