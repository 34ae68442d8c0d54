import type { StateCreator } from 'zustand'
import type { SessionConflict } from '../editor'
import type { DocumentSlice } from './document'

/** Both texts of a refused save (or of a held section changed underneath), for the conflict view. */
export type ConflictState = SessionConflict

/** The conflict view: shown until the writer chooses; the session does what was chosen. */
export interface ConflictSlice {
  /** The conflict shown now (the first of the queue). */
  conflict: ConflictState | null
  /** Conflicts waiting their turn, oldest first. */
  conflictQueue: ConflictState[]
  showConflict(conflict: ConflictState): void
  resolveConflict(choice: 'mine' | 'theirs' | 'merged', merged?: string): Promise<void>
}

/** The conflict slice. */
export function createConflictSlice(): StateCreator<ConflictSlice & DocumentSlice, [], [], ConflictSlice> {
  return (set, get) => ({
    conflict: null,
    conflictQueue: [],

    showConflict(conflict) {
      // One at a time; the others wait their turn (the session does not report them again).
      if (!get().conflict) set({ conflict })
      else set((s) => ({ conflictQueue: [...s.conflictQueue, conflict] }))
    },

    async resolveConflict(choice, merged) {
      const c = get().conflict
      if (!c) return
      const [next, ...rest] = get().conflictQueue
      set({ conflict: next ?? null, conflictQueue: rest })
      const session = get().session
      if (!session) return
      const gone = c.theirs === null
      await session.resolveConflict(c.sectionIds, gone ? 'theirs' : choice, merged ?? null)
    }
  })
}
