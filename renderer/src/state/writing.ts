import type { StateCreator } from 'zustand'
import type { ResponseOf } from '../../../shared/contract'
import type { WordCounts } from '../editor/word-count-tree'
import { DEFAULT_WRITING_PREFS, type WritingPrefs } from '../editor/writing-page'

/** The writing page's settings as the open editor follows them, and the word counts it reports. */
export interface WritingSlice {
  writing: WritingPrefs
  /** Counts of the open document (null: none open, or not counted yet). */
  words: WordCounts | null
  /** Takes the page's settings out of the settings the services answered or just stored. */
  applyWritingSettings(settings: Partial<ResponseOf<'settings:get'>['settings']>): void
  setWords(words: WordCounts | null): void
}

const same = (a: WordCounts | null, b: WordCounts | null) =>
  a === b ||
  (a !== null &&
    b !== null &&
    a.document === b.document &&
    a.section === b.section &&
    a.selection === b.selection)

/** The writing slice. */
export function createWritingSlice(): StateCreator<WritingSlice, [], [], WritingSlice> {
  return (set, get) => ({
    writing: DEFAULT_WRITING_PREFS,
    words: null,
    applyWritingSettings(settings) {
      const next = { ...get().writing }
      for (const key of Object.keys(next) as (keyof WritingPrefs)[]) {
        const value = settings[key]
        if (value !== undefined) (next as Record<keyof WritingPrefs, unknown>)[key] = value
      }
      set({ writing: next })
    },
    setWords(words) {
      // The status bar re-renders only when a number changed, not on every cursor move.
      if (!same(get().words, words)) set({ words })
    }
  })
}
