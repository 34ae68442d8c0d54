import type { StateCreator } from 'zustand'
import type { EventOf, ResponseOf } from '../../../shared/contract'
import type { SectionedClient } from '../ipc/client'
import type { DocumentSlice } from './document'
import type { HeldAwaySlice } from './held-away'
import type { LocksSlice } from './locks'
import type { NoticeSlice } from './notices'

type IncomingRequest = ResponseOf<'requests:pending'>['requests'][number]

/** "Request edit" (both sides): requests to this writer, and the sections this writer asked for. */
export interface RequestsSlice {
  /** Requests other writers sent for sections this instance holds, oldest first. */
  incoming: IncomingRequest[]
  /** Sections this window asked for, by request id. */
  outgoing: Record<string, { document: string; sectionId: string }>
  requestEdit(sectionId: string): Promise<void>
  /** The holder answers; `released` saves the section first, then lets it go. */
  answerRequest(id: string, answer: 'released' | 'declined'): Promise<void>
  requestArrived(request: IncomingRequest): void
  /** The holder answered one of ours: on `released`, take the section at once. */
  requestAnswered(answer: EventOf<'edit:answered'>): Promise<void>
  loadPendingRequests(): Promise<void>
}

/** The requests slice. */
export function createRequestsSlice(
  client: SectionedClient
): StateCreator<
  RequestsSlice & DocumentSlice & LocksSlice & NoticeSlice & HeldAwaySlice,
  [],
  [],
  RequestsSlice
> {
  return (set, get) => ({
    incoming: [],
    outgoing: {},

    async requestEdit(sectionId) {
      const document = get().current
      if (!document) return
      const r = await client.call('requests:send', { document, sectionId })
      if (!r.ok) return get().notify({ kind: 'warning', text: r.error.message })
      set((s) => ({ outgoing: { ...s.outgoing, [r.value.id]: { document, sectionId } } }))
      const holder = get().locks.find((l) => l.sectionId === sectionId || l.kind === 'document')?.holder
      get().notify({
        kind: 'info',
        text: `Asked ${holder?.user ?? 'the holder'} for the section. You will be told the answer.`
      })
    },

    async answerRequest(id, answer) {
      const request = get().incoming.find((r) => r.id === id)
      const session = get().session
      if (request && answer === 'released' && get().current === request.document && session) {
        // Nothing typed is lost: the section is saved before it is handed over; if it cannot be
        // saved, it is not handed over.
        if (!(await session.handOver(request.sectionId))) {
          return get().notify({
            key: `request:${id}`,
            kind: 'error',
            text: 'Your text could not be saved, so the section was not handed over. Try again after saving.'
          })
        }
      }
      // A section held in a document not shown: its text was saved when the writer left it, unless
      // that save failed (then it stays, as above).
      const away = request
        ? get().heldAway[request.document]?.find((s) => s.id === request.sectionId)
        : undefined
      if (request && answer === 'released' && away?.unsaved) {
        return get().notify({
          key: `request:${id}`,
          kind: 'error',
          text: `Your text in ${request.document} could not be saved, so the section was not handed over. Open it to save it first.`
        })
      }
      const r = await client.call('requests:answer', { id, answer })
      if (r.ok && request && answer === 'released' && away)
        get().awayHandedOver(request.document, request.sectionId)
      set((s) => ({ incoming: s.incoming.filter((x) => x.id !== id) }))
      if (!r.ok) return get().notify({ kind: 'error', text: r.error.message })
    },

    requestArrived(request) {
      set((s) => (s.incoming.some((r) => r.id === request.id) ? s : { incoming: [...s.incoming, request] }))
    },

    async requestAnswered(a) {
      if (!get().outgoing[a.id]) return
      set((s) => {
        const outgoing = { ...s.outgoing }
        delete outgoing[a.id]
        return { outgoing }
      })
      if (a.answer === 'declined') {
        return get().notify({ kind: 'warning', text: `${a.by} wants to keep “${a.heading}” for now.` })
      }
      if (get().current !== a.document) {
        return get().notify({
          kind: 'info',
          text: `${a.by} released “${a.heading}” in ${a.document} for you.`
        })
      }
      if (await get().session?.take(a.sectionId)) {
        get().notify({ kind: 'info', text: `${a.by} released “${a.heading}”: it is yours now.` })
      }
    },

    async loadPendingRequests() {
      const r = await client.call('requests:pending', {})
      if (r.ok) set({ incoming: r.value.requests })
    }
  })
}
