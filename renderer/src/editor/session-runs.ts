/**
 * Runs of held sections — the unit a save covers — and what a save's answer does to them: a heading
 * typed inside a held section became a new section (held too), a deleted heading merged its section
 * into the one above. The answer's sections are placed by line (line counts survive the services'
 * line-ending and trailing-newline normalisation), then moved through whatever the writer typed
 * while the save was on its way.
 */
import type { ChangeSet, EditorState } from '@codemirror/state'
import { mapBoundaries } from './boundaries'
import { phaseOf, sectionLocks } from './lock-state'
import type { SectionLock } from './lock-state'
import type { SaveAnswer } from './session-host'

/** Consecutive sections this window holds (not ones still being acquired). */
export interface Run {
  sections: SectionLock[]
  from: number
  to: number
}

/** The maximal runs of held sections, in document order. */
export function heldRuns(state: EditorState): Run[] {
  const runs: Run[] = []
  let cur: SectionLock[] = []
  const close = () => {
    if (cur.length) runs.push({ sections: cur, from: cur[0].from, to: cur[cur.length - 1].to })
    cur = []
  }
  for (const s of sectionLocks(state)) {
    if (phaseOf(s) === 'held') cur.push(s)
    else close()
  }
  close()
  return runs
}

/** True when a held section's text differs from what was last saved (or was never saved). */
export function isDirty(state: EditorState, s: SectionLock): boolean {
  return s.saved === undefined || state.sliceDoc(s.from, s.to) !== s.saved
}

/** True when a section next to the run is being acquired: its boundary may still move (wait). */
export function touchesClaim(state: EditorState, run: Run): boolean {
  const all = sectionLocks(state)
  const i = all.findIndex((s) => s.id === run.sections[0].id)
  const j = i + run.sections.length
  return (
    phaseOf(all[i - 1] ?? { editable: false, id: '', from: 0, to: 0 }) === 'acquiring' ||
    phaseOf(all[j] ?? { editable: false, id: '', from: 0, to: 0 }) === 'acquiring'
  )
}

/** Offsets of the line starts of `text` (CodeMirror's text: lines end with \n). */
export function lineOffsets(text: string): number[] {
  const out = [0]
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) out.push(i + 1)
  return out
}

/** A save on its way: where its text was taken from, and everything the document did since. */
export interface InFlightSave {
  ids: string[]
  from: number
  text: string
  /** Changes since the text was taken (composed as transactions arrive). */
  changes: ChangeSet
}

/**
 * The sections that replace the saved run, in the current document, or null when the answer does
 * not fit the text that was sent (then the caller re-reads the document).
 */
export function placeSavedRun(
  state: EditorState,
  save: InFlightSave,
  answer: SaveAnswer
): SectionLock[] | null {
  const run = answer.run
  if (run.length === 0) return null
  const offsets = lineOffsets(save.text)
  const first = run[0].startLine
  const starts: number[] = []
  for (const s of run) {
    const rel = s.startLine - first
    if (rel < 0 || rel >= offsets.length) return null
    starts.push(offsets[rel])
  }
  // Where the run ends now: the end of the last of its old sections still in the document.
  const current = sectionLocks(state).filter((s) => save.ids.includes(s.id))
  if (current.length === 0) return null
  const end = Math.max(...current.map((s) => s.to))
  const begin = Math.min(...current.map((s) => s.from))
  // The later sections' starts through everything typed since, in one pass over the changes.
  const later = mapBoundaries(
    starts.slice(1).map((o) => save.from + o),
    save.changes,
    state.doc
  )
  const mapped = [begin, ...later.map((p) => Math.min(end, p))]
  return run.map((s, k) => ({
    id: s.id,
    from: mapped[k],
    to: k + 1 < run.length ? Math.max(mapped[k], mapped[k + 1]) : end,
    editable: true,
    phase: 'held' as const,
    heading: s.heading,
    level: s.level,
    sha: s.sha256,
    saved: save.text.slice(starts[k], k + 1 < starts.length ? starts[k + 1] : save.text.length)
  }))
}

/** A section's text as the editor must hold it: a section followed by another ends with a line break. */
export function asSectionText(text: string, isLast: boolean): string {
  const t = text.replace(/\r\n?/g, '\n')
  return isLast || t === '' || t.endsWith('\n') ? t : `${t}\n`
}
