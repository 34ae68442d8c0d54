/**
 * Sections arrive from the services with UTF-8 byte offsets (that is what a file splice needs);
 * the editor counts UTF-16 code units. This module converts one to the other in a single pass.
 */
import type { SectionInfo } from './types'

/** A section's range in editor (UTF-16) positions, [from, to). */
export interface CharRange {
  id: string
  from: number
  to: number
}

/** How `toCharRanges` counts positions. */
export interface CharRangeOptions {
  /**
   * Count a CRLF pair as one position, as CodeMirror does when it normalises line breaks (its
   * default). Leave unset when the positions index the raw string.
   */
  collapseCrlf?: boolean
}

/** UTF-8 length of the code unit at `i` (a surrogate pair counts 4 on its high half, 0 on its low). */
function utf8Width(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c < 0x80) return 1
  if (c < 0x800) return 2
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = text.charCodeAt(i + 1)
    // A lone surrogate is written as U+FFFD (3 bytes) by TextEncoder and Buffer alike.
    return next >= 0xdc00 && next <= 0xdfff ? 4 : 3
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const prev = text.charCodeAt(i - 1)
    return i > 0 && prev >= 0xd800 && prev <= 0xdbff ? 0 : 3
  }
  return 3
}

/** The UTF-8 length of `text` (what TextEncoder or Buffer would make of it), without encoding it. */
export function utf8Length(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) n += utf8Width(text, i)
  return n
}

/**
 * Converts byte ranges of `sections` (offsets into `text` encoded as UTF-8, BOM included if the
 * file has one) to editor positions. One pass over the text plus a sort of the offsets: O(n + k log k).
 * An offset inside a multibyte character rounds down to its start; offsets past the end clamp to it.
 */
export function toCharRanges(
  text: string,
  sections: readonly SectionInfo[],
  options: CharRangeOptions = {}
): CharRange[] {
  const wanted = new Set<number>()
  for (const s of sections) {
    wanted.add(Math.max(0, s.start))
    wanted.add(Math.max(0, s.end))
  }
  const targets = [...wanted].sort((a, b) => a - b)
  const charOf = new Map<number, number>()
  const collapse = options.collapseCrlf === true
  // Where one byte is not one position: a non-ASCII code unit, and a CR when CRLF counts as one.
  const special = collapse ? /[\r\u0080-\uffff]/g : /[\u0080-\uffff]/g
  let t = 0
  let bytes = 0
  let pos = 0
  let i = 0
  while (i < text.length && t < targets.length) {
    const c = text.charCodeAt(i)
    if (c < 0x80 && !(collapse && c === 13)) {
      // A run of plain ASCII up to the next special code unit (found natively): one byte per
      // position, so its offsets map by subtraction. Most of a document is such runs.
      special.lastIndex = i
      const stop = special.exec(text)?.index ?? text.length
      const runEnd = bytes + (stop - i)
      for (; t < targets.length && targets[t] < runEnd; t++) charOf.set(targets[t], pos + targets[t] - bytes)
      pos += stop - i
      bytes = runEnd
      i = stop
      continue
    }
    const width = utf8Width(text, i)
    // Every target that falls before the end of this character maps to the character's start.
    while (t < targets.length && targets[t] < bytes + width) charOf.set(targets[t++], pos)
    bytes += width
    // The low half of a pair is its own UTF-16 position but shares the pair's bytes.
    const crlfTail = collapse && c === 13 && text.charCodeAt(i + 1) === 10
    if (!crlfTail) pos++
    i++
  }
  while (t < targets.length) charOf.set(targets[t++], pos)
  return sections.map((s) => ({
    id: s.id,
    from: charOf.get(Math.max(0, s.start)) ?? pos,
    to: charOf.get(Math.max(0, s.end)) ?? pos
  }))
}

/** A section as a snapshot carries it: its range as UTF-16 offsets into the snapshot's text. */
export interface TextSection {
  id: string
  level: number
  heading: string
  from: number
  to: number
  sha256: string
}

/**
 * `sections` (byte ranges into `text`'s UTF-8 form) with their ranges as UTF-16 offsets into `text`
 * itself, line breaks counted as they are (a CRLF is two): what `documents:open` answers.
 */
export function textSections(text: string, sections: readonly SectionInfo[]): TextSection[] {
  const ranges = toCharRanges(text, sections)
  return sections.map((s, i) => ({
    id: s.id,
    level: s.level,
    heading: s.heading,
    from: ranges[i].from,
    to: ranges[i].to,
    sha256: s.sha256
  }))
}

/**
 * Editor positions (a CRLF counted as one, as CodeMirror stores line breaks) of `positions`, UTF-16
 * offsets into `text` in ascending order. Without a CR in the text they are the same numbers.
 */
export function collapseCrlf(text: string, positions: readonly number[]): number[] {
  let cr = text.indexOf('\r')
  if (cr === -1) return positions.slice()
  const out: number[] = []
  let removed = 0 // CRLF pairs whose CR is before the position: each is one position in the editor
  for (const p of positions) {
    for (; cr !== -1 && cr < p; cr = text.indexOf('\r', cr + 1)) if (text.charCodeAt(cr + 1) === 10) removed++
    out.push(p - removed)
  }
  return out
}
