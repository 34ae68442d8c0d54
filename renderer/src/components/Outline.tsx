import { useShallow } from 'zustand/react/shallow'
import { userColour } from '../editor/lock-decorations'
import { useApp } from '../state/use-app'
import { sinceLabel } from './format'

/** The document's sections with a badge on each locked one: holder, computer, since when, a colour per writer. */
export function Outline() {
  const { snapshot, locks } = useApp(useShallow((s) => ({ snapshot: s.snapshot, locks: s.locks })))
  if (!snapshot) return null
  const docLock = locks.find((l) => l.kind === 'document')
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
        {snapshot.sections.map((s) => {
          const lock = locks.find((l) => l.kind === 'section' && l.sectionId === s.id)
          return (
            <li key={s.id} style={{ paddingLeft: `${Math.max(0, s.level - 1) * 12}px` }} data-section={s.id}>
              <span className="heading">{s.heading || 'Preamble'}</span>
              {lock && (
                <span
                  className={`badge ${lock.mine ? 'mine' : ''}`}
                  data-testid={`badge-${s.id}`}
                  style={{ borderColor: userColour(lock.holder.ownerId) }}
                  title={`${lock.holder.user} on ${lock.holder.host}, since ${sinceLabel(lock.holder.since)}${lock.stale ? ' (not answering)' : ''}`}
                >
                  <span className="swatch" style={{ background: userColour(lock.holder.ownerId) }} />
                  {lock.mine ? 'You' : lock.mineElsewhere ? 'You (other window)' : lock.holder.user}
                  <span className="muted">
                    {' '}
                    · {lock.holder.host} · {sinceLabel(lock.holder.since)}
                  </span>
                </span>
              )}
            </li>
          )
        })}
      </ul>
    </nav>
  )
}
