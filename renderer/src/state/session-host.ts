import type { StoreApi } from 'zustand'
import type { EditorState } from '@codemirror/state'
import { outlineOf, type SessionHost } from '../editor'
import type { SectionedClient } from '../ipc/client'
import type { AppState } from './store'

/** How long the outline waits for typing to pause before it is read again. */
const OUTLINE_MS = 120

/**
 * The services and the writer as the editor's section session sees them: the IPC client bound to
 * one open document, and the store's notices, conflict view, held sections and outline. `dispose`
 * stops its one timer (the outline's).
 */
export function createSessionHost(
  client: SectionedClient,
  store: StoreApi<AppState>,
  document: string,
  view: () => { readonly state: EditorState } | null
): SessionHost & { dispose(): void } {
  const get = () => store.getState()
  let outlineTimer: ReturnType<typeof setTimeout> | null = null
  const publishOutline = () => {
    const v = view()
    if (v && get().current === document) get().setOutline(outlineOf(v.state))
  }
  return {
    acquire: (sectionId) => client.call('locks:acquire', { document, sectionId }),
    release: (sectionId) => client.call('locks:release', { document, sectionId }),
    save: async (req) => {
      const r = await client.call('sections:save', { document, ...req })
      // The window's copy follows its own save from the answer; nothing is read again.
      if (r.ok)
        get().savedHere(document, [req.sectionId, ...(req.following ?? []).map((f) => f.sectionId)], r.value)
      return r
    },
    restore: async (req) => {
      const r = await client.call('history:restore', { document, ...req })
      if (r.ok) get().savedHere(document, [req.sectionId], r.value)
      return r
    },
    touch: (sectionId) => void client.call('locks:touch', { document, sectionId }),
    journal: async (entries) => (await client.call('journal:write', { document, entries })).ok,
    snapshot: () => client.call('documents:open', { document }),
    refresh: () => {
      if (get().current === document) void get().refresh()
    },
    notify: (n) =>
      get().notify({
        key: n.key,
        kind: n.kind,
        text: n.text,
        ...(n.draft ? { draft: { ...n.draft, journal: true } } : {})
      }),
    retract: (key) => get().retract(key),
    conflict: (c) => get().showConflict(c),
    heldChanged: (held) => get().setHeld(held),
    outlineChanged: () => {
      // The first outline at once; while typing, once the typing pauses.
      if (get().outline.length === 0) return publishOutline()
      if (outlineTimer) clearTimeout(outlineTimer)
      outlineTimer = setTimeout(() => {
        outlineTimer = null
        publishOutline()
      }, OUTLINE_MS)
    },
    dispose: () => {
      if (outlineTimer) clearTimeout(outlineTimer)
    }
  }
}
