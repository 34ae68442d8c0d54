/**
 * A window's copy of the document, brought forward by the changed sections `documents:changes`
 * sent (see electron/services/api/document-changes.ts): the text spliced where those sections are,
 * the byte offsets and line numbers of the sections after them shifted. Nothing is re-parsed or
 * re-encoded — `toCharRanges` walks the copy's text once, up to the last changed section, to find
 * where the changed sections' bytes are — and the result is what `documents:open` would have
 * answered (tested against it). Returns null when the changes do not chain onto this copy (another
 * version, a section it does not have): then the window reads the whole document.
 */
import type { ResponseOf } from './contract'
import { toCharRanges, utf8Length } from './section-ranges'

type Snapshot = ResponseOf<'documents:open'>
type Changes = Extract<ResponseOf<'documents:changes'>, { kind: 'sections' }>

function lineBreaks(text: string): number {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}

/** `snapshot` with `changes` applied, or null when they do not apply to it (see the module comment). */
export function patchSnapshot(snapshot: Snapshot, changes: Changes): Snapshot | null {
  if (snapshot.fileSha256 !== changes.since || snapshot.readOnly !== null) return null
  const byId = new Map(changes.changed.map((c) => [c.id, c]))
  if (byId.size === 0) return { ...snapshot, fileSha256: changes.fileSha256, locks: changes.locks }
  const old = snapshot.text
  // Where the changed sections are in the copy's text: one walk, up to the last of them.
  const where = new Map(
    toCharRanges(
      old,
      snapshot.sections.filter((s) => byId.has(s.id))
    ).map((r) => [r.id, r])
  )
  const parts: string[] = []
  let copiedTo = 0 // chars of the old text already in `parts`
  let shift = 0
  let lineShift = 0
  let applied = 0
  const sections = snapshot.sections.map((s) => {
    const c = byId.get(s.id)
    const start = s.start + shift
    const startLine = s.startLine + lineShift
    const at = where.get(s.id)
    if (!c || !at) {
      if (shift === 0 && lineShift === 0) return s
      return { ...s, start, end: s.end + shift, startLine, endLine: s.endLine + lineShift }
    }
    applied++
    parts.push(old.slice(copiedTo, at.from), c.text)
    copiedTo = at.to
    const bytes = utf8Length(c.text)
    shift += bytes - (s.end - s.start)
    lineShift += lineBreaks(c.text) - lineBreaks(old.slice(at.from, at.to))
    return {
      ...s,
      level: c.level,
      heading: c.heading,
      sha256: c.sha256,
      start,
      end: start + bytes,
      startLine,
      endLine: s.endLine + lineShift
    }
  })
  if (applied !== byId.size) return null
  parts.push(old.slice(copiedTo))
  return { ...snapshot, fileSha256: changes.fileSha256, text: parts.join(''), sections, locks: changes.locks }
}

type SaveAnswer = ResponseOf<'sections:save'>

/**
 * `snapshot` brought to the version a save of this window made (`answer.fileSha256`): the saved
 * run's sections (`ids`, as sent) replaced by `answer.run` and its text by `answer.runText`, the
 * sections after it shifted. Null when the save was not applied onto this copy (another version
 * came between; then the window asks what changed) or the answer does not fit it.
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
  const olds = snapshot.sections.slice(first, last + 1)
  const [at] = toCharRanges(snapshot.text, [{ ...olds[0], end: olds[olds.length - 1].end }])
  const oldText = snapshot.text.slice(at.from, at.to)
  const shift = utf8Length(answer.runText) - (olds[olds.length - 1].end - olds[0].start)
  const lineShift = lineBreaks(answer.runText) - lineBreaks(oldText)
  const runEnd = answer.run[answer.run.length - 1]
  if (answer.run[0].start !== olds[0].start || runEnd.end !== olds[olds.length - 1].end + shift) return null
  const after = snapshot.sections.slice(last + 1).map((s) => ({
    ...s,
    start: s.start + shift,
    end: s.end + shift,
    startLine: s.startLine + lineShift,
    endLine: s.endLine + lineShift
  }))
  return {
    ...snapshot,
    fileSha256: answer.fileSha256,
    text: snapshot.text.slice(0, at.from) + answer.runText + snapshot.text.slice(at.to),
    sections: [...snapshot.sections.slice(0, first), ...answer.run, ...after]
  }
}
