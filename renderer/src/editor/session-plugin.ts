/**
 * Binds a section session to an editor view: the view plugin feeds it every update and stops its
 * timers when the view goes away; the app's shortcuts are bound at the highest precedence, so they
 * win over CodeMirror's defaults (Mod-Enter would otherwise insert a blank line, Alt-↓/↑ move lines).
 */
import { EditorSelection, Facet, Prec } from '@codemirror/state'
import type { Extension } from '@codemirror/state'
import { EditorView, keymap, ViewPlugin } from '@codemirror/view'
import type { ViewUpdate } from '@codemirror/view'
import { redo, undo } from '@codemirror/commands'
import { guarded } from './lock-filter'
import { sectionLocks } from './lock-state'
import type { SectionSession } from './session'

/** The plugin instance: the session of this view. */
export class SessionPlugin {
  constructor(readonly session: SectionSession | null) {}

  update(u: ViewUpdate): void {
    this.session?.update(u.transactions)
  }

  destroy(): void {
    this.session?.destroy()
  }
}

/** Moves the cursor to the next (1) or previous (-1) section's heading; never changes text or locks. */
export function jumpSection(view: EditorView, dir: 1 | -1): boolean {
  const secs = sectionLocks(view.state).filter((s) => s.to > s.from)
  if (secs.length === 0) return false
  const head = view.state.selection.main.head
  let i = secs.findIndex((s) => head >= s.from && (head < s.to || s.to === view.state.doc.length))
  if (i < 0) i = 0
  const target = secs[Math.min(secs.length - 1, Math.max(0, i + dir))]
  view.dispatch({ selection: EditorSelection.cursor(target.from), scrollIntoView: true })
  return true
}

/** How the app builds the session of a view (its services and notices go in here). */
const sessionFactory = Facet.define<
  (view: EditorView) => SectionSession,
  ((view: EditorView) => SectionSession) | null
>({
  combine: (values) => values[0] ?? null
})

const sessionPlugin = ViewPlugin.define((view) => {
  const create = view.state.facet(sessionFactory)
  return new SessionPlugin(create ? create(view) : null)
})

/** The session of a view built with `sectionSession`, if any. */
export function sessionOf(view: EditorView): SectionSession | null {
  return view.plugin(sessionPlugin)?.session ?? null
}

/** The session extension: the plugin that runs the session `create` builds, and the app's shortcuts. */
export function sectionSession(create: (view: EditorView) => SectionSession): Extension {
  return [
    sessionFactory.of(create),
    sessionPlugin,
    // The Edit menu's Undo/Redo (and some IMEs) arrive as beforeinput history events, which
    // CodeMirror would run unguarded.
    Prec.highest(
      EditorView.domEventHandlers({
        beforeinput(event, view) {
          const command =
            event.inputType === 'historyUndo' ? undo : event.inputType === 'historyRedo' ? redo : null
          if (!command) return false
          event.preventDefault()
          guarded(command)(view)
          return true
        }
      })
    ),
    Prec.highest(
      keymap.of([
        { key: 'Mod-s', preventDefault: true, run: (v) => (void sessionOf(v)?.save(), true) },
        { key: 'Mod-Enter', preventDefault: true, run: (v) => (void sessionOf(v)?.done(), true) },
        { key: 'Alt-ArrowDown', preventDefault: true, run: (v) => jumpSection(v, 1) },
        { key: 'Alt-ArrowUp', preventDefault: true, run: (v) => jumpSection(v, -1) },
        { key: 'Mod-z', preventDefault: true, run: guarded(undo) },
        { key: 'Mod-y', mac: 'Mod-Shift-z', preventDefault: true, run: guarded(redo) },
        { key: 'Mod-Shift-z', preventDefault: true, run: guarded(redo) }
      ])
    )
  ]
}
