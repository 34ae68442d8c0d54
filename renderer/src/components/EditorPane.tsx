import { markdown } from '@codemirror/lang-markdown'
import { EditorSelection, EditorState, type ChangeDesc } from '@codemirror/state'
import { EditorView, keymap } from '@codemirror/view'
import { basicSetup } from 'codemirror'
import { useContext, useEffect, useRef } from 'react'
import { useShallow } from 'zustand/react/shallow'
import {
  applyRemoteSection,
  remoteUpdate,
  sectionLocking,
  sectionLocks,
  setSectionLocks,
  toCharRanges,
  userColour,
  type BlockedEdit,
  type SectionLock
} from '../editor'
import { mergedDocument, orphanedHeld, remoteDocumentSpec } from '../editor/remote-document'
import type { AppState } from '../state/store'
import { StoreContext, useApp } from '../state/use-app'
import { sinceLabel } from './format'

type Snapshot = NonNullable<AppState['snapshot']>

/** Sections with their lock state for the editor's lock field, from the store's view of the locks. */
function lockEntries(
  s: AppState,
  ranges: readonly { id: string; from: number; to: number }[]
): SectionLock[] {
  const docLock = s.locks.find((l) => l.kind === 'document' && !l.mine)
  return ranges.map((r) => {
    const lock = s.locks.find((l) => l.kind === 'section' && l.sectionId === r.id)
    const heading = s.snapshot?.sections.find((x) => x.id === r.id)?.heading || 'Preamble'
    const other = lock && !lock.mine ? lock : docLock
    return {
      id: r.id,
      from: r.from,
      to: r.to,
      heading,
      editable: Boolean(lock?.mine) && !docLock,
      ...(other
        ? {
            holder: {
              user: other.mineElsewhere ? `${other.holder.user} (another window)` : other.holder.user,
              host: other.holder.host,
              since: other.holder.since,
              colour: userColour(other.holder.ownerId)
            }
          }
        : {})
    }
  })
}

