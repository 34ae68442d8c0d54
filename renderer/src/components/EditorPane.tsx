import { Compartment, EditorSelection, EditorState, type Extension } from '@codemirror/state'
import { EditorView, ViewPlugin } from '@codemirror/view'
import { useContext, useEffect, useRef } from 'react'
import type { StoreApi } from 'zustand'
import {
  SectionSession,
  sectionIndexAt,
  sectionLocking,
  sectionLocks,
  sessionOf,
  setSectionLocks,
  type BlockedEdit
} from '../editor'
import { describeHolder } from '../../../shared/format-time'
import { placeMemory, restorePlace } from '../editor/place-memory'
import { sectionsOfSnapshot } from '../editor/session-sync'
import { wordCount } from '../editor/word-count-plugin'
import { reconfigureWriting, writingPage } from '../editor/writing-page'
import { createSessionHost } from '../state/session-host'
import type { AppState } from '../state/store'
import { StoreContext, useApp } from '../state/use-app'
import { HeldStates } from './HeldStates'
import { PresenceChips } from './PresenceChips'

/** Tells the writer why a keystroke did nothing: someone holds the section, or the app is offline. */
function blockedNotice(store: StoreApi<AppState>, edit: BlockedEdit): void {
  const s = store.getState()
  if (edit.reason === 'offline') {
    s.notify({
      key: 'offline',
      kind: 'warning',
      text: 'Not connected to Sectioned: the editor is read-only until the connection is back. What you typed is kept.'
    })
    return
  }
  if (edit.reason === 'history') {
    s.notify({
      key: 'history-floor',
      kind: 'info',
      text: 'Undo and redo stop where you lost a section: what you had typed there before is in the kept draft.'
    })
    return
  }
  const what = edit.heading ? `“${edit.heading}”` : 'This section'
  s.notify({
    key: `held:${edit.sectionId}`,
    kind: 'warning',
    text: edit.holder
      ? `${what} is being edited by ${describeHolder(edit.holder, s.now())}.`
      : `${what} cannot be changed right now.`
  })
}

/**
 * Hands the editor's text to the preview while it is shown: when it opens, and a moment after the
 * writer stops typing. While it is hidden a keystroke costs nothing (the whole text is not copied
 * out of the editor). The timer and the subscription die with the view.
 */
function livePreviewText(store: StoreApi<AppState>) {
  return ViewPlugin.define((view) => {
    let timer: ReturnType<typeof setTimeout> | null = null
    let stale = false
    const hand = () => {
      stale = false
      store.getState().setLiveText(view.state.doc.toString())
    }
    const off = store.subscribe((s, prev) => {
      if (s.previewShown && !prev.previewShown && stale) hand()
    })
    return {
      update(u) {
        if (!u.docChanged) return
        stale = true
        if (!store.getState().previewShown) return
        if (timer) clearTimeout(timer)
        timer = setTimeout(() => {
          timer = null
          hand()
        }, 250)
      },
      destroy() {
        if (timer) clearTimeout(timer)
        off()
      }
    }
  })
}

/**
 * Tells the services which section the cursor is in (presence: other writers see it), through the
 * store's debounce; and that no document is open here any more when the view goes.
 */
function cursorPlace(store: StoreApi<AppState>, document: string) {
  return ViewPlugin.define((view) => {
    const report = () => {
      const locks = sectionLocks(view.state)
      const at = locks[sectionIndexAt(locks, view.state.selection.main.head)]
      store
        .getState()
        .placeAt({ document, sectionId: at?.id ?? null, heading: at ? (at.heading ?? null) : null })
    }
    report()
    return {
      update: report,
      destroy: () => store.getState().placeAt(null)
    }
  })
}

/** Structure mode: take the document lock to move and delete sections in the outline. */
function StructureButton() {
  const docLock = useApp((s) => s.locks.find((l) => l.kind === 'document'))
  const lockDocument = useApp((s) => s.lockDocument)
  const releaseDocument = useApp((s) => s.releaseDocument)
  if (docLock && !docLock.mine) return null
  return docLock ? (
    <button data-testid="finish-structure" onClick={() => void releaseDocument()}>
      Finish reorganising
    </button>
  ) : (
    <button
      data-testid="reorganise"
      onClick={() => void lockDocument()}
      title="Lock the whole document to move or delete sections"
    >
      Reorganise…
    </button>
  )
}

/** Whether the editor takes typing: off for a document the app must not rewrite (snapshot `readOnly`). */
const readOnlyMode = new Compartment()

function readOnlyExtension(readOnly: string | null): Extension {
  return readOnly ? [EditorState.readOnly.of(true), EditorView.editable.of(false)] : []
}

/**
 * Mounts the editor for the open document. Everything about sections — who may type where, taking
 * locks, saving, the journal, others' changes — is the section session's (renderer/src/editor);
 * this component builds the view, shows the toolbar, and forwards outline clicks.
 */
