import type { StateCreator } from 'zustand'

/** A message shown to the writer (refusal, lost lock, idle warning, save failure). */
export interface Notice {
  id: number
  kind: 'info' | 'warning' | 'error'
  text: string
  /** Text kept for the writer to copy or re-apply (a lost lock's draft). */
  draft?: { sectionId: string; text: string; file?: string }
  /** The section whose lock loss this notice reports (one notice per loss). */
  lost?: string
}

/** Notices shown in the notice area. */
export interface NoticeSlice {
  notices: Notice[]
  notify(notice: Omit<Notice, 'id'>): void
  dismiss(id: number): void
  updateNotice(id: number, change: Partial<Omit<Notice, 'id'>>): void
}

let nextId = 1

/** Information (not warnings, errors or drafts) goes away by itself after this long. */
const INFO_MS = 8_000

/** The notices slice: newest last, at most 5 kept. */
export const createNoticeSlice: StateCreator<NoticeSlice, [], [], NoticeSlice> = (set) => ({
  notices: [],
  notify: (notice) => {
    const id = nextId++
    set((s) => ({ notices: [...s.notices, { ...notice, id }].slice(-5) }))
    if (notice.kind === 'info' && !notice.draft)
      setTimeout(() => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })), INFO_MS)
  },
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  updateNotice: (id, change) =>
    set((s) => ({ notices: s.notices.map((n) => (n.id === id ? { ...n, ...change } : n)) }))
})
