import { markdown } from '@codemirror/lang-markdown'
import { EditorState, type ChangeDesc } from '@codemirror/state'
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
          keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (void saveHeld(), true) }]),
          EditorView.inputHandler.of((v, from, to, text) => {
            // Typing into a free section: keep the text, take the lock, then apply it.
            const sec = sectionLocks(v.state).find((l) => from >= l.from && from <= l.to && !l.editable)
            if (!sec || sec.holder) return false
            if (pending.current && pending.current.sectionId !== sec.id) return true
            pending.current ??= { sectionId: sec.id, inserts: [] }
            pending.current.inserts.push({ from, to, text })
            if (pending.current.inserts.length === 1) void takeLock(sec.id)
            return true
          }),
          EditorView.updateListener.of((u) => {
            if (!u.docChanged || u.transactions.every((t) => t.annotation(remoteUpdate))) return
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
    } else if (!current.some((c) => c.editable)) {
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: normalised },
        annotations: remoteUpdate.of(true),
        effects: setSectionLocks.of(lockEntries(store.getState(), ranges))
      })
    }
    applyLocks()
  }, [snapshot])

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
            <button
              className="primary"
              onClick={async () => {
                await saveHeld()
                for (const id of held) await store?.getState().release(id)
                applyLocks()
              }}
            >
              Done
            </button>
          </>
        )}
      </div>
      <div className="editor-host" ref={hostRef} data-testid="editor" />
    </main>
  )
}
