/**
 * A window's copy of the document, brought forward by the changed sections `documents:changes`
 * sent (see electron/services/api/document-changes.ts): the text spliced where those sections are,
 * the byte offsets and line numbers of the sections after them shifted. Nothing is re-parsed, and
 * the result is what `documents:open` would have answered (tested against it). Returns null when the
 * changes do not chain onto this copy (another version, a section it does not have): then the
 * window reads the whole document.
 */
import type { ResponseOf } from './contract'

type Snapshot = ResponseOf<'documents:open'>
type Changes = Extract<ResponseOf<'documents:changes'>, { kind: 'sections' }>

const encoder = new TextEncoder()
// ignoreBOM: a byte-order mark stays in the text, as the services keep it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true })

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
  // UTF-8 throughout: section offsets are byte offsets of the file (the encoder and decoder are native).
  const bytes = encoder.encode(snapshot.text)
  const parts: Uint8Array[] = []
  let shift = 0
  let lineShift = 0
  let copied = 0
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
    const before = bytes.subarray(s.start, s.end)
    const after = encoder.encode(c.text)
    parts.push(bytes.subarray(copied, s.start), after)
    copied = s.end
    shift += after.length - before.length
    lineShift += lineBreaks(c.text) - lineBreaks(decoder.decode(before))
    return {
      ...s,
      level: c.level,
      heading: c.heading,
      sha256: c.sha256,
      start,
      end: start + after.length,
      startLine,
      endLine: s.endLine + lineShift
    }
  })
  if (applied !== byId.size) return null
  parts.push(bytes.subarray(copied))
  const out = new Uint8Array(bytes.length + shift)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return {
    ...snapshot,
    fileSha256: changes.fileSha256,
    text: decoder.decode(out),
    sections,
    locks: changes.locks
  }
}
