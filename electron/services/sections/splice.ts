import { NotFoundError, ValidationError } from '../../../shared/errors'
import {
  bomLength,
  containsFrontMatterFence,
  dominantLineEnding,
  frontMatterLineCount,
  isFrontMatterFence,
  lineStarts,
  parseSectionsDetailed,
  type ParsedSection,
  type TopBlock
} from './parse-sections'
import { freshId, matchRunSections, PREAMBLE_ID } from './section-ids'
import {
  hashSections,
  rememberIndex,
  sha256Hex,
  type IndexedSection,
  type SectionIndex
} from './section-index'

/** The file after a splice and its index (no re-parse of the file was needed to compute it). */
export interface SpliceResult {
  buffer: Buffer
  index: SectionIndex
}

/** A splice of a run of consecutive sections, with what became of the run's ids. */
export interface RunSpliceResult extends SpliceResult {
  /** The sections that now occupy the run, in file order; the first keeps the run's first id. */
  run: IndexedSection[]
  /** Ids handed out to new headings of the text (fresh: never used or retired in this document). */
  created: string[]
  /** Ids of the run's sections whose heading is gone (their text joined the section above); now retired. */
  retired: string[]
}

/** A run of consecutive sections: index positions `first` to `last`, both included. */
interface Run {
  first: number
  last: number
}

type Heading = Pick<ParsedSection, 'level' | 'heading'>

function describe(s: Heading): string {
  return s.level === 0 ? 'the preamble (the text before the first heading)' : `the section “${s.heading}”`
}

function endsWithEol(s: string | Buffer): boolean {
  const last = typeof s === 'string' ? s.charCodeAt(s.length - 1) : s[s.length - 1]
  return last === 0x0a || last === 0x0d
}

/**
 * The bytes a splice of section `i` (or of the run `i`…`last`) would store for `newText`: the file's
 * dominant line ending, its BOM, and its trailing-newline state. Exposed so callers and tests can see
 * exactly what is written.
 */
export function prepareSectionBytes(
  buf: Buffer,
  index: SectionIndex,
  i: number,
  newText: string,
  last = i
): Buffer {
  const eol = dominantLineEnding(buf)
  let text = newText.replace(/\r\n|\r|\n/g, eol)
  // Editors tend to drop a BOM; the file keeps its encoding marker whether or not the new text has one.
  if (i === 0 && bomLength(buf) > 0 && !text.startsWith('\uFEFF')) text = `\uFEFF${text}`
  const hasContent = text.replace(/^\uFEFF/, '') !== ''
  const isLast = last === index.sections.length - 1
  if (!isLast || endsWithEol(buf)) {
    // A section followed by another must end with a line ending, or the next heading would join its last line.
    if (hasContent && !endsWithEol(text)) text += eol
  } else if (buf.length > 0) {
    text = text.replace(/(?:\r\n|\r|\n)+$/, '')
  }
  return Buffer.from(text, 'utf8')
}

/**
 * The new text read on its own: a section must start with a heading. The preamble has none of its
 * own, so a heading in its text starts a new section after it — as a heading typed into any section does.
 */
function checkOwnShape(bytes: Buffer, target: Heading, isPreamble: boolean): void {
  const own = parseSectionsDetailed(bytes, { fileStart: isPreamble }).sections
  if (!isPreamble && (own.length < 2 || own[1].start !== 0)) {
    throw new ValidationError(
      `The text of ${describe(target)} must begin with its heading line, such as “${'#'.repeat(target.level)} ` +
        `${target.heading}”, with nothing before it. Without it the text would become part of the section above.`
    )
  }
}

/**
 * Front matter is the one non-local construct: a `---` first line is closed by the first `---`
 * or `...` line anywhere in the file. So a splice may neither leave front matter open (a later
 * line would close it) nor add a closing line while the file starts with an unclosed `---`.
 */
function checkFrontMatter(buf: Buffer, index: SectionIndex, run: Run, bytes: Buffer): void {
  const opensFrontMatter = (b: Buffer): { opens: boolean; closed: boolean } => {
    const starts = lineStarts(b, bomLength(b))
    const opens = starts.length > 1 && isFrontMatterFence(b, starts[0], starts[1], false)
    return { opens, closed: opens && frontMatterLineCount(b, starts) > 0 }
  }
  const preambleEnd = index.sections[0].end
  if (run.first === 0) {
    const fm = opensFrontMatter(bytes)
    if (fm.opens && !fm.closed && containsFrontMatterFence(buf, index.sections[run.last].end, buf.length)) {
      throw new ValidationError(
        'The preamble starts with “---” (front matter) but does not close it, so a later “---” line would hide ' +
          'every heading above it. Add a closing “---” line to the preamble.'
      )
    }
    return
  }
  const fm = opensFrontMatter(buf.subarray(0, preambleEnd))
  if (fm.opens && !fm.closed && containsFrontMatterFence(bytes, 0, bytes.length)) {
    throw new ValidationError(
      'This document starts with a “---” line that is never closed, so a “---” or “...” line here would turn ' +
        'everything above it into front matter. Use “***” for a horizontal rule, or a “#” heading instead of an underlined one.'
    )
  }
}

