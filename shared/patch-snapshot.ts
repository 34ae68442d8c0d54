/**
 * A window's copy of the document, brought forward by the changed sections `documents:changes`
 * sent (see electron/services/api/document-changes.ts): the text spliced where those sections are,
 * the byte offsets and line numbers of the sections after them shifted. Nothing is re-parsed or
 * re-encoded — the copy's text is walked once, up to the last changed section, to find where the
 * changed sections' bytes are in it — and the result is what `documents:open` would have answered
 * (tested against it). Returns null when the changes do not chain onto this copy (another version, a
 * section it does not have): then the window reads the whole document.
 */
import type { ResponseOf } from './contract'

type Snapshot = ResponseOf<'documents:open'>
type Changes = Extract<ResponseOf<'documents:changes'>, { kind: 'sections' }>

/** Counts of a text: its UTF-8 length and its line breaks. */
function measure(text: string): { bytes: number; breaks: number } {
  let bytes = 0
  let breaks = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) {
      bytes += 1
      if (c === 10) breaks++
    } else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4 // a surrogate pair: one code point of four bytes
      i++
    } else bytes += 3
  }
  return { bytes, breaks }
}

/** Walks `text` from (char, byte) to byte offset `target`; the char index there. */
function charAt(text: string, from: { char: number; byte: number }, target: number): number {
  let { char, byte } = from
  while (byte < target && char < text.length) {
    const c = text.charCodeAt(char)
    if (c < 0x80) byte += 1
    else if (c < 0x800) byte += 2
    else if (c >= 0xd800 && c <= 0xdbff) {
      byte += 4
      char++
    } else byte += 3
    char++
  }
  return char
}

/** `snapshot` with `changes` applied, or null when they do not apply to it (see the module comment). */
export function patchSnapshot(snapshot: Snapshot, changes: Changes): Snapshot | null {
  if (snapshot.fileSha256 !== changes.since || snapshot.readOnly !== null) return null
  const byId = new Map(changes.changed.map((c) => [c.id, c]))
  if (byId.size === 0) return { ...snapshot, fileSha256: changes.fileSha256, locks: changes.locks }
  const old = snapshot.text
  const parts: string[] = []
  const at = { char: 0, byte: 0 } // where the walk through the old text is
  let copiedTo = 0 // chars of the old text already in `parts`
  let shift = 0
  let lineShift = 0
  let applied = 0
  const sections = snapshot.sections.map((s) => {
    const c = byId.get(s.id)
    const start = s.start + shift
    const startLine = s.startLine + lineShift
    if (!c) {
      if (shift === 0 && lineShift === 0) return s
      return { ...s, start, end: s.end + shift, startLine, endLine: s.endLine + lineShift }
    }
    applied++
    const from = charAt(old, at, s.start)
    const to = charAt(old, { char: from, byte: s.start }, s.end)
    Object.assign(at, { char: to, byte: s.end })
    parts.push(old.slice(copiedTo, from), c.text)
    copiedTo = to
    const before = measure(old.slice(from, to))
    const after = measure(c.text)
    shift += after.bytes - before.bytes
    lineShift += after.breaks - before.breaks
    return {
      ...s,
      level: c.level,
      heading: c.heading,
      sha256: c.sha256,
      start,
      end: start + after.bytes,
      startLine,
      endLine: s.endLine + lineShift
    }
  })
  if (applied !== byId.size) return null
  parts.push(old.slice(copiedTo))
  return { ...snapshot, fileSha256: changes.fileSha256, text: parts.join(''), sections, locks: changes.locks }
}
