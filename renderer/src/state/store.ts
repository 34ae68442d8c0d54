import { createStore, type StoreApi } from 'zustand/vanilla'
import type { SectionedClient } from '../ipc/client'
import { createDocumentSlice, type DocumentSlice } from './document'
import { createNoticeSlice, type NoticeSlice } from './notices'
import { createWorkspaceSlice, type WorkspaceSlice } from './workspace'

/** The whole renderer state: one store built from slices (zustand docs' slices pattern). */
export type AppState = WorkspaceSlice & DocumentSlice & NoticeSlice

/**
 * Creates the store and wires the client's events into it. Returns the store and a dispose that
 * unsubscribes (tests create many stores).
 */
export function createAppStore(client: SectionedClient): { store: StoreApi<AppState>; dispose(): void } {
  const store = createStore<AppState>()((...a) => ({
    ...createNoticeSlice(...a),
    ...createWorkspaceSlice(client)(...a),
    ...createDocumentSlice(client)(...a)
  }))
  const offs = [
    client.onStatus((status) => store.setState({ status })),
    client.on('locks:changed', ({ document }) => {
      // The broadcast is the same for every window; "mine" depends on the window, so ask for ours.
      if (store.getState().current !== document) return
      void client.call('locks:list', { document }).then((r) => {
        if (r.ok) store.getState().setLocks(document, r.value.locks)
      })
    }),
    client.on('document:changed', ({ document }) => {
      if (store.getState().current === document) void store.getState().refresh()
    }),
    client.on('lock:lost', ({ document, sectionId, reason }) => {
      if (store.getState().current === document && sectionId)
        store.getState().lockLost(sectionId, reason, null)
    }),
    client.on('lock:idle-warning', ({ sectionId, releaseInMs }) => {
      store.getState().notify({
        kind: 'warning',
        text: `No edits for a while: ${sectionId ?? 'the document'} will be released in ${Math.round(releaseInMs / 1000)} s unless you keep typing.`
      })
    })
  ]
  return { store, dispose: () => offs.forEach((off) => off()) }
}
