import { createStore, type StoreApi } from 'zustand/vanilla'
import type { SectionedClient } from '../ipc/client'
import { createConflictSlice, type ConflictSlice } from './conflict'
import { createDocumentSlice, type DocumentSlice } from './document'
import { createHeldAwaySlice, type HeldAwaySlice } from './held-away'
import { createHistorySlice, type HistorySlice } from './history'
import { createLocksSlice, type LocksSlice } from './locks'
import { createNoticeSlice, type NoticeSlice } from './notices'
import { createPresenceSlice, type PresenceSlice } from './presence'
import { createPlacesSlice, type PlacesSlice } from './places'
import { createRequestsSlice, type RequestsSlice } from './requests'
import { createSearchSlice, type SearchSlice } from './search'
import { createStatusSlice, type StatusSlice } from './status'
import { createWorkspaceSlice, type WorkspaceSlice } from './workspace'
import { createWritingSlice, type WritingSlice } from './writing'

/** The whole renderer state: one store built from slices (zustand docs' slices pattern). */
export type AppState = WorkspaceSlice &
  DocumentSlice &
  LocksSlice &
  ConflictSlice &
  NoticeSlice &
  RequestsSlice &
  HistorySlice &
  SearchSlice &
  StatusSlice &
  PresenceSlice &
  PlacesSlice &
  HeldAwaySlice &
  WritingSlice & {
    /** The client the slices talk through (the editor's session gets it too). */
    client: SectionedClient
    /** This window's wall clock (ms): what times are worded against ("10:32" or "Mar 4, 10:32"). */
    now(): number
  }

/** How often the status bar asks for heartbeat health and save figures. */
const STATUS_EVERY_MS = 5_000

/** What a store is built with besides the client. */
export interface StoreOptions {
  /** The wall clock (tests fix it). */
  now?: () => number
}

/**
 * Creates the store and wires the client's events into it. Returns the store and a dispose that
 * unsubscribes (tests create many stores).
 */
export function createAppStore(
  client: SectionedClient,
  options: StoreOptions = {}
): { store: StoreApi<AppState>; dispose(): void } {
  const store = createStore<AppState>()((...a) => ({
    ...createNoticeSlice()(...a),
    ...createWorkspaceSlice(client)(...a),
    ...createDocumentSlice(client)(...a),
    ...createLocksSlice(client)(...a),
    ...createConflictSlice()(...a),
    ...createRequestsSlice(client)(...a),
    ...createHistorySlice(client)(...a),
    ...createSearchSlice(client)(...a),
    ...createStatusSlice(client)(...a),
    ...createPresenceSlice(client)(...a),
    ...createPlacesSlice(client)(...a),
    ...createHeldAwaySlice(client)(...a),
    ...createWritingSlice()(...a),
    client,
    now: options.now ?? (() => Date.now())
  }))
  const get = () => store.getState()
  let wasOpen = false
  /**
   * Old names this instance renamed away: their `document:removed` (from the handler, then again
   * from this instance's own watcher) is no loss to report. Forgotten when the name is back.
   */
  const renamedAway = new Set<string>()
  const offs = [
    client.onStatus((status) => {
      store.setState({ status })
      if (status === 'closed') get().session?.setConnected(false)
      if (status !== 'open') return
      void get().refreshStatus()
      void get().loadPresence()
      // Back after a drop: the services see a new window, so the session takes its sections again.
      if (wasOpen) {
        get().session?.setConnected(true)
        // Events may have been missed while the connection was down: read what changed.
        const document = get().current
        if (document) {
          get().changedOnDisk(document, null)
          void get().reloadLocks(document)
        }
        void get().loadPendingRequests()
        void get().retakeAway()
        get().resendPlace()
      }
      wasOpen = true
    }),
    // Each window gets the locks as it sees them (mine / my other window / others').
    client.on('locks:changed', ({ document, locks }) => get().setLocks(document, locks)),
    client.on('document:changed', ({ document, fileSha256 }) => {
      renamedAway.delete(document)
      get().changedOnDisk(document, fileSha256)
      if (!get().documents.includes(document)) void get().loadWorkspace()
    }),
    client.on('document:removed', ({ document }) => {
      if (!renamedAway.has(document)) get().documentRemoved(document)
      get().awayGone(document)
      void get().loadWorkspace()
    }),
    // A rename in the app holds the document lock, so no section was held: the editor opens the new
    // name. One made outside the app may come while this window holds a section: leaving would
    // save into a name that is gone, so the writer is told and chooses (the text stays journalled).
    client.on('document:renamed', ({ from, to }) => {
      renamedAway.add(from)
      get().placeRenamed(from, to)
      get().awayGone(from)
      void get().loadWorkspace()
      if (get().current !== from) return
      if (get().held.length === 0) return void get().open(to)
      get().notify({
        key: `renamed:${from}`,
        kind: 'warning',
        text: `“${from}” was renamed to “${to}” outside Sectioned while you were editing it. Your text is kept; open “${to}” to go on.`
      })
    }),
    // Held sections of documents not shown (held-away.ts) are this window's too: their losses and
    // idle warnings are told with the document's name.
    client.on('lock:lost', ({ document, sectionId, reason }) => {
      if (!sectionId) return
      if (get().current === document) get().session?.lose(sectionId, reason.replace(/\.$/, ''))
      else get().awayLost(document, sectionId, reason.replace(/\.$/, ''))
    }),
    client.on('lock:idle-warning', ({ document, sectionId, releaseInMs }) => {
      if (!sectionId) return
      if (get().current !== document) return get().awayIdleWarning(document, sectionId, releaseInMs)
      const heading = get().held.find((h) => h.id === sectionId)?.heading ?? sectionId
      get().notify({
        key: `idle:${sectionId}`,
        kind: 'warning',
        text: `No edits for a while: “${heading}” will be released in ${Math.round(releaseInMs / 1000)} s unless you keep typing.`
      })
    }),
    client.on('lock:idle-released', ({ document, sectionId }) => {
      if (!sectionId) return
      if (get().current !== document)
        return void get().awayLost(document, sectionId, 'it was released after a long time without edits')
      get().retract(`idle:${sectionId}`)
      get().session?.lose(sectionId, 'it was released after a long time without edits')
    }),
    // An empty folder made or removed elsewhere has no document event: the tree lists again.
    client.on('folders:changed', () => void get().loadWorkspace()),
    client.on('watch:mode', (mode) => get().watchModeChanged(mode)),
    client.on('workspace:problem', ({ message }) =>
      get().notify({ key: 'workspace', kind: 'error', text: message })
    ),
    client.on('presence:changed', ({ others }) => get().setOthers(others)),
    client.on('edit:requested', (request) => get().requestArrived(request)),
    client.on('edit:answered', (answer) => void get().requestAnswered(answer)),
    client.on('app:flush', () => {
      // Electron asks before closing the window: journal and save, then say so.
      void (get().session?.flush() ?? Promise.resolve()).finally(() => void client.call('app:flushed', {}))
    })
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
      get().cancelPlace()
      get().flushPlaces()
      offs.forEach((off) => off())
    }
  }
}
