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

/** `snapshot` with `changes` applied, or null when they do not apply to it (see the module comment). */
export function patchSnapshot(snapshot: Snapshot, changes: Changes): Snapshot | null {
  if (snapshot.fileSha256 !== changes.since || snapshot.readOnly !== null) return null
  const byId = new Map(changes.changed.map((c) => [c.id, c]))
  if (byId.size === 0) return { ...snapshot, fileSha256: changes.fileSha256, locks: changes.locks }
  const old = snapshot.text
  const parts: string[] = []
  let copiedTo = 0 // chars of the old text already in `parts`
  let shift = 0
  let applied = 0
  const sections = snapshot.sections.map((s) => {
    const c = byId.get(s.id)
    if (!c) return shift === 0 ? s : { ...s, from: s.from + shift, to: s.to + shift }
    applied++
    parts.push(old.slice(copiedTo, s.from), c.text)
    copiedTo = s.to
    const from = s.from + shift
    shift += c.text.length - (s.to - s.from)
    return { ...s, level: c.level, heading: c.heading, sha256: c.sha256, from, to: from + c.text.length }
  })
  if (applied !== byId.size) return null
  parts.push(old.slice(copiedTo))
  return { ...snapshot, fileSha256: changes.fileSha256, text: parts.join(''), sections, locks: changes.locks }
}

type SaveAnswer = ResponseOf<'sections:save'>

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
  const after = snapshot.sections
    .slice(last + 1)
    .map((s) => ({ ...s, from: s.from + shift, to: s.to + shift }))
  return {
    ...snapshot,
    fileSha256: answer.fileSha256,
    text: snapshot.text.slice(0, at.from) + answer.runText + snapshot.text.slice(at.to),
    sections: [...snapshot.sections.slice(0, first), ...run, ...after]
  }
}
