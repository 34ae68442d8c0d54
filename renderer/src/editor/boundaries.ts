/**
 * Where section boundaries go when the document changes: the rules that keep each section starting
 * at its heading line through typing, Enter at a heading, replacements, undo and redo. Pure
 * functions of positions, changes and the new document; lock-state.ts applies them to the sections.
 */
import type { ChangeSet, Text } from '@codemirror/state'
import { startsWithHeading } from './headings'

function endsWithLineBreak(text: Text): boolean {
  return text.length > 0 && text.sliceString(text.length - 1) === '\n'
}

/**
 * Where section boundaries (each section's first position, the start of its heading line) go
 * through `changes`, in the new document `doc`. An insertion right at a boundary that ends with a
 * line break goes in front of it (the heading moves down); one that does not joins the heading line
 * (the boundary stays before it). A replacement touching a boundary puts it where a heading line
 * now starts: at the edge of the replacement if the heading is there, else at the next heading line
 * the replacement brought (an undo restoring a deleted heading), else at the edge (the heading is
 * gone: the section's text joins the one above, which the gate and the save both know). A boundary
 * the replacement swallowed whole goes to the next line start instead of inside a line, where a
 * section put back by the services would glue its heading to the line above (that section overlaps
 * the replacement, so the gate judges it anyway). `before`: the new position of the boundary before
 * `starts[0]`, when `starts` does not begin with the second section's.
 */
export function mapBoundaries(
  starts: readonly number[],
  changes: ChangeSet,
  doc: Text,
  before?: number
): number[] {
  const ch: { fromA: number; toA: number; fromB: number; toB: number; ins: Text }[] = []
  changes.iterChanges((fromA, toA, fromB, toB, ins) => ch.push({ fromA, toA, fromB, toB, ins }))
  const out: number[] = []
  const last = () => (out.length > 0 ? out[out.length - 1] : before)
  let ci = 0
  let cands: number[] = []
  let candsFor = -1
  for (let j = 0; j < starts.length; j++) {
    const pos = starts[j]
    while (ci < ch.length && ch[ci].toA < pos) ci++
    const c = ch[ci]
    let p: number
    if (!c || c.fromA > pos) p = changes.mapPos(pos, 1)
    else if (c.fromA === c.toA)
      // A line inserted before a heading goes to the section above it — an empty one right there
      // (the next section starts at the same place) included, as `insertionOwner` (the gate) says.
      p = endsWithLineBreak(c.ins) && starts[j + 1] !== pos ? c.toB : c.fromB
    else {
      const edge = c.fromA === pos ? c.fromB : c.toB
      if (candsFor !== ci) {
        cands = headingStarts(doc, c.fromB, c.toB)
        candsFor = ci
      }
      if (startsWithHeading(doc, edge)) p = edge
      else
        p =
          cands.find((x) => x >= (last() ?? 0) && x !== last()) ??
          (c.fromA < pos && pos < c.toA ? lineStartFrom(doc, edge) : edge)
    }
    out.push(p)
  }
  return out
}

/** `pos` if a line starts there, else the start of the next line (the end of the document at most). */
function lineStartFrom(doc: Text, pos: number): number {
  const line = doc.lineAt(pos)
  if (line.from === pos) return pos
  return line.number < doc.lines ? line.to + 1 : doc.length
}

/**
 * Line starts in [from, to) of `doc` that begin a heading: headings the replacement brought. The
 * end is excluded — a heading right after the replacement is the next section's own.
 */
function headingStarts(doc: Text, from: number, to: number): number[] {
  const out: number[] = []
  for (let line = doc.lineAt(from); ; line = doc.line(line.number + 1)) {
    if (line.from >= from && line.from < to && startsWithHeading(doc, line.from)) out.push(line.from)
    if (line.to >= to || line.number >= doc.lines) break
  }
  return out
}

/** One change of a ChangeSet, in old (A) and new (B) positions. */
interface Change {
  fromA: number
  toA: number
  fromB: number
  toB: number
}

/**
 * Gives a headless section back the heading line a change put right in front of it. A section this
 * window holds loses its heading line to an undo (a heading saved as a new section, or deleted, then
 * undone: the section keeps the text below it, headless); the redo puts the heading back in front of
 * that text, which plain mapping hands to the section above. The section's own heading then sat in
 * the neighbour's range, and losing the section (taken over) put the file's copy of it beside the
 * redone one — found by the session model: [newHeading(0),save,undo,redo,takeover(3)].
 *
 * `starts` (new positions, sorted, one per section, the first 0; `old`: before the change) are moved
 * in place. A section moves when `follow` says so for it and for the section above (this window
 * holds or is taking both: no one else's text changes hands, and a refused claim's draft, taken
 * from its sections' ranges, keeps what moved); when its first line came through the change
 * untouched (a line inserted right in front of it aside) and is no heading; and when the change
 * ended right in front of it — at its start, or at the end of the line before — bringing a heading
 * line: the section then starts at the last heading the change brought. Only text the change
 * brought moves (and the one line break after it), never text the section above had: losing that
 * section later puts the file's text of it back in its own range, which must not meet a copy.
 * `old(i)` is the old start of section i; only sections before `end` are looked at (the caller
 * knows that none after it can move).
 */
export function followBroughtHeadings(
  old: (i: number) => number,
  starts: number[],
  follow: (i: number) => boolean,
  changes: ChangeSet,
  doc: Text,
  end = starts.length
): void {
  let ch: Change[] | null = null
  for (let i = 1; i < Math.min(end, starts.length); i++) {
    const p = starts[i]
    const prev = starts[i - 1]
    if (p <= prev || !follow(i) || !follow(i - 1) || startsWithHeading(doc, p)) continue
    if (!ch) {
      const list: Change[] = []
      changes.iterChanges((fromA, toA, fromB, toB) => list.push({ fromA, toA, fromB, toB }))
      ch = list
    }
    const pos = old(i)
    const k = ch.findIndex((x) => x.toA >= pos)
    const c = k < 0 ? undefined : ch[k]
    // Its first line changed (a heading glued, deleted or made): the gate and the save judge that.
    if (c && c.fromA <= pos && !(c.fromA === c.toA && p >= c.toB)) continue
    // The change that ends right in front of the section: the one at its start, or the one before.
    const x = c && c.fromA <= pos ? c : ch[(k < 0 ? ch.length : k) - 1]
    if (!x || !(x.toB === p || (x.toB + 1 === p && doc.lineAt(x.toB).to === x.toB))) continue
    const h = lastHeadingIn(doc, Math.max(x.fromB, prev + 1), x.toB)
    if (h > prev) starts[i] = h
  }
}

/** The start of the last heading line that starts in [from, to) of `doc`, or -1. */
function lastHeadingIn(doc: Text, from: number, to: number): number {
  let h = -1
  let line = doc.lineAt(from)
  if (line.from < from) {
    if (line.number >= doc.lines) return -1
    line = doc.line(line.number + 1)
  }
  for (; line.from < to; line = doc.line(line.number + 1)) {
    if (startsWithHeading(doc, line.from)) h = line.from
    if (line.number >= doc.lines) break
  }
  return h
}
