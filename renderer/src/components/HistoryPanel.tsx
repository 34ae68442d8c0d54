import { diffLines } from 'diff'
import { useApp } from '../state/use-app'
import { snapshotSectionText } from '../state/document'
import { formatSince } from '../../../shared/format-time'

/** The lines that differ between a version and the section's current text. */
function Diff({ from, to }: { from: string; to: string }) {
  const parts = diffLines(from, to)
  if (parts.every((p) => !p.added && !p.removed)) return <p className="muted">Same as the current text.</p>
  return (
    <pre className="diff" data-testid="history-diff">
      {parts.map((p, i) => (
        <span key={i} className={p.added ? 'added' : p.removed ? 'removed' : 'same'}>
          {p.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line) => `${p.added ? '+ ' : p.removed ? '− ' : '  '}${line}`)
            .join('\n')}
          {'\n'}
        </span>
      ))}
    </pre>
  )
}

/**
 * Versions of one section: author, time, checksum state; diff against the current text; restore
 * (not for a read-only document: the services refuse it, and the button says why).
 */
export function HistoryPanel() {
  const history = useApp((s) => s.history)
  const snapshot = useApp((s) => s.snapshot)
  const restore = useApp((s) => s.restoreVersion)
  const close = useApp((s) => s.closeHistory)
  const now = useApp((s) => s.now)()
  if (!history || !snapshot) return null
  const current = snapshotSectionText(snapshot, history.sectionId) ?? ''
  const heading = snapshot.sections.find((s) => s.id === history.sectionId)?.heading || 'Preamble'
  return (
    <section className="history" aria-label="History" data-testid="history-panel">
      <header>
        <h2>History of “{heading}”</h2>
        <button className="close" aria-label="Close history" onClick={close}>
          ×
        </button>
      </header>
      {history.error && <p className="notice error">{history.error}</p>}
      {!history.error && history.versions.length === 0 && <p className="muted">No versions yet.</p>}
      {history.versions.length > 0 && (
        <p className="muted">Every version's checksum was verified when this list was read.</p>
      )}
      <ol>
        {history.versions.map((v) => (
          <li key={v.version} data-testid={`version-${v.version}`}>
            <details>
              <summary>
                <strong>v{v.version}</strong> · {v.author} · {formatSince(v.timestamp, now)} · {v.reason}
                {v.pinned ? ' · pinned' : ''}
                {v.beforeStructure ? ' · before a structure change' : ''}
                <span className="muted" title={v.sha256}>
                  {' '}
                  · ✓ {v.sha256.slice(0, 8)}
                </span>
              </summary>
              <Diff from={v.content} to={current} />
              <button
                data-testid={`restore-${v.version}`}
                disabled={v.content === current || snapshot.readOnly !== null}
                title={snapshot.readOnly ?? undefined}
                onClick={() => void restore(v.version)}
              >
                Restore this version
              </button>
            </details>
          </li>
        ))}
      </ol>
    </section>
  )
}
