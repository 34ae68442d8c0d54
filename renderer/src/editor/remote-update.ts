/**
 * Text another writer saved, applied in place: one transaction that replaces exactly one section,
 * passes the lock filter (annotated `remoteUpdate`), stays out of the local undo history, and
 * leaves the writer's cursor where it was in their own text.
 */
import { EditorSelection, EditorState, Transaction } from '@codemirror/state'
import type { ChangeSet, TransactionSpec } from '@codemirror/state'
import type { EditorView } from '@codemirror/view'
import { remoteUpdate } from './lock-filter'
import { findSection, sectionLocks, setSectionRange } from './lock-state'
import type { SectionLock } from './lock-state'
import { indexOfSection } from './section-index'

/**
 * The transaction spec that puts `newText` (the section's whole text, heading included) in place
 * of section `sectionId`, or null when the section is unknown or already has that text. The caller
 * decides whether to apply it to a section this window holds (normally: open the conflict view).
 */
export function remoteSectionSpec(
  state: EditorState,
  sectionId: string,
  newText: string
): TransactionSpec | null {
  const section = findSection(state, sectionId)
  if (!section) return null
  const before = state.doc.sliceString(section.from, section.to)
  // Line breaks as the document stores them (CRLF from disk becomes one break), so lengths agree.
  const after = state.toText(newText).sliceString(0)
  if (before === after) return null
  let prefix = 0
  const max = Math.min(before.length, after.length)
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++
  let suffix = 0
  while (
    suffix < max - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  )
    suffix++
  // A pure insertion at the section's edge would sit on a boundary that mapping may hand to the
  // neighbour; replacing one unchanged character keeps the change visibly inside the section.
  if (prefix + suffix === before.length && before.length > 0 && (prefix === 0 || suffix === 0)) {
    if (prefix === 0) suffix--
    else prefix--
  }
  const changes = state.changes({
    from: section.from + prefix,
    to: section.to - suffix,
    insert: after.slice(prefix, after.length - suffix)
  })
  return {
    changes,
    selection: keepSelection(state, section, changes),
    effects: setSectionRange.of({ id: sectionId, from: section.from, to: section.from + after.length }),
    annotations: [remoteUpdate.of(true), Transaction.addToHistory.of(false)]
  }
}

/**
 * Maps the selection so that a cursor before the section stays put, one after it moves by the
 * length difference, and one at a shared edge stays in the section it was in — also when the
 * remote section was empty, where plain mapping would pull the cursor into the new text.
 */
function keepSelection(state: EditorState, section: SectionLock, changes: ChangeSet): EditorSelection {
  // A non-empty section starting where this one ends: only the ones right after it can.
  const locks = sectionLocks(state)
  let nextStartsHere = false
  for (let j = indexOfSection(locks, section.id) + 1; j < locks.length && locks[j].from === section.to; j++)
    if (locks[j].to > locks[j].from) nextStartsHere = true
  const map = (pos: number) => {
    const after = pos > section.to || (pos === section.to && (section.from < section.to || nextStartsHere))
    return changes.mapPos(pos, after ? 1 : -1)
  }
  const ranges = state.selection.ranges.map((r) =>
    r.empty
      ? EditorSelection.cursor(map(r.head), r.assoc, r.bidiLevel ?? undefined, r.goalColumn)
      : EditorSelection.range(map(r.anchor), map(r.head), r.goalColumn, r.bidiLevel ?? undefined)
  )
  return EditorSelection.create(ranges, state.selection.mainIndex)
}

/**
 * Applies another writer's text for one section. Given a state, returns the transaction (read its
 * `.state`); given a view, dispatches it and returns it. Null when there was nothing to apply.
 */
export function applyRemoteSection(
  target: EditorState | EditorView,
  sectionId: string,
  newText: string
): Transaction | null {
  const state = target instanceof EditorState ? target : target.state
  const spec = remoteSectionSpec(state, sectionId, newText)
  if (!spec) return null
  const tr = state.update(spec)
  if (!(target instanceof EditorState)) target.dispatch(tr)
  return tr
}
