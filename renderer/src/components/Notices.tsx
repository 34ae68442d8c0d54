import { useApp } from '../state/use-app'
import type { Notice } from '../state/notices'

/** Kept text (a lost lock's draft, refused typing, a closed window's journal): copy, re-apply or discard. */
function Kept({ notice }: { notice: Notice & { draft: NonNullable<Notice['draft']> } }) {
  const dismiss = useApp((s) => s.dismiss)
  const reapply = useApp((s) => s.reapply)
  const discard = useApp((s) => s.discardKept)
  const kept = notice.draft
  return (
    <details data-testid="draft">
      <summary>Your text (kept as a draft)</summary>
      <textarea readOnly value={kept.text} rows={6} />
      <button onClick={() => void navigator.clipboard?.writeText(kept.text)}>Copy</button>
      {!kept.copyOnly && (
        <button
          data-testid="reapply-draft"
          onClick={async () => {
            if (await reapply(kept)) dismiss(notice.id)
          }}
        >
          Re-apply (takes the section, saves your text)
        </button>
      )}
      <button
        data-testid="discard-draft"
        onClick={async () => {
          await discard(kept)
          dismiss(notice.id)
        }}
      >
        Discard
      </button>
    </details>
  )
}

/** Messages for the writer, one per cause; kept text can be copied, re-applied or discarded from here. */
export function Notices() {
  const notices = useApp((s) => s.notices)
  const dismiss = useApp((s) => s.dismiss)
  if (notices.length === 0) return null
  return (
    <div className="notices" role="status" aria-live="polite" data-testid="notices">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`} data-testid="notice" data-key={n.key}>
          <p>{n.text}</p>
          {n.draft && <Kept notice={{ ...n, draft: n.draft }} />}
          <button className="close" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  )
}
