/**
 * The outline of what the editor shows: sections of others as the services know them, and the
 * sections this window edits read from their current text — a heading just typed is already a
 * section (not yet saved, so without an id), a heading just deleted is gone. So the outline always
 * equals the sections of the editor's text.
 */
import type { EditorState } from '@codemirror/state'
import { parseHeadings } from './headings'
import { isMine, sectionLocks } from './lock-state'
import type { SectionLock } from './lock-state'
import { lineOffsets } from './session-runs'

/** One entry of the outline. */
export interface OutlineItem {
  /** The section's id; null for a heading typed but not saved yet. */
  id: string | null
  heading: string
  /** 1–6; 0 for the preamble. */
  level: number
  /** Where it starts in the editor. */
  from: number
  /** This window holds it (or is taking it). */
  mine: boolean
}

/** The outline of `state` (see the module comment). */
export function outlineOf(state: EditorState): OutlineItem[] {
  const out: OutlineItem[] = []
  const all = sectionLocks(state)
  for (let i = 0; i < all.length;) {
    const s = all[i]
    if (!isMine(s)) {
      out.push({
        id: s.id,
        heading: s.heading ?? '',
        level: s.level ?? (i === 0 ? 0 : 1),
        from: s.from,
        mine: false
      })
      i++
      continue
    }
    const run: SectionLock[] = []
    while (i < all.length && isMine(all[i])) run.push(all[i++])
    out.push(...runOutline(state, run))
  }
  return out
}

function runOutline(state: EditorState, run: SectionLock[]): OutlineItem[] {
  const from = run[0].from
  const to = run[run.length - 1].to
  const text = state.sliceDoc(from, to)
  const offsets = lineOffsets(text)
  const byStart = new Map(run.map((s) => [s.from, s.id]))
  const out: OutlineItem[] = []
  const headings = parseHeadings(text, from === 0)
  if (run[0].id === 'preamble') {
    out.push({ id: run[0].id, heading: '', level: 0, from: 0, mine: true })
  }
  for (const h of headings) {
    const pos = from + offsets[h.line]
    const id = byStart.get(pos)
    out.push({
      id: id === 'preamble' ? null : (id ?? null),
      heading: h.heading,
      level: h.level,
      from: pos,
      mine: true
    })
  }
  return out
}
