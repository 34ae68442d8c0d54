import { createStore, type StoreApi } from 'zustand/vanilla'
import type { SectionedClient } from '../ipc/client'
import { createDocumentSlice, type DocumentSlice } from './document'
import { createHistorySlice, type HistorySlice } from './history'
import { createNoticeSlice, type NoticeSlice } from './notices'
import { createRequestsSlice, type RequestsSlice } from './requests'
import { createStatusSlice, type StatusSlice } from './status'
import { createWorkspaceSlice, type WorkspaceSlice } from './workspace'

/** The whole renderer state: one store built from slices (zustand docs' slices pattern). */
export type AppState = WorkspaceSlice &
  DocumentSlice &
  NoticeSlice &
  RequestsSlice &
  HistorySlice &
  StatusSlice

/** How often the status bar asks for heartbeat health and save figures. */
const STATUS_EVERY_MS = 5_000

/**
 * Creates the store and wires the client's events into it. Returns the store and a dispose that
 * unsubscribes (tests create many stores).
 */
export function createAppStore(client: SectionedClient): { store: StoreApi<AppState>; dispose(): void } {
  const store = createStore<AppState>()((...a) => ({
    ...createNoticeSlice(...a),
    ...createWorkspaceSlice(client)(...a),
    ...createDocumentSlice(client)(...a),
    ...createRequestsSlice(client)(...a),
    ...createHistorySlice(client)(...a),
    ...createStatusSlice(client)(...a)
  }))
  const get = () => store.getState()
  const offs = [
    client.onStatus((status) => {
      store.setState({ status })
      if (status === 'open') void get().refreshStatus()
    }),
    client.on('locks:changed', ({ document }) => {
      // The broadcast is the same for every window; "mine" depends on the window, so ask for ours.
      if (get().current === document) void get().reloadLocks(document)
    }),
    client.on('document:changed', ({ document }) => {
      if (get().current === document) void get().refresh()
      if (!get().documents.includes(document)) void get().loadWorkspace()
    }),
    client.on('document:removed', ({ document }) => {
      get().documentRemoved(document)
      void get().loadWorkspace()
    }),
    client.on('lock:lost', ({ document, sectionId, reason }) => {
      if (get().current === document && sectionId) get().lockLost(sectionId, reason, null)
    }),
    client.on('lock:idle-warning', ({ sectionId, releaseInMs }) => {
      get().notify({
        kind: 'warning',
        text: `No edits for a while: ${sectionId ?? 'the document'} will be released in ${Math.round(releaseInMs / 1000)} s unless you keep typing.`
      })
    }),
    client.on('lock:idle-released', ({ document, sectionId }) => {
      if (get().current !== document || !sectionId) return
      get().lockLost(sectionId, 'it was released after a long time without edits', null)
    }),
    client.on('watch:mode', (mode) => get().watchModeChanged(mode)),
    client.on('workspace:problem', ({ message }) => get().notify({ kind: 'error', text: message })),
    client.on('edit:requested', (request) => get().requestArrived(request)),
    client.on('edit:answered', (answer) => void get().requestAnswered(answer))
  ]
  const timer = setInterval(() => {
    void get().refreshStatus()
    // A holder that stopped answering changes nothing on disk: ask again so "not answering" shows.
    const document = get().current
    if (document && get().locks.some((l) => !l.mine)) void get().reloadLocks(document)
  }, STATUS_EVERY_MS)
  return {
    store,
    dispose: () => {
      clearInterval(timer)
      offs.forEach((off) => off())
    }
  }
}
