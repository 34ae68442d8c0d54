import { EditorState } from '@codemirror/state'
import { EditorView } from '@codemirror/view'
import { MergeView } from '@codemirror/merge'
import { mergePage } from '../editor/writing-page'
import { useEffect, useRef } from 'react'
import { sectionName } from '../state/section-name'
import { useApp } from '../state/use-app'
import { useModal } from './use-modal'

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

/** A pane's name for screen readers. */
const named = (label: string) => EditorView.contentAttributes.of({ 'aria-label': label })

/**
 * Both texts of a section side by side (@codemirror/merge): the writer's on the left, editable, the
 * one on disk on the right. Keep mine, take theirs, or save the left pane as the merge. Nothing is
 * written until the writer chooses, and the writer's text is also kept as a draft on the main side.
 */
export function ConflictView() {
  const box = useRef<HTMLElement>(null)
  const conflict = useApp((s) => s.conflict)
  const resolve = useApp((s) => s.resolveConflict)
  // Named by its heading, never its id (sectionName).
  const name = useApp((s) => {
    const id = s.conflict?.sectionIds[0]
    return id === undefined ? '' : sectionName(s.snapshot, id, s.conflict?.mine)
  })
  const host = useRef<HTMLDivElement>(null)
  const merge = useRef<MergeView | null>(null)

  useEffect(() => {
    if (!conflict || !host.current) return
    const extensions = mergePage()
    const view = new MergeView({
      a: { doc: conflict.mine, extensions: [extensions, named('Your text')] },
      b: {
        doc: conflict.theirs ?? '',
        extensions: [extensions, named('The text in the file now'), EditorState.readOnly.of(true)]
      },
      parent: host.current,
      highlightChanges: true,
      gutter: true
    })
    merge.current = view
    return () => {
      view.destroy()
      merge.current = null
    }
  }, [conflict])

  // A conflict needs an answer: Esc does not close it, but the keyboard stays in it.
  useModal(box, null, conflict !== null)
  if (!conflict) return null
  const gone = conflict.theirs === null
  return (
    <div className="modal-backdrop">
      <section
        ref={box}
        className="modal conflict"
        role="dialog"
        aria-modal="true"
        aria-label="Conflict"
        tabIndex={-1}
        data-testid="conflict-view"
      >
        <h2>{capitalise(name)} changed while you were editing it</h2>
        <p className="muted">
          {gone
            ? 'The section is gone from the file on disk. Your text is kept as a draft; copy it from the left.'
            : 'Left: your text (you can edit it into a merge). Right: what is in the file now. Choose what to keep.'}
        </p>
        <div className="merge-labels">
          <span>Yours</span>
          <span>In the file now</span>
        </div>
        <div className="merge-host" ref={host} />
        <footer>
          {!gone && (
            <>
              <button data-testid="keep-mine" onClick={() => void resolve('mine')}>
                Keep mine
              </button>
              <button
                className="primary"
                data-testid="save-merged"
                onClick={() => void resolve('merged', merge.current?.a.state.doc.toString())}
              >
                Save the left pane
              </button>
            </>
          )}
          <button data-testid="take-theirs" onClick={() => void resolve('theirs')}>
            {gone ? 'Close' : 'Take theirs'}
          </button>
        </footer>
      </section>
    </div>
  )
}
