import { useShallow } from 'zustand/react/shallow'
import type { LockView } from '../../../shared/contract'
import { userColour } from '../editor/lock-decorations'
import { useApp } from '../state/use-app'
import { formatSince } from '../../../shared/format-time'

function Badge({ sectionId, lock, now }: { sectionId: string; lock: LockView; now: number }) {
  return (
    <span
      className={`badge ${lock.mine ? 'mine' : ''}`}
      data-testid={`badge-${sectionId}`}
      style={{ borderColor: userColour(lock.holder.ownerId) }}
      title={`${lock.holder.user} on ${lock.holder.host}, since ${formatSince(lock.holder.since, now)}${lock.stale ? ' (not answering)' : ''}`}
    >
      <span className="swatch" style={{ background: userColour(lock.holder.ownerId) }} />
      {lock.mine ? 'You' : lock.mineElsewhere ? 'You (other window)' : lock.holder.user}
      <span className="muted">
        {' '}
        · {lock.holder.host} · {formatSince(lock.holder.since, now)}
        {lock.stale ? ' · not answering' : ''}
      </span>
    </span>
  )
}

/**
 * The sections of what the editor shows (headings typed but not saved yet included), with a badge on
 * each locked one (holder, computer, since when, a colour per writer); per section: history, "request
 * edit" when someone else holds it, and in structure mode (the document lock) move up/down and delete.
 */
export function Outline() {
  const { outline, locks, outgoing, document } = useApp(
    useShallow((s) => ({ outline: s.outline, locks: s.locks, outgoing: s.outgoing, document: s.current }))
  )
  const actions = useApp(
    useShallow((s) => ({
      focus: s.focusAt,
      history: s.showHistory,
      request: s.requestEdit,
      move: s.moveSection,
      remove: s.deleteSection,
      now: s.now
    }))
  )
  if (!document) return null
  const docLock = locks.find((l) => l.kind === 'document')
  const structure = docLock?.mine === true
  const asked = new Set(Object.values(outgoing).map((o) => o.sectionId))
  const ids = outline.map((s) => s.id)
  return (
    <nav className="outline" aria-label="Sections" data-testid="outline">
      <h2>Sections</h2>
      {docLock && (
        <p className="doc-lock" data-testid="document-lock">
          Whole document locked by {docLock.mine ? 'you' : `${docLock.holder.user} on ${docLock.holder.host}`}{' '}
          (structure change)
        </p>
      )}
      <ul>
        {outline.map((s, i) => {
          const id = s.id
          const lock = id === null ? undefined : locks.find((l) => l.kind === 'section' && l.sectionId === id)
          const heldByOther = lock
            ? !lock.mine && !lock.mineElsewhere
            : docLock !== undefined && !docLock.mine
          return (
            <li
              key={id ?? `new-${s.from}`}
              style={{ paddingLeft: `${Math.max(0, s.level - 1) * 12}px` }}
              data-section={id ?? ''}
              data-testid="outline-item"
            >
              <button
                className="heading link"
                onClick={() => actions.focus(s.from)}
                title="Go to this section"
              >
                {s.heading || 'Preamble'}
              </button>
              {id === null && (
                <span className="badge mine" title="A heading you typed: it becomes a section when you save">
                  new
                </span>
              )}
              {lock && id !== null && <Badge sectionId={id} lock={lock} now={actions.now()} />}
              {id !== null && (
                <span className="section-actions">
                  <button
                    className="small"
                    data-testid={`history-${id}`}
                    onClick={() => void actions.history(id)}
                    title="Versions of this section"
                  >
                    History
                  </button>
                  {heldByOther && (
                    <button
                      className="small"
                      data-testid={`request-${id}`}
                      disabled={asked.has(id)}
                      onClick={() => void actions.request(id)}
                    >
                      {asked.has(id) ? 'Asked…' : 'Request edit'}
                    </button>
                  )}
                  {structure && id !== 'preamble' && (
                    <>
                      <button
                        className="small"
                        aria-label={`Move ${s.heading} up`}
                        disabled={i <= 1}
                        onClick={() => void actions.move(id, ids[i - 1] ?? null)}
                      >
                        ↑
                      </button>
                      <button
                        className="small"
                        aria-label={`Move ${s.heading} down`}
                        disabled={i === ids.length - 1}
                        onClick={() => void actions.move(id, ids[i + 2] ?? null)}
                      >
                        ↓
                      </button>
                      <button
                        className="small danger"
                        data-testid={`delete-${id}`}
                        onClick={() => {
                          if (
                            window.confirm(
                              `Delete “${s.heading}”? Its text stays in the history and in a backup.`
                            )
                          )
                            void actions.remove(id)
                        }}
                      >
                        Delete
                      </button>
                    </>
                  )}
                </span>
              )}
            </li>
          )
        })}
      </ul>
    </nav>
  )
}
