import { createContext, useContext } from 'react'
import { useStore, type StoreApi } from 'zustand'
import type { AppState } from './store'

/** The store of this window, provided once at the root. */
export const StoreContext = createContext<StoreApi<AppState> | null>(null)

/** Reads a narrow slice of the store (use `useShallow` for selectors that build objects). */
export function useApp<T>(selector: (s: AppState) => T): T {
  const store = useContext(StoreContext)
  if (!store) throw new Error('useApp outside <StoreContext.Provider>')
  return useStore(store, selector)
}
