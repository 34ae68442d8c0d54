import { useShallow } from 'zustand/react/shallow'
import type { LockView } from '../../../shared/contract'
import { userColour } from '../editor/lock-decorations'
import { useApp } from '../state/use-app'
import { sinceLabel } from './format'

function Badge({ sectionId, lock }: { sectionId: string; lock: LockView }) {
  return (
    <span
      className={`badge ${lock.mine ? 'mine' : ''}`}
      data-testid={`badge-${sectionId}`}
      style={{ borderColor: userColour(lock.holder.ownerId) }}
      title={`${lock.holder.user} on ${lock.holder.host}, since ${sinceLabel(lock.holder.since)}${lock.stale ? ' (not answering)' : ''}`}
    >
      <span className="swatch" style={{ background: userColour(lock.holder.ownerId) }} />
      {lock.mine ? 'You' : lock.mineElsewhere ? 'You (other window)' : lock.holder.user}
      <span className="muted">
        {' '}
        · {lock.holder.host} · {sinceLabel(lock.holder.since)}
        {lock.stale ? ' · not answering' : ''}
      </span>
    </span>
  )
}

/**
 * The document's sections with a badge on each locked one (holder, computer, since when, a colour
 * per writer); per section: history, "request edit" when someone else holds it, and in structure
 * mode (the document lock) move up/down and delete.
 */
export function Outline() {
  const { snapshot, locks, outgoing } = useApp(
    useShallow((s) => ({ snapshot: s.snapshot, locks: s.locks, outgoing: s.outgoing }))
  )
  const actions = useApp(
    useShallow((s) => ({
      focus: s.focusSection,
      history: s.showHistory,
      request: s.requestEdit,
      move: s.moveSection,
      remove: s.deleteSection
    }))
  )
  if (!snapshot) return null
  const docLock = locks.find((l) => l.kind === 'document')
  const structure = docLock?.mine === true
  const asked = new Set(Object.values(outgoing).map((o) => o.sectionId))
  const ids = snapshot.sections.map((s) => s.id)
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
        {snapshot.sections.map((s, i) => {
          const lock = locks.find((l) => l.kind === 'section' && l.sectionId === s.id)
          const heldByOther = lock
            ? !lock.mine && !lock.mineElsewhere
            : docLock !== undefined && !docLock.mine
          return (
            <li key={s.id} style={{ paddingLeft: `${Math.max(0, s.level - 1) * 12}px` }} data-section={s.id}>
              <button className="heading link" onClick={() => actions.focus(s.id)} title="Go to this section">
                {s.heading || 'Preamble'}
              </button>
              {lock && <Badge sectionId={s.id} lock={lock} />}
              <span className="section-actions">
                <button
                  className="small"
                  data-testid={`history-${s.id}`}
                  onClick={() => void actions.history(s.id)}
                  title="Versions of this section"
                >
                  History
                </button>
                {heldByOther && (
                  <button
                    className="small"
                    data-testid={`request-${s.id}`}
                    disabled={asked.has(s.id)}
                    onClick={() => void actions.request(s.id)}
                  >
                    {asked.has(s.id) ? 'Asked…' : 'Request edit'}
                  </button>
                )}
                {structure && s.id !== 'preamble' && (
                  <>
                    <button
                      className="small"
                      aria-label={`Move ${s.heading} up`}
                      disabled={i <= 1}
                      onClick={() => void actions.move(s.id, ids[i - 1])}
                    >
                      ↑
                    </button>
                    <button
                      className="small"
                      aria-label={`Move ${s.heading} down`}
                      disabled={i === ids.length - 1}
                      onClick={() => void actions.move(s.id, ids[i + 2] ?? null)}
                    >
                      ↓
                    </button>
                    <button
                      className="small danger"
                      data-testid={`delete-${s.id}`}
                      onClick={() => {
                        if (
                          window.confirm(
                            `Delete “${s.heading}”? Its text stays in the history and in a backup.`
                          )
                        )
                          void actions.remove(s.id)
                      }}
                    >
                      Delete
                    </button>
                  </>
                )}
              </span>
            </li>
          )
        })}
      </ul>
    </nav>
  )
}
