import { useEffect, useRef } from 'react'
import { diffWordsWithSpace } from 'diff'
import { useApp } from '../state/use-app'
import { snapshotSectionText } from '../state/document'
import type { DeletedSection, Version } from '../state/history'
import { formatSince } from '../../../shared/format-time'

/**
 * What changed between a version and the section's current text, word by word (a changed word in a
 * long paragraph is one mark, not two whole lines): removed words struck through, added ones marked.
 */
function Diff({ from, to }: { from: string; to: string }) {
  const parts = diffWordsWithSpace(from, to)
  if (parts.every((p) => !p.added && !p.removed)) return <p className="muted">Same as the current text.</p>
  return (
    <div
      className="diff"
      data-testid="history-diff"
      aria-label="Changes from this version to the current text"
    >
      {parts.map((p, i) =>
        p.added ? (
          <ins key={i} className="added">
            {p.value}
          </ins>
        ) : p.removed ? (
          <del key={i} className="removed">
            {p.value}
          </del>
        ) : (
          <span key={i}>{p.value}</span>
        )
      )}
    </div>
  )
}

function Summary({ v, now }: { v: Version; now: number }) {
  return (
    <summary>
      <strong>v{v.version}</strong> · {v.author} · {formatSince(v.timestamp, now)} · {v.reason}
      {v.pinned ? ' · pinned' : ''}
      {v.beforeStructure ? ' · before a structure change' : ''}
      <span className="muted" title={v.sha256}>
        {' '}
        · ✓ {v.sha256.slice(0, 8)}
      </span>
    </summary>
  )
}

/** The sections the document no longer has, newest loss first: each opens its versions. */
function DeletedList({ sections, error }: { sections: DeletedSection[]; error: string | null }) {
  const show = useApp((s) => s.showHistory)
  const now = useApp((s) => s.now)()
  if (error) return <p className="notice error">{error}</p>
  if (sections.length === 0) return <p className="muted">No deleted sections have history here.</p>
  return (
    <ul className="deleted-sections" data-testid="deleted-sections">
      {sections.map((d) => (
        <li key={d.sectionId}>
          <button className="link" onClick={() => void show(d.sectionId, { deleted: true })}>
            {d.last.heading || 'Preamble'}
          </button>{' '}
          <span className="muted">
            · {d.versions} version{d.versions === 1 ? '' : 's'} · last by {d.last.author},{' '}
            {formatSince(d.last.timestamp, now)}
          </span>
        </li>
      ))}
    </ul>
  )
}

/**
 * Versions of one section: author, time, checksum state; a word-level diff against the current
 * text; restore (not for a read-only document: the services refuse it, and the button says why).
 * Follows new saves while open (its own and other writers'). Also the document's deleted sections,
 * whose versions can be read and copied.
 */
export function HistoryPanel() {
  const history = useApp((s) => s.history)
  const deletedSections = useApp((s) => s.deletedSections)
  const snapshot = useApp((s) => s.snapshot)
  const restore = useApp((s) => s.restoreVersion)
  const refresh = useApp((s) => s.refreshHistory)
  const showDeleted = useApp((s) => s.showDeletedSections)
  const close = useApp((s) => s.closeHistory)
  const now = useApp((s) => s.now)()
  const sectionSha = history && snapshot?.sections.find((s) => s.id === history.sectionId)?.sha256
  // A save of this section (here or by anyone) makes a version: list again. Not on opening (shown).
  const listedFor = useRef<string | null | undefined>(undefined)
  useEffect(() => {
    if (listedFor.current !== undefined && listedFor.current !== sectionSha) void refresh()
    listedFor.current = sectionSha
  }, [sectionSha, refresh])
  if (!snapshot || (!history && !deletedSections)) return null
  if (!history) {
    return (
      <section className="history" aria-label="History" data-testid="history-panel">
        <header>
          <h2>Deleted sections of {snapshot.document}</h2>
          <button className="close" aria-label="Close history" onClick={close}>
            ×
          </button>
        </header>
        <DeletedList sections={deletedSections?.sections ?? []} error={deletedSections?.error ?? null} />
      </section>
    )
  }
  const deleted = history.deleted === true
  const current = deleted ? '' : (snapshotSectionText(snapshot, history.sectionId) ?? '')
  const heading =
    (deleted
      ? history.versions[0]?.heading
      : snapshot.sections.find((s) => s.id === history.sectionId)?.heading) || 'Preamble'
  return (
    <section className="history" aria-label="History" data-testid="history-panel">
      <header>
        <h2>
          History of “{heading}”{deleted ? ' (deleted)' : ''}
        </h2>
        <button className="link" data-testid="show-deleted-sections" onClick={() => void showDeleted()}>
          {deleted ? '← Deleted sections' : 'Deleted sections'}
        </button>
        <button className="close" aria-label="Close history" onClick={close}>
          ×
        </button>
      </header>
      {history.error && <p className="notice error">{history.error}</p>}
      {!history.error && history.versions.length === 0 && <p className="muted">No versions yet.</p>}
      {history.versions.length > 0 && (
        <p className="muted">
          Every version's checksum was verified when this list was read.
          {deleted ? ' The document no longer has this section: copy a version’s text to use it again.' : ''}
        </p>
      )}
      <ol>
        {history.versions.map((v) => (
          <li key={v.version} data-testid={`version-${v.version}`}>
            <details>
              <Summary v={v} now={now} />
              {deleted ? <pre className="diff">{v.content}</pre> : <Diff from={v.content} to={current} />}
              {deleted ? (
                <button onClick={() => void navigator.clipboard?.writeText(v.content)}>
                  Copy this version
                </button>
              ) : (
                <button
                  data-testid={`restore-${v.version}`}
                  disabled={v.content === current || snapshot.readOnly !== null}
                  title={snapshot.readOnly ?? undefined}
                  onClick={() => void restore(v.version)}
                >
                  Restore this version
                </button>
              )}
            </details>
          </li>
        ))}
      </ol>
    </section>
  )
}
