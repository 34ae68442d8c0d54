/**
 * A window's copy of the document, brought forward by the changed sections `documents:changes`
 * sent (see electron/services/api/document-changes.ts): the text spliced where those sections are,
 * the sections after them shifted. The copy's sections carry their ranges as UTF-16 offsets into
 * its text (`documents:open`), so nothing is re-parsed, re-encoded or walked: the result is what
 * `documents:open` would have answered (tested against it). Returns null when the changes do not
 * chain onto this copy (another version, a section it does not have): then the window reads the
 * whole document.
 */
import type { ResponseOf } from './contract'
import { toCharRanges, utf8Length } from './section-ranges'

type Snapshot = ResponseOf<'documents:open'>
type Changes = Extract<ResponseOf<'documents:changes'>, { kind: 'sections' }>

/**
 * What brings a copy to another version, before the text is spliced: the new sections, where the
 * text changes (`splices`: ranges of the old text, in order, and what replaces them) and the fields
 * that change. The window keeps its copy's text as a rope and splices it there (a 5 MB copy of the
 * text per remote save otherwise); `patchSnapshot` and `patchSavedRun` splice the string.
 */
export interface SnapshotPatch {
  sections: Snapshot['sections']
  splices: readonly { from: number; to: number; text: string }[]
  fields: Partial<Omit<Snapshot, 'text' | 'sections'>>
}

/** `snapshot` with `changes` applied, or null when they do not apply to it (see the module comment). */
export function patchSnapshot(snapshot: Snapshot, changes: Changes): Snapshot | null {
  const p = planChanges(snapshot, changes)
  return p && applyPatch(snapshot, p)
}

/** `snapshot` with `p` applied to a string text. */
export function applyPatch(snapshot: Snapshot, p: SnapshotPatch): Snapshot {
  const parts: string[] = []
  let copiedTo = 0 // chars of the old text already in `parts`
  for (const x of p.splices) {
    parts.push(snapshot.text.slice(copiedTo, x.from), x.text)
    copiedTo = x.to
  }
  const text = p.splices.length === 0 ? snapshot.text : parts.join('') + snapshot.text.slice(copiedTo)
  return { ...snapshot, ...p.fields, text, sections: p.sections }
}

/** The patch `changes` make to `snapshot` (see `patchSnapshot`), or null when they do not apply. */
export function planChanges(snapshot: Snapshot, changes: Changes): SnapshotPatch | null {
  if (snapshot.fileSha256 !== changes.since || snapshot.readOnly !== null) return null
  const fields = { fileSha256: changes.fileSha256, locks: changes.locks }
  const byId = new Map(changes.changed.map((c) => [c.id, c]))
  if (byId.size === 0) return { sections: snapshot.sections, splices: [], fields }
  const splices: { from: number; to: number; text: string }[] = []
  let shift = 0
  let applied = 0
  const sections = snapshot.sections.map((s) => {
    const c = byId.get(s.id)
    if (!c) return shift === 0 ? s : shifted(s, shift)
    applied++
    splices.push({ from: s.from, to: s.to, text: c.text })
    const from = s.from + shift
    shift += c.text.length - (s.to - s.from)
    return { ...s, level: c.level, heading: c.heading, sha256: c.sha256, from, to: from + c.text.length }
  })
  if (applied !== byId.size) return null
  return { sections, splices, fields }
}

type SaveAnswer = ResponseOf<'sections:save'>

/**
 * Section `s` moved by `by`, every field written out: a save early in a 25,000-section document
 * moves all the sections after it, and spreading each was most of the patch's time.
 */
function shifted(s: Snapshot['sections'][number], by: number): Snapshot['sections'][number] {
  // Every key listed (a field added to the section and not here fails to compile).
  const out: { [K in keyof Required<Snapshot['sections'][number]>]: Snapshot['sections'][number][K] } = {
    id: s.id,
    level: s.level,
    heading: s.heading,
    from: s.from + by,
    to: s.to + by,
    sha256: s.sha256
  }
  return out
}

/**
 * `snapshot` brought to the version a save of this window made (`answer.fileSha256`): the saved
 * run's sections (`ids`, as sent) replaced by `answer.run` and its text by `answer.runText`, the
 * sections after it shifted. The run's byte offsets are turned into offsets into the copy's text
 * by a walk over `runText` alone. Null when the save was not applied onto this copy (another
 * version came between; then the window asks what changed) or the answer does not fit it.
 */
export function patchSavedRun(
  snapshot: Snapshot,
  ids: readonly string[],
  answer: SaveAnswer
): Snapshot | null {
  const p = planSavedRun(snapshot, ids, answer)
  return p && applyPatch(snapshot, p)
}

/** The patch of `patchSavedRun`, or null. */
export function planSavedRun(
  snapshot: Snapshot,
  ids: readonly string[],
  answer: SaveAnswer
): SnapshotPatch | null {
  if (snapshot.fileSha256 !== answer.baseFileSha256 || snapshot.readOnly !== null) return null
  const first = snapshot.sections.findIndex((s) => s.id === ids[0])
  const last = first + ids.length - 1
  if (first < 0 || last >= snapshot.sections.length || answer.run.length === 0) return null
  if (ids.some((id, k) => snapshot.sections[first + k].id !== id)) return null
  const at = { from: snapshot.sections[first].from, to: snapshot.sections[last].to }
  const runStart = answer.run[0].start
  if (answer.run[answer.run.length - 1].end - runStart !== utf8Length(answer.runText)) return null
  const inRun = toCharRanges(
    answer.runText,
    answer.run.map((s) => ({ ...s, start: s.start - runStart, end: s.end - runStart }))
  )
  const run = answer.run.map((s, k) => ({
    id: s.id,
    level: s.level,
    heading: s.heading,
    from: at.from + inRun[k].from,
    to: at.from + inRun[k].to,
    sha256: s.sha256
  }))
  const shift = answer.runText.length - (at.to - at.from)
  const after = snapshot.sections.slice(last + 1).map((s) => shifted(s, shift))
  return {
    sections: [...snapshot.sections.slice(0, first), ...run, ...after],
    splices: [{ from: at.from, to: at.to, text: answer.runText }],
    fields: { fileSha256: answer.fileSha256 }
  }
}