/** Where to stop reading the next section: its heading lines end before its first blank line (setext text cannot span one). */
function headingWindowEnd(buf: Buffer, next: IndexedSection): number {
  for (let s = next.start, first = true; s < next.end; first = false) {
    let e = s
    while (e < next.end && buf[e] !== 0x0a && buf[e] !== 0x0d) e++
    let blank = true
    for (let k = s; k < e && blank; k++) blank = buf[k] === 0x20 || buf[k] === 0x09
    if (blank && !first) return s
    if (e < next.end && buf[e] === 0x0d && buf[e + 1] === 0x0a) e++
    s = e + 1
  }
  return next.end
}

/** Why the line at `line` no longer starts a section, in words a writer can act on. */
function swallowHint(blocks: readonly TopBlock[], line: number): string {
  const block = blocks.find((b) => b.startLine <= line && line < b.endLine)
  switch (block?.type) {
    case 'fence':
      return 'a code block (``` or ~~~) in your text is not closed'
    case 'html_block':
      return 'an HTML block in your text (such as “<div>”, “<!--” or “<pre>”) is not closed'
    case 'paragraph':
    case 'heading':
      return 'the last line of your text would join it (an underlined heading takes the line above it); end your text with a blank line'
    case 'blockquote':
    case 'bullet_list':
    case 'ordered_list':
      return 'the quote or list at the end of your text would continue into it; end your text with a blank line'
    default:
      return 'your text changes how it is read'
  }
}

/** The new sections as parsed in place, in the coordinates of the small context buffer. */
interface ContextParse {
  ctx: Buffer
  ctxStart: number
  sections: ParsedSection[]
}

/**
 * Why a local parse is enough: every section starts at a level-0 heading, and at such a line the
 * CommonMark block parser has no open block (a heading is a leaf that nothing contains, and an
 * open paragraph, fence or quote would have swallowed it). So the file parses from the previous
 * section's heading exactly as that section parses standalone, and once the next section's heading
 * is read everything after it parses as before. Parsing previous section + new text + the next
 * heading's lines and checking that the previous section still ends, and the next heading still
 * starts, exactly where they should proves that no other section changed (front matter aside, see
 * checkFrontMatter). This keeps a save of one section on a 10 MB file as cheap as the section. A run
 * of sections is just a wider target: the sections inside it are replaced, so only the ones around
 * it have to stay as they were.
 */
function parseInPlace(buf: Buffer, index: SectionIndex, run: Run, bytes: Buffer): ContextParse {
  const { sections } = index
  const target = { start: sections[run.first].start, end: sections[run.last].end }
  const prev = run.first > 0 ? sections[run.first - 1] : null
  const next = run.last + 1 < sections.length ? sections[run.last + 1] : null
  const ctxStart = prev ? prev.start : 0
  const windowEnd = next ? headingWindowEnd(buf, next) : target.end
  const ctx = Buffer.concat([
    buf.subarray(ctxStart, target.start),
    bytes,
    buf.subarray(target.end, windowEnd)
  ])
  const { sections: ps, blocks } = parseSectionsDetailed(ctx, { fileStart: ctxStart === 0, blocks: true })
  const newStart = target.start - ctxStart
  const newEnd = newStart + bytes.length

  let k = 0
  if (prev) {
    const p = prev.level === 0 ? ps[0] : ps[1]
    if (prev.level > 0 && (ps[0].end !== 0 || p?.level !== prev.level || p.heading !== prev.heading)) {
      throw new Error(`section index does not match the file at “${prev.heading}”`) // broken invariant
    }
    if (p.end !== newStart) {
      throw new ValidationError(
        `The first heading of your text would merge with the end of ${describe(prev)}. Start your text with a “#” ` +
          'heading: an underlined heading right after a paragraph, quote or list joins with it.'
      )
    }
    k = prev.level === 0 ? 1 : 2
  }
  let m = k + 1
  while (m < ps.length && ps[m].start < newEnd) m++
  if (ps[k]?.start !== newStart) throw new Error('splice context lost the section start') // broken invariant
  if (next) {
    const n = ps[m]
    if (n?.start !== newEnd || n.level !== next.level || n.heading !== next.heading) {
      const line = lineStarts(ctx.subarray(0, newEnd)).length - 1
      throw new ValidationError(
        `Your text would swallow the heading “${next.heading}” of the next section: ${swallowHint(blocks, line)}.`
      )
    }
  }
  return { ctx, ctxStart, sections: ps.slice(k, m) }
}

function assertIndexMatches(buf: Buffer, index: SectionIndex): void {
  const s = index.sections
  const tiles = s.length > 0 && s[0].start === 0 && s.every((x, i) => i === 0 || x.start === s[i - 1].end)
  if (
    index.fileSize !== buf.length ||
    !tiles ||
    s[s.length - 1].end !== buf.length ||
    s[0].id !== PREAMBLE_ID
  ) {
    throw new Error('section index does not belong to this file content') // broken invariant: callers pair them
  }
}