function charRanges(snap: Snapshot) {
  return toCharRanges(snap.text, snap.sections, { collapseCrlf: true })
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

/**
 * The whole document in CodeMirror. Only sections this window holds are editable (the lock
 * filter); typing into a free section takes its lock first and then applies what was typed;
 * other writers' saves arrive as remote transactions that leave the writer's cursor alone.
 */
export function EditorPane() {
  const store = useContext(StoreContext)
  const snapshot = useApp((s) => s.snapshot)
  const locks = useApp((s) => s.locks)
  const held = useApp(
    useShallow((s) => s.locks.filter((l) => l.mine && l.kind === 'section').map((l) => l.sectionId ?? ''))
  )
  const hostRef = useRef<HTMLDivElement>(null)
  const viewRef = useRef<EditorView | null>(null)
  const docRef = useRef<string | null>(null)
  const pending = useRef<{ sectionId: string; inserts: { from: number; to: number; text: string }[] } | null>(
    null
  )
  const autosave = useRef<ReturnType<typeof setTimeout> | null>(null)
  const preview = useRef<ReturnType<typeof setTimeout> | null>(null)
  const savedText = useRef(new Map<string, string>())

  const applyLocks = () => {
    const view = viewRef.current
    if (!view || !store) return
    const ranges = sectionLocks(view.state)
    view.dispatch({ effects: setSectionLocks.of(lockEntries(store.getState(), ranges)) })
  }

  const sectionText = (id: string): string | null => {
    const view = viewRef.current
    const sec = view ? sectionLocks(view.state).find((l) => l.id === id) : undefined
    return view && sec ? view.state.sliceDoc(sec.from, sec.to) : null
  }

  const saveHeld = async () => {
    if (!store) return
    for (const sec of sectionLocks(viewRef.current?.state ?? EditorState.create()).filter(
      (l) => l.editable
    )) {
      const text = sectionText(sec.id)
      if (text !== null && savedText.current.get(sec.id) !== text) {
        if (await store.getState().save(sec.id, text)) savedText.current.set(sec.id, text)
      }
    }
  }

  const done = async () => {
    if (!store) return
    await saveHeld()
    for (const id of store
      .getState()
      .locks.filter((l) => l.mine && l.kind === 'section')
      .map((l) => l.sectionId ?? '')) {
      await store.getState().release(id)
    }
    applyLocks()
  }

  /** Moves the cursor to the next (1) or previous (-1) section's heading. */
  const jumpSection = (view: EditorView, dir: 1 | -1): boolean => {
    const secs = sectionLocks(view.state)
    const head = view.state.selection.main.head
    const i = secs.findIndex((l) => head >= l.from && (head < l.to || l.to === view.state.doc.length))
    const target = secs[Math.min(secs.length - 1, Math.max(0, i + dir))]
    if (!target) return false
    view.dispatch({ selection: EditorSelection.cursor(target.from), scrollIntoView: true })
    return true
  }

  const blocked = (edit: BlockedEdit) => {
    if (!store) return
    const what = edit.heading ? `“${edit.heading}”` : 'This section'
    if (!edit.free && edit.holder) {
      store.getState().notify({
        kind: 'warning',
        text: `${what} is being edited by ${edit.holder.user} on ${edit.holder.host}, since ${sinceLabel(edit.holder.since)}.`
      })
    } else if (edit.free && !pending.current) {
      void takeLock(edit.sectionId)
    }
  }

  const takeLock = async (sectionId: string) => {
    if (!store) return
    pending.current ??= { sectionId, inserts: [] }
    const ok = await store.getState().acquire(sectionId)
    const queued = pending.current
    pending.current = null
    const view = viewRef.current
    if (!ok || !view) return
    applyLocks()
    savedText.current.set(sectionId, sectionText(sectionId) ?? '')
    // Apply what the writer typed while the lock was being taken, in order: each position was
    // taken before the earlier keystrokes landed, so it is mapped through them.
    let applied: ChangeDesc | null = null
    for (const ins of queued?.inserts ?? []) {
      const from = applied ? applied.mapPos(ins.from, 1) : ins.from
      const to = applied ? applied.mapPos(ins.to, 1) : ins.to
      const tr = view.state.update({
        changes: { from, to, insert: ins.text },
        selection: { anchor: from + ins.text.length },
        userEvent: 'input.type'
      })
      view.dispatch(tr)
      applied = applied ? applied.composeDesc(tr.changes.desc) : tr.changes.desc
    }
  }

  // Create the editor when a document is opened; apply remote changes when it is refreshed.
  useEffect(() => {
    if (!snapshot || !hostRef.current || !store) return
    const view = viewRef.current
    if (!view || docRef.current !== snapshot.document) {
      view?.destroy()
      savedText.current.clear()
      const state = EditorState.create({
        doc: snapshot.text,
        extensions: [
          basicSetup,
          markdown(),
          EditorView.lineWrapping,
          sectionLocking({ onBlockedEdit: blocked }),
          keymap.of([
            { key: 'Mod-s', preventDefault: true, run: () => (void saveHeld(), true) },
            { key: 'Mod-Enter', preventDefault: true, run: () => (void done(), true) },
            { key: 'Alt-ArrowDown', preventDefault: true, run: (v) => jumpSection(v, 1) },
            { key: 'Alt-ArrowUp', preventDefault: true, run: (v) => jumpSection(v, -1) }
          ]),
          EditorView.inputHandler.of((v, from, to, text) => {
            // Typing into a free section: keep the text, take the lock, then apply it.
            const sec = sectionLocks(v.state).find((l) => from >= l.from && from <= l.to && !l.editable)
            // A holder that stopped answering (stale) is taken over by typing, as a free section is taken.
            const stale = store.getState().locks.some((l) => l.sectionId === sec?.id && l.stale && !l.mine)
            if (!sec || (sec.holder && !stale)) return false
            if (pending.current && pending.current.sectionId !== sec.id) return true
            pending.current ??= { sectionId: sec.id, inserts: [] }
            pending.current.inserts.push({ from, to, text })
            if (pending.current.inserts.length === 1) void takeLock(sec.id)
            return true
          }),
          EditorView.updateListener.of((u) => {
            if (!u.docChanged) return
            if (preview.current) clearTimeout(preview.current)
            const doc = docRef.current
            preview.current = setTimeout(() => {
              if (docRef.current === doc) store.getState().setLiveText(u.view.state.doc.toString())
            }, 250)
            if (u.transactions.every((t) => t.annotation(remoteUpdate))) return
            for (const id of store
              .getState()
              .locks.filter((l) => l.mine)
              .map((l) => l.sectionId ?? '')) {
              store.getState().touch(id)
            }
            if (autosave.current) clearTimeout(autosave.current)
            autosave.current = setTimeout(() => void saveHeld(), 2_000)
          })
        ]
      })
      const next = new EditorView({ state, parent: hostRef.current })
      viewRef.current = next
      docRef.current = snapshot.document
      next.dispatch({ effects: setSectionLocks.of(lockEntries(store.getState(), charRanges(snapshot))) })
      store.getState().setTextProvider(sectionText)
      return
    }
    // Same document, newer server text: update every section this window does not hold.
    const ranges = charRanges(snapshot)
    const normalised = snapshot.text.replace(/\r\n/g, '\n')
    const current = sectionLocks(view.state)
    const sameShape = current.length === ranges.length && current.every((c, i) => c.id === ranges[i].id)
    if (sameShape) {
      for (const r of ranges) {
        const mine = current.find((c) => c.id === r.id)?.editable
        const fresh = normalised.slice(r.from, r.to)
        if (!mine && sectionText(r.id) !== fresh) applyRemoteSection(view, r.id, fresh)
      }
    } else {
      // Sections were added, deleted or moved: take the new shape, keeping the held sections' text.
      for (const gone of orphanedHeld(view.state, ranges)) {
        store
          .getState()
          .lockLost(gone.id, 'someone deleted the section', view.state.sliceDoc(gone.from, gone.to))
      }
      const merged = mergedDocument(view.state, normalised, ranges)
      view.dispatch(remoteDocumentSpec(view.state, merged.text, lockEntries(store.getState(), merged.ranges)))
    }
    applyLocks()
  }, [snapshot])

  // A conflict resolved to their text or a merge, or a re-applied draft: put it into the held section.
  const overwrite = useApp((s) => s.overwrite)
  useEffect(() => {
    const view = viewRef.current
    if (!overwrite || !view) return
    applyRemoteSection(view, overwrite.sectionId, overwrite.text)
    savedText.current.set(overwrite.sectionId, overwrite.text)
  }, [overwrite])

  // The writer picked a section in the outline: put the cursor on its heading and show it.
  const focus = useApp((s) => s.focus)
  useEffect(() => {
    const view = viewRef.current
    const sec = focus && view ? sectionLocks(view.state).find((l) => l.id === focus.sectionId) : undefined
    if (!view || !sec) return
    view.dispatch({ selection: EditorSelection.cursor(sec.from), scrollIntoView: true })
    view.focus()
  }, [focus])

  useEffect(() => applyLocks(), [locks])
  useEffect(() => () => viewRef.current?.destroy(), [])

  if (!snapshot) return <main className="editor empty">Open a document on the left.</main>
  return (
    <main className="editor">
      <div className="editor-toolbar">
        <strong>{snapshot.document}</strong>
        <span className="muted">
          {held.length ? `Editing: ${held.join(', ')}` : 'Click into a section and type to edit it.'}
        </span>
        <span style={{ flex: 1 }} />
        {held.length > 0 && (
          <>
            <button onClick={() => void saveHeld()}>Save (Ctrl+S)</button>
            <button className="primary" data-testid="done" onClick={() => void done()} title="Ctrl/⌘ Enter">
              Done
            </button>
          </>
        )}
        <StructureButton />
      </div>
      <div className="editor-host" ref={hostRef} data-testid="editor" />
    </main>
  )
}
