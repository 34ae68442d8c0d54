import MarkdownIt from 'markdown-it'
import type { StateBlock, Token } from 'markdown-it'

/** One section of a markdown file as the parser sees it, before it has an id. */
export interface ParsedSection {
  /** 1–6 for headings, 0 for the preamble. */
  level: number
  /** Heading text as written (inline markup kept); setext lines joined by one space. "" for the preamble. */
  heading: string
  /** First line (0-based) and the line after the last one. */
  startLine: number
  endLine: number
  /** Byte range in the buffer, [start, end). */
  start: number
  end: number
  /** Byte offset where the heading lines end and the body begins (`start` for the preamble). */
  bodyStart: number
}

/** A block at nesting level 0 (paragraph, fence, html_block, …) with its line range; used to explain refusals. */
export interface TopBlock {
  type: string
  startLine: number
  endLine: number
}

/** Everything one parse yields; `blocks` is only filled when asked for (it costs memory on big files). */
export interface ParseResult {
  sections: ParsedSection[]
  blocks: TopBlock[]
}

/** How to read a buffer that may or may not be the start of a file. */
export interface ParseOptions {
  /** The buffer starts at the beginning of a file: a BOM and front matter are recognised (default true). */
  fileStart?: boolean
  /** Also return the level-0 blocks (default false). */
  blocks?: boolean
}

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const

// Block-only: inline parsing is most of markdown-it's cost and says nothing about where sections start.
const md = new MarkdownIt({ html: true })
md.core.ruler.enableOnly(['normalize', 'block'])

/**
 * Hands the tokens of finished top-level blocks to `env.take` and drops them, before markdown-it
 * looks for the next top-level block. Kept, a 5 MB file's 330,000 tokens were most of the parse's
 * garbage-collection time (a second of it in the web host). The parse itself is unchanged: this rule
 * only runs first at each block start and never matches, it acts only at nesting level 0 (inside a
 * quote or list `state.level` is above 0), and no block rule reads tokens pushed before its own
 * start (`list` marks its paragraphs from its own first token on) — so the tokens, in order, are
 * exactly those of `md.parse` (parse-sections.test.ts compares them).
 */
function streamTokens(state: StateBlock): boolean {
  const take: unknown = state.env?.take
  if (state.level === 0 && typeof take === 'function' && state.tokens.length > 0) {
    take(state.tokens)
    state.tokens.length = 0
  }
  return false
}
md.block.ruler.before('table', 'stream_tokens', streamTokens)

/** markdown-it's Token class (its prototype carries the methods), taken from a state. */
const TokenClass = new md.block.State('', md, {}, []).Token

/**
 * A markdown-it Token with the fields its constructor gives, assigned plainly. The published
 * constructor is compiled so that it defines 8 of its 13 fields through a helper (a property-key
 * conversion and an `Object.defineProperty` each): for the 330,000 tokens of a 5 MB file that was a
 * fifth of the parse. Same prototype, same fields and values (parse-sections.test.ts compares them).
 */
function plainToken(type: string, tag: string, nesting: Token['nesting']): Token {
  const t: Token = Object.create(TokenClass.prototype)
  t.map = null
  t.level = 0
  t.children = null
  t.content = ''
  t.markup = ''
  t.info = ''
  t.block = false
  t.hidden = false
  t.type = type
  t.tag = tag
  t.attrs = null
  t.nesting = nesting
  t.meta = null
  return t
}

/**
 * The per-line arrays markdown-it's block state starts from (`bMarks`, `eMarks`, `tShift`, `sCount`,
 * `bsCount`, and the fake entry after the last line), with the same values its constructor gives
 * them: that constructor looks at every character of the source in JavaScript and pushes onto five
 * growing arrays — 160–190 ms for a 5 MB file, every time. Here line ends come from the native
 * `indexOf`, only each line's indentation is looked at character by character, and the arrays are
 * made at their size once the lines are counted. The source is normalised (only LF line ends). As in
 * the constructor, a last line of only spaces and tabs without a line end is no line.
 */
