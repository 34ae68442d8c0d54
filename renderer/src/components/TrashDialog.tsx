import { useEffect, useRef, useState } from 'react'
import type { ResponseOf } from '../../../shared/contract'
import { formatSince } from '../../../shared/format-time'
import { useApp } from '../state/use-app'
import { useModal } from './use-modal'

type Entry = ResponseOf<'files:trash-list'>['entries'][number]

/**
 * The app's trash (`.sectioned/trash/`): what was deleted, by whom and when, newest first, each
 * with Restore — which puts the document, with its history, back where it was (refused with the
 * reason when that name is taken now). Esc or Close leaves it.
 */
export function TrashDialog({ onClose }: { onClose: () => void }) {
  const client = useApp((s) => s.client)
  const notify = useApp((s) => s.notify)
  const loadWorkspace = useApp((s) => s.loadWorkspace)
  const open = useApp((s) => s.open)
  const now = useApp((s) => s.now)
  const [entries, setEntries] = useState<Entry[] | null>(null)

  // Read when shown and again after each restore.
  const [reads, setReads] = useState(0)
  useEffect(() => {
    let live = true
    void client.call('files:trash-list', {}).then((r) => {
      if (!live) return
      if (r.ok) return setEntries(r.value.entries)
      notify({ kind: 'error', text: r.error.message })
      onClose()
    })
    return () => {
      live = false
    }
  }, [client, notify, onClose, reads])

  const box = useRef<HTMLElement>(null)
  useModal(box, onClose)

  const restore = async (entry: Entry) => {
    const r = await client.call('files:restore', { id: entry.id })
    if (!r.ok) return notify({ kind: 'error', text: r.error.message })
    notify({ kind: 'info', text: `“${r.value.document}” is back, with its history.` })
    setReads((n) => n + 1)
    await loadWorkspace()
    await open(r.value.document)
  }

  return (
    <div className="modal-backdrop">
      <section
        ref={box}
        className="modal trash"
        role="dialog"
        aria-modal="true"
        aria-label="Trash"
        tabIndex={-1}
      >
        <h2>Trash</h2>
        {entries === null && <p className="muted">Reading the trash…</p>}
        {entries?.length === 0 && <p className="muted">The trash is empty.</p>}
        {entries && entries.length > 0 && (
          <ul className="trash-list">
            {entries.map((e) => (
              <li key={e.id}>
                <span className="trash-name" title={e.original}>
                  {e.original}
                </span>
                <span className="muted">
                  deleted by {e.by} on {e.host}, {formatSince(e.at, now())}
                </span>
                <button onClick={() => void restore(e)} aria-label={`Restore ${e.original}`}>
                  Restore
                </button>
              </li>
            ))}
          </ul>
        )}
        <footer>
          <button autoFocus onClick={onClose}>
            Close
          </button>
        </footer>
      </section>
    </div>
  )
}
