/**
 * Another writer changed the *shape* of the document (added, deleted or moved sections) while this
 * window holds sections: everything but the held sections takes the new text, the held sections
 * keep the writer's unsaved text, and the change is applied as a line diff, so the writer's cursor
 * in their own section stays where it was.
 */
import { Transaction, type ChangeSpec, type EditorState, type TransactionSpec } from '@codemirror/state'
import { diffLines } from 'diff'
import { remoteUpdate } from './lock-filter'
import { sectionLocks, setSectionLocks, type SectionLock } from './lock-state'
import type { CharRange } from '../../../shared/section-ranges'

/**
 * The document to show: the server's text and sections, with each section this window holds
 * (editable in `state`) replaced by the writer's current text of it. Returns the text and the
 * sections' ranges in it. A held section the server no longer has is left out of the ranges but
 * kept nowhere — the caller keeps it as a draft first (see `planSnapshot`'s orphans).
 */
export function mergedDocument(
  state: EditorState,
  serverText: string,
  serverRanges: readonly CharRange[]
): { text: string; ranges: CharRange[] } {
  const held = new Map(
    sectionLocks(state)
      .filter((l) => l.editable)
      .map((l) => [l.id, state.doc.sliceString(l.from, l.to)] as const)
  )
  const parts: string[] = []
  const ranges: CharRange[] = []
  let at = 0
  let pos = 0
  for (const r of serverRanges) {
    // Text between sections (none today, but a range list need not be contiguous).
    if (r.from > at) {
      parts.push(serverText.slice(at, r.from))
      pos += r.from - at
    }
    const text = held.get(r.id) ?? serverText.slice(r.from, r.to)
    parts.push(text)
    ranges.push({ id: r.id, from: pos, to: pos + text.length })
    pos += text.length
    at = r.to
  }
  parts.push(serverText.slice(at))
  return { text: parts.join(''), ranges }
}

/**
 * The transaction that turns the editor's document into `text` by changing only the lines that
 * differ, with the new section ranges. `locks` are the lock entries for those ranges.
 */
export function remoteDocumentSpec(
  state: EditorState,
  text: string,
  locks: readonly SectionLock[]
): TransactionSpec {
  const changes: ChangeSpec[] = []
  let pos = 0
  for (const part of diffLines(state.doc.toString(), text)) {
    if (part.removed) {
      changes.push({ from: pos, to: pos + part.value.length })
      pos += part.value.length
    } else if (part.added) changes.push({ from: pos, insert: part.value })
    else pos += part.value.length
  }
  return {
    changes,
    effects: setSectionLocks.of(locks),
    annotations: [remoteUpdate.of(true), Transaction.addToHistory.of(false)]
  }
}
