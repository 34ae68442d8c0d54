import { useApp } from '../state/use-app'
import { formatSince } from '../../../shared/format-time'

/** Other writers asking for sections this writer holds: release (after saving) or decline. */
export function RequestsBar() {
  const incoming = useApp((s) => s.incoming)
  const answer = useApp((s) => s.answerRequest)
  const now = useApp((s) => s.now)()
  if (incoming.length === 0) return null
  return (
    <div className="requests" role="alert">
      {incoming.map((r) => (
        <div key={r.id} className="request" data-testid="edit-request">
          <span>
            <strong>{r.from.user}</strong> on {r.from.host} asks to edit “{r.heading}” ({r.document}) ·{' '}
            {formatSince(r.at, now)}
          </span>
          <button
            className="primary"
            data-testid="release-request"
            onClick={() => void answer(r.id, 'released')}
          >
            Save and release
          </button>
          <button data-testid="decline-request" onClick={() => void answer(r.id, 'declined')}>
            Keep editing
          </button>
        </div>
      ))}
    </div>
  )
}