export function blockLineMarks(
  src: string
): Pick<StateBlock, 'bMarks' | 'eMarks' | 'tShift' | 'sCount' | 'bsCount'> {
  const len = src.length
  let lines = 0
  for (let at = src.indexOf('\n'); at !== -1; at = src.indexOf('\n', at + 1)) lines++
  const size = lines + 2 // a last line without a line end, and the fake entry
  const bMarks = new Array<number>(size).fill(0)
  const eMarks = new Array<number>(size).fill(0)
  const tShift = new Array<number>(size).fill(0)
  const sCount = new Array<number>(size).fill(0)
  let n = 0
  for (let start = 0; start < len;) {
    let pos = start
    let offset = 0
    for (; pos < len; pos++) {
      const ch = src.charCodeAt(pos)
      if (ch === 0x20) offset++
      else if (ch === 0x09) offset += 4 - (offset % 4)
      else break
    }
    if (pos === len) break
    const nl = src.indexOf('\n', pos)
    const end = nl === -1 ? len : nl
    bMarks[n] = start
    eMarks[n] = end
    tShift[n] = pos - start
    sCount[n] = offset
    n++
    start = end + 1
  }
  bMarks[n] = len
  eMarks[n] = len
  tShift[n] = 0
  sCount[n] = 0
  n++
  bMarks.length = eMarks.length = tShift.length = sCount.length = n
  return { bMarks, eMarks, tShift, sCount, bsCount: new Array<number>(n).fill(0) }
}

/**
 * markdown-it's block state with its line arrays from {@link blockLineMarks} and `push` as its own,
 * making tokens with {@link plainToken}.
 */
class PlainTokenState extends md.block.State {
  constructor(...[src, mdi, env, tokens]: ConstructorParameters<typeof md.block.State>) {
    super('', mdi, env, tokens) // the constructor's own line scan, over nothing
    this.src = src
    Object.assign(this, blockLineMarks(src))
    this.lineMax = this.bMarks.length - 1 // the fake entry is no line
  }

  override push(type: string, tag: string, nesting: Token['nesting']): Token {
    const token = plainToken(type, tag, nesting)
    token.block = true
    if (nesting < 0) this.level--
    token.level = this.level
    if (nesting > 0) this.level++
    this.tokens.push(token)
    return token
  }
}
md.block.State = PlainTokenState

/**
 * The block tokens of `src`, in order, handed to `take` a few at a time (each call ends with a
 * finished top-level block, so a heading's inline token is in the same call as its `heading_open`).
 */
export function streamBlockTokens(src: string, take: (tokens: Token[]) => void): void {
  const rest = md.parse(src, { take })
  if (rest.length > 0) take(rest)
}

/** Length of a UTF-8 byte order mark at the start of `buf` (3 or 0). */
export function bomLength(buf: Buffer): number {
  return buf.length >= 3 && buf[0] === UTF8_BOM[0] && buf[1] === UTF8_BOM[1] && buf[2] === UTF8_BOM[2] ? 3 : 0
}

/**
 * Byte offsets of line starts from `from`, plus a final entry equal to `buf.length`. LF, CRLF and a
 * lone CR end a line (CommonMark), and the count matches markdown-it's: a last line without an
 * ending counts, an empty one after a final line ending does not. Bytes are scanned directly so
 * invalid UTF-8 can never shift an offset.
 */
export function lineStarts(buf: Buffer, from = 0): number[] {
  const starts = [from]
  const n = buf.length
  if (buf.indexOf(0x0d, from) === -1) {
    // LF only (most files): the native search finds each line end (a byte-by-byte loop over 5 MB
    // was ~60 ms of a section parse).
    for (let i = buf.indexOf(0x0a, from); i !== -1; i = buf.indexOf(0x0a, i + 1)) starts.push(i + 1)
    if (starts[starts.length - 1] !== n) starts.push(n)
    return starts
  }
  for (let i = from; i < n; i++) {
    const c = buf[i]
    if (c === 0x0a) starts.push(i + 1)
    else if (c === 0x0d) {
      if (buf[i + 1] === 0x0a) i++
      starts.push(i + 1)
    }
  }
  if (starts[starts.length - 1] !== n) starts.push(n)
  return starts
}

/** The file's line ending: CRLF when it has more CRLF than bare LF endings, else LF (also for files without any). */
export function dominantLineEnding(buf: Buffer): '\n' | '\r\n' {
  // Most files have no CRLF at all: one native search of the buffer says so, instead of a step per
  // line (a 1 MB document has ~20,000 lines, and every save of a section asks).
  if (buf.indexOf('\r\n') === -1) return '\n'
  let lf = 0
  let crlf = 0
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) {
    if (i > 0 && buf[i - 1] === 0x0d) crlf++
    else lf++
  }
  return crlf > lf ? '\r\n' : '\n'
}

