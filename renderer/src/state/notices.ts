import type { StateCreator } from 'zustand'

/** A message shown to the writer (refusal, lost lock, idle warning, save failure). */
export interface Notice {
  id: number
  kind: 'info' | 'warning' | 'error'
  text: string
  /** Text kept for the writer to copy or re-apply (a lost lock's draft). */
  draft?: { sectionId: string; text: string }
}

/** Notices shown in the notice area. */
export interface NoticeSlice {
  notices: Notice[]
  notify(notice: Omit<Notice, 'id'>): void
  dismiss(id: number): void
}

let nextId = 1

/** The notices slice: newest last, at most 5 kept. */
export const createNoticeSlice: StateCreator<NoticeSlice, [], [], NoticeSlice> = (set) => ({
  notices: [],
  notify: (notice) => set((s) => ({ notices: [...s.notices, { ...notice, id: nextId++ }].slice(-5) })),
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }))
})
