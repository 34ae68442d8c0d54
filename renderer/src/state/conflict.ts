import type { StateCreator } from 'zustand'
import type { SessionConflict } from '../editor'
import type { DocumentSlice } from './document'

/** Both texts of a refused save (or of a held section changed underneath), for the conflict view. */
export type ConflictState = SessionConflict

/** The conflict view: shown until the writer chooses; the session does what was chosen. */
export interface ConflictSlice {
  conflict: ConflictState | null
  showConflict(conflict: ConflictState): void
  resolveConflict(choice: 'mine' | 'theirs' | 'merged', merged?: string): Promise<void>
}

/** The conflict slice. */
export function createConflictSlice(): StateCreator<ConflictSlice & DocumentSlice, [], [], ConflictSlice> {
  return (set, get) => ({
    conflict: null,

    showConflict(conflict) {
      // One at a time: a second one waits for the next snapshot (the session reports it again).
      if (!get().conflict) set({ conflict })
    },

    async resolveConflict(choice, merged) {
      const c = get().conflict
      if (!c) return
      set({ conflict: null })
      const session = get().session
      if (!session) return
      const gone = c.theirs === null
      await session.resolveConflict(c.sectionIds, gone ? 'theirs' : choice, merged ?? null)
    }
  })
}
