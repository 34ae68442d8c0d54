import type { HeldView } from '../editor'

/** Where a held section's text is: being taken, typed and not saved yet, on its way, or saved. */
export type HeldState = 'taking' | 'unsaved' | 'saving' | 'saved'

/** The state a held section shows. */
export function heldState(h: HeldView): HeldState {
  if (h.phase === 'acquiring') return 'taking'
  if (h.saving) return 'saving'
  return h.dirty ? 'unsaved' : 'saved'
}

const WORDS: Record<HeldState, string> = {
  taking: 'taking…',
  unsaved: 'unsaved',
  saving: 'saving…',
  saved: 'saved'
}

/** "Editing: Budget · saved, Plans · unsaved" — each held section by its heading and its state. */
export function HeldStates({ held }: { held: readonly HeldView[] }) {
  return (
    <>
      Editing:{' '}
      {held.map((h, i) => {
        const state = heldState(h)
        return (
          <span key={h.id} className={`held-state ${state}`} data-testid="held-state" data-state={state}>
            {h.heading}
            <span className="held-state-word"> · {WORDS[state]}</span>
            {i < held.length - 1 ? ', ' : ''}
          </span>
        )
      })}
    </>
  )
}