/** True when bytes [s, e) are `---` (or `...` when allowed) followed only by spaces, tabs and a line ending. */
export function isFrontMatterFence(buf: Buffer, s: number, e: number, allowDots: boolean): boolean {
  let end = e
  while (end > s && (buf[end - 1] === 0x0a || buf[end - 1] === 0x0d)) end--
  while (end > s && (buf[end - 1] === 0x20 || buf[end - 1] === 0x09)) end--
  if (end - s !== 3) return false
  const c = buf[s]
  if (c !== 0x2d && !(allowDots && c === 0x2e)) return false
  return buf[s + 1] === c && buf[s + 2] === c
}

/**
 * Number of lines taken by front matter (opening `---` through the closing `---` or `...`), or 0.
 * `starts` comes from {@link lineStarts}. An opening line without a closing one is not front matter.
 */
export function frontMatterLineCount(buf: Buffer, starts: readonly number[]): number {
  const lines = starts.length - 1
  if (lines < 2 || !isFrontMatterFence(buf, starts[0], starts[1], false)) return 0
  for (let l = 1; l < lines; l++) {
    if (isFrontMatterFence(buf, starts[l], starts[l + 1], true)) return l + 1
  }
  return 0
}

/** Joins a setext heading's content lines the way a reader sees them: one line, single spaces at the joins. */
function headingText(token: Token | undefined): string {
  const raw = token?.content ?? ''
  return raw.includes('\n')
    ? raw
        .split('\n')
        .map((l) => l.trim())
        .join(' ')
    : raw.trim()
}

/**
 * Parses a buffer into sections with a real CommonMark block parser (markdown-it). Only headings
 * at nesting level 0 start sections, so `#` lines in code, HTML blocks, quotes, lists and front
 * matter never do. The preamble is always first; the sections tile the buffer exactly.
 */
export function parseSectionsDetailed(buf: Buffer, opts: ParseOptions = {}): ParseResult {
  const fileStart = opts.fileStart ?? true
  const bom = fileStart ? bomLength(buf) : 0
  const starts = lineStarts(buf, bom)
  const lineCount = starts.length - 1
  const fmLines = fileStart ? frontMatterLineCount(buf, starts) : 0
  // Front matter lines become empty lines so every line number the parser reports is still right.
  // Decoding from a line start is safe: line-ending bytes are ASCII and never part of a sequence.
  const src = '\n'.repeat(fmLines) + buf.subarray(starts[fmLines], buf.length).toString('utf8')

  const sections: ParsedSection[] = []
  const blocks: TopBlock[] = []
  const open = (line: number, level: number, heading: string, bodyLine: number): void => {
    const prev = sections[sections.length - 1]
    if (prev) {
      prev.end = starts[line]
      prev.endLine = line
    }
    sections.push({
      level,
      heading,
      startLine: line,
      endLine: lineCount,
      start: sections.length === 0 ? 0 : starts[line],
      end: buf.length,
      bodyStart: sections.length === 0 ? 0 : starts[bodyLine]
    })
  }
  open(0, 0, '', 0)
  streamBlockTokens(src, (tokens) => {
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]
      if (t.level !== 0 || t.nesting === -1 || !t.map) continue
      if (opts.blocks)
        blocks.push({ type: t.type.replace(/_open$/, ''), startLine: t.map[0], endLine: t.map[1] })
      if (t.type === 'heading_open')
        open(t.map[0], Number(t.tag.slice(1)), headingText(tokens[i + 1]), t.map[1])
    }
  })
  return { sections, blocks }
}

/** Sections of a whole file: the preamble (level 0, possibly empty) followed by one entry per level-0 heading. */
export function parseSections(buf: Buffer): ParsedSection[] {
  return parseSectionsDetailed(buf).sections
}

/** True when a line in bytes [from, to) (from at a line start) could close front matter: `---` or `...`. */
export function containsFrontMatterFence(buf: Buffer, from: number, to: number): boolean {
  for (let s = from; s < to;) {
    let e = s
    while (e < to && buf[e] !== 0x0a && buf[e] !== 0x0d) e++
    if (isFrontMatterFence(buf, s, e, true)) return true
    if (e < to && buf[e] === 0x0d && buf[e + 1] === 0x0a) e++
    s = e + 1
  }
  return false
}