/** Where the run [sectionIds…] stands in the index; refused unless its sections follow each other. */
function locateRun(index: SectionIndex, sectionIds: readonly string[]): Run {
  if (sectionIds.length === 0) throw new Error('a run needs at least one section') // broken invariant
  const positions = sectionIds.map((id) => {
    const at = index.sections.findIndex((s) => s.id === id)
    if (at < 0) {
      throw new NotFoundError(
        `There is no section “${id}” in this document any more; someone may have removed it.`
      )
    }
    return at
  })
  positions.forEach((at, k) => {
    if (k > 0 && at !== positions[0] + k) {
      throw new ValidationError(
        `The sections saved together must follow each other in the document, but “${index.sections[at].heading}” ` +
          `does not come right after “${index.sections[positions[k - 1]].heading}”.`
      )
    }
  })
  return { first: positions[0], last: positions[positions.length - 1] }
}

/**
 * Replaces exactly one section's bytes (SPEC S4) and returns the new file and its index without
 * re-parsing the file. Refuses, changing nothing, text that would change how any other section
 * reads. The first section of the new text keeps the id (a rename keeps the lock, S3); further
 * headings in the text become new sections with fresh ids.
 */
export function spliceSection(
  buf: Buffer,
  index: SectionIndex,
  sectionId: string,
  newText: string
): RunSpliceResult {
  return spliceRun(buf, index, [sectionId], newText)
}

/**
 * Replaces the bytes of a run of consecutive sections [first…last] with `newText` (which must begin
 * with the first section's heading), with the same checks as {@link spliceSection}: nothing outside
 * the run may read differently. The first new section keeps the first id; the run's other ids go to
 * the other new sections order-preservingly (same level and heading text first, then in order inside
 * gaps of equal size); new sections left over get fresh ids, old ids left over are retired.
 */
export function spliceRun(
  buf: Buffer,
  index: SectionIndex,
  sectionIds: readonly string[],
  newText: string
): RunSpliceResult {
  assertIndexMatches(buf, index)
  const run = locateRun(index, sectionIds)
  const olds = index.sections.slice(run.first, run.last + 1)
  const start = olds[0].start
  const end = olds[olds.length - 1].end
  const bytes = prepareSectionBytes(buf, index, run.first, newText, run.last)
  checkOwnShape(bytes, olds[0], run.first === 0)
  checkFrontMatter(buf, index, run, bytes)
  const placed = parseInPlace(buf, index, run, bytes)

  const hashed = hashSections(placed.ctx, placed.sections)
  const match = matchRunSections(olds.slice(1), hashed.slice(1))
  const lineBase = run.first > 0 ? index.sections[run.first - 1].startLine : 0
  const taken = new Set([PREAMBLE_ID, ...index.retired, ...index.sections.map((s) => s.id)])
  const created: string[] = []
  const fresh: IndexedSection[] = hashed.map((h, k) => {
    let id = olds[0].id
    if (k > 0 && match[k - 1] >= 0) id = olds[match[k - 1] + 1].id
    else if (k > 0) {
      id = freshId(h.heading, taken)
      taken.add(id)
      created.push(id)
    }
    return {
      id,
      level: h.level,
      heading: h.heading,
      startLine: h.startLine + lineBase,
      endLine: h.endLine + lineBase,
      start: h.start + placed.ctxStart,
      end: h.end + placed.ctxStart,
      sha256: h.sha256,
      bodySha256: h.bodySha256
    }
  })
  const kept = new Set(fresh.map((s) => s.id))
  const retired = olds.filter((s) => !kept.has(s.id)).map((s) => s.id)
  const byteDelta = bytes.length - (end - start)
  const lineDelta = fresh[fresh.length - 1].endLine - olds[olds.length - 1].endLine
  const buffer = Buffer.concat([buf.subarray(0, start), bytes, buf.subarray(end)])
  const shifted = (s: IndexedSection): IndexedSection => {
    const t: IndexedSection = {
      id: s.id,
      level: s.level,
      heading: s.heading,
      startLine: s.startLine + lineDelta,
      endLine: s.endLine + lineDelta,
      start: s.start + byteDelta,
      end: s.end + byteDelta,
      sha256: s.sha256
    }
    if (s.bodySha256 !== undefined) t.bodySha256 = s.bodySha256
    return t
  }
  const result: SectionIndex = {
    format: 1,
    fileSha256: sha256Hex(buffer),
    fileSize: buffer.length,
    // The sections before the run are the old index's own objects: nothing changes an index's
    // sections once it is built (copying a thousand of them was a tenth of a 1 MB save's work).
    sections: [
      ...index.sections.slice(0, run.first),
      ...fresh,
      ...index.sections.slice(run.last + 1).map(shifted)
    ],
    retired: [...index.retired, ...retired]
  }
  // Only a cache for a later read of this content: after the save's steps are on their way.
  setImmediate(() => rememberIndex(result))
  return { buffer, index: result, run: fresh, created, retired }
}
