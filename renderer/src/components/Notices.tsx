import { useApp } from '../state/use-app'

/** Messages for the writer; a lost lock's draft can be copied or re-applied from here. */
export function Notices() {
  const notices = useApp((s) => s.notices)
  const dismiss = useApp((s) => s.dismiss)
  const reapply = useApp((s) => s.reapplyDraft)
  const discard = useApp((s) => s.discardDraft)
  if (notices.length === 0) return null
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`} data-testid="notice">
          <p>{n.text}</p>
          {n.draft && (
            <details data-testid="draft">
              <summary>Your text (kept as a draft)</summary>
              <textarea readOnly value={n.draft.text} rows={6} />
              <button onClick={() => void navigator.clipboard?.writeText(n.draft?.text ?? '')}>Copy</button>
              <button
                data-testid="reapply-draft"
                onClick={async () => {
                  if (!n.draft || !(await reapply(n.draft.sectionId, n.draft.text))) return
                  if (n.draft.file) await discard(n.draft.file)
                  dismiss(n.id)
                }}
              >
                Re-apply (takes the section, saves your text)
              </button>
              {n.draft.file && (
                <button
                  onClick={async () => {
                    if (n.draft?.file) await discard(n.draft.file)
                    dismiss(n.id)
                  }}
                >
                  Discard
                </button>
              )}
            </details>
          )}
          <button className="close" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  )
}