export function EditorPane() {
  const store = useContext(StoreContext)
  const opened = useApp((s) => s.opened)
  const document = useApp((s) => s.current)
  const held = useApp((s) => s.held)
  // 'connecting' after a drop is still offline (the transport retries with 'connecting' in between).
  const connected = useApp((s) => s.status === 'open')
  const focus = useApp((s) => s.focus)
  const session = useApp((s) => s.session)
  const readOnly = useApp((s) => s.snapshot?.readOnly ?? null)
  const writing = useApp((s) => s.writing)
  const hostRef = useRef<HTMLDivElement>(null)
  const viewRef = useRef<EditorView | null>(null)

  useEffect(() => {
    const parent = hostRef.current
    const { snapshot, current, client, now } = store?.getState() ?? {}
    if (!store || !parent || !snapshot || !current || !client || !now) return
    const host = createSessionHost(client, store, current, () => viewRef.current)
    const view = new EditorView({
      parent,
      state: EditorState.create({
        doc: snapshot.text,
        extensions: [
          // A writing page (reading font, measure, headings by size), not basicSetup's code editor.
          writingPage(store.getState().writing),
          // A name for screen readers (the text area is the page's main control). The explicit
          // tabindex changes nothing for the keyboard (a contenteditable is in the tab order
          // already) but tells checkers such as axe that the scrolling pane has focusable content.
          EditorView.contentAttributes.of({ 'aria-label': `Text of ${current}`, tabindex: '0' }),
          sectionLocking({
            onBlockedEdit: (edit) => blockedNotice(store, edit),
            session: (v) => new SectionSession(v, host)
          }),
          livePreviewText(store),
          cursorPlace(store, current),
          wordCount((words) => store.getState().setWords(words)),
          // Where the writer is, so the document opens there again (quick switcher, restart).
          placeMemory((place) => store.getState().placeChanged({ document: current, ...place })),
          // Not UTF-8, or a second name on disk: nothing may be typed, so nothing is ever rewritten.
          readOnlyMode.of(readOnlyExtension(snapshot.readOnly))
        ]
      })
    })
    viewRef.current = view
    view.dispatch({ effects: setSectionLocks.of(sectionsOfSnapshot(snapshot, now())) })
    const place = store.getState().places[current]
    if (place) restorePlace(view, place)
    const s = sessionOf(view)
    s?.builtFrom(snapshot.fileSha256)
    store.getState().attachSession(s)
    if (store.getState().status === 'closed') s?.setConnected(false)
    // The snapshot may be newer than the one the editor was built from (a refresh during mount).
    void store.getState().refresh()
    return () => {
      store.getState().attachSession(null)
      host.dispose()
      view.destroy()
      viewRef.current = null
    }
  }, [store, opened])

  // Settings changed the page (gutters, spelling): the open editor follows at once.
  useEffect(() => {
    viewRef.current?.dispatch({ effects: reconfigureWriting(writing) })
  }, [writing])

  // A document can become read-only while open (a hard link made to it): stop typing at once.
  useEffect(() => {
    viewRef.current?.dispatch({ effects: readOnlyMode.reconfigure(readOnlyExtension(readOnly)) })
  }, [readOnly])

  // The writer picked a heading in the outline: put it at the top of the view.
  useEffect(() => {
    const view = viewRef.current
    if (!view || !focus) return
    const pos = Math.min(focus.pos, view.state.doc.length)
    view.dispatch({
      selection: EditorSelection.cursor(pos),
      effects: EditorView.scrollIntoView(pos, { y: 'start' })
    })
    view.focus()
  }, [focus])

  // Closing the tab or window with unsaved text: journal and save now, and let the browser ask.
  useEffect(() => {
    if (!session) return
    // In Electron the main process holds the close until the page has flushed (app:flush); asking
    // there would cancel the close for good. In a browser the page can only ask.
    const ask = store?.getState().client.transportKind === 'web'
    const beforeUnload = (e: BeforeUnloadEvent) => {
      if (!session.hasUnsaved()) return
      void session.flush()
      if (!ask) return
      e.preventDefault()
      e.returnValue = ''
    }
    const pageHide = () => void session.flush()
    window.addEventListener('beforeunload', beforeUnload)
    window.addEventListener('pagehide', pageHide)
    return () => {
      window.removeEventListener('beforeunload', beforeUnload)
      window.removeEventListener('pagehide', pageHide)
    }
  }, [session, store])

  if (!document) return <main className="editor empty">Open a document on the left.</main>
  return (
    <main className={connected ? 'editor' : 'editor offline'}>
      {!connected && (
        <div className="offline-banner" role="alert" data-testid="offline-banner">
          Not connected to Sectioned — the editor is read-only. What you typed is kept on this computer;
          reconnecting…
        </div>
      )}
      {readOnly && (
        <div className="read-only-banner" role="status" data-testid="read-only-banner">
          {readOnly}
        </div>
      )}
      <div className="editor-toolbar">
        <strong>{document}</strong>
        <PresenceChips document={document} where="header" />
        <span className="muted" data-testid="editing">
          {!connected ? (
            held.some((h) => h.dirty) ? (
              'Read-only while disconnected; your unsaved text is kept.'
            ) : (
              'Read-only while disconnected.'
            )
          ) : readOnly ? (
            'Read-only.'
          ) : held.length ? (
            <HeldStates held={held} />
          ) : (
            'Click into a section and type to edit it.'
          )}
        </span>
        <span className="toolbar-actions">
          {held.length > 0 && connected && (
            <>
              <button data-testid="save" onClick={() => void session?.save()} title="Ctrl/⌘ S">
                Save
              </button>
              <button
                className="primary"
                data-testid="done"
                onClick={() => void session?.done()}
                title="Ctrl/⌘ Enter"
              >
                Done
              </button>
            </>
          )}
          {!readOnly && <StructureButton />}
        </span>
      </div>
      <div className="editor-host" ref={hostRef} data-testid="editor" />
    </main>
  )
}
