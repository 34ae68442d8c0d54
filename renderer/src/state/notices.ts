import type { StateCreator } from 'zustand'

/** Text kept for the writer to copy or re-apply: a lost lock's draft, refused typing, a closed window's journal. */
export interface KeptText {
  sectionId: string
  text: string
  /** The base the text was typed on (a re-apply saves on it, so a change since is a conflict). */
  baseSha256?: string | null
  /** A draft file the services kept (discarded once re-applied or dismissed). */
  file?: string
  /** The text is in the local journal (discarded from it when dismissed). */
  journal?: boolean
  /** Text of several sections: it can be copied, not re-applied into one. */
  copyOnly?: boolean
}

/** A message shown to the writer (refusal, lost lock, idle warning, save failure). */
export interface Notice {
  id: number
  /** One notice per cause: a notice with the same key replaces the earlier one. */
  key?: string
  kind: 'info' | 'warning' | 'error'
  text: string
  draft?: KeptText
}

/** Notices shown in the notice area. */
export interface NoticeSlice {
  notices: Notice[]
  notify(notice: Omit<Notice, 'id'>): void
  dismiss(id: number): void
  /** Removes the notice with this key (its cause is gone). */
  retract(key: string): void
  updateNotice(id: number, change: Partial<Omit<Notice, 'id'>>): void
}

/** Information (not warnings, errors or drafts) goes away by itself after this long. */
const INFO_MS = 8_000
/** The most notices without kept text; older ones go first (notices with kept text stay until dismissed). */
const MAX_NOTICES = 5

/** The notices slice: newest last; notices of one cause (key, or kind and words) replace each other; info fades. */
export function createNoticeSlice(): StateCreator<NoticeSlice, [], [], NoticeSlice> {
  return (set, get) => {
    let nextId = 1
    return {
      notices: [],
      notify: (notice) => {
        const id = nextId++
        set((s) => {
          // Kept text is never replaced: a keyed notice replaces only notices of its key without
          // kept text, and the same text kept twice for a section is shown once.
          if (
            notice.draft &&
            s.notices.some(
              (n) => n.draft?.sectionId === notice.draft?.sectionId && n.draft?.text === notice.draft?.text
            )
          )
            return s
          // The same cause twice is one notice, the newer: a key names the cause; without a key,
          // the same words of the same kind are the same cause (five identical refusals are one).
          const same = (n: Notice) =>
            notice.key ? n.key === notice.key : !n.key && n.kind === notice.kind && n.text === notice.text
          const others = s.notices.filter((n) => !same(n) || n.draft)
          const all = [...others, { ...notice, id }]
          for (let i = 0; all.filter((n) => !n.draft).length > MAX_NOTICES && i < all.length;) {
            if (!all[i].draft) all.splice(i, 1)
            else i++
          }
          return { notices: all }
        })
        if (notice.kind === 'info' && !notice.draft)
          setTimeout(() => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })), INFO_MS)
      },
      dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
      retract: (key) => {
        if (get().notices.some((n) => n.key === key))
          set((s) => ({ notices: s.notices.filter((n) => n.key !== key || n.draft !== undefined) }))
      },
      updateNotice: (id, change) =>
        set((s) => ({ notices: s.notices.map((n) => (n.id === id ? { ...n, ...change } : n)) }))
    }
  }
}
