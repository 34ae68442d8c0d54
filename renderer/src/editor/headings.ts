/**
 * Where sections start in text the writer is editing, read the way the services read a file: with
 * markdown-it's CommonMark block parser (block rules only), so a `#` line in a code block, an HTML
 * block, a quote, a list or front matter is not a heading. The window needs it for the outline of
 * unsaved text (a heading just typed is a section-to-be) and to see a heading being destroyed.
 */
import MarkdownIt from 'markdown-it'
import type { Text } from '@codemirror/state'

// Block-only, as on the services' side: inline parsing says nothing about where sections start.
const md = new MarkdownIt({ html: true })
md.core.ruler.enableOnly(['normalize', 'block'])

/** A heading line found in a text. */
export interface HeadingLine {
  /** 0-based line of the heading's first line in the parsed text. */
  line: number
  level: number
  /** As written (inline markup kept); setext lines joined by one space. */
  heading: string
}

const FENCE = /^---[ \t]*$/
const CLOSE = /^(?:---|\.\.\.)[ \t]*$/

/** Lines of front matter at the start of `lines` (opening `---` through its closing line), or 0. */
function frontMatterLines(lines: readonly string[]): number {
  if (lines.length < 2 || !FENCE.test(lines[0])) return 0
  for (let l = 1; l < lines.length; l++) if (CLOSE.test(lines[l])) return l + 1
  return 0
}

/**
 * The level-0 headings of `text`. `fileStart`: the text is the start of a file, where a BOM and
 * front matter are recognised (front matter lines are blanked, so line numbers stay right).
 */
export function parseHeadings(text: string, fileStart: boolean): HeadingLine[] {
  let src = fileStart ? text.replace(/^\uFEFF/, '') : text
  if (fileStart) {
    const lines = src.split('\n')
    const fm = frontMatterLines(lines)
    if (fm > 0) src = '\n'.repeat(fm) + lines.slice(fm).join('\n')
  }
  const tokens = md.parse(src, {})
  const out: HeadingLine[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    if (t.type !== 'heading_open' || t.level !== 0 || !t.map) continue
    const raw = tokens[i + 1]?.content ?? ''
    const heading = raw.includes('\n')
      ? raw
          .split('\n')
          .map((l) => l.trim())
          .join(' ')
      : raw.trim()
    out.push({ line: t.map[0], level: Number(t.tag.slice(1)), heading })
  }
  return out
}

const ATX = /^ {0,3}#{1,6}(?:[ \t]|$)/
const SETEXT_UNDERLINE = /^ {0,3}(?:=+|-+)[ \t]*$/

/**
 * True when `pos` is at the start of a line that reads as a heading on its own: an ATX heading, or
 * a non-blank line underlined with `===` or `---`. A quick local test for "does this section still
 * start with its heading"; the services' full check decides at save time.
 */
export function startsWithHeading(doc: Text, pos: number): boolean {
  if (pos > doc.length) return false
  const line = doc.lineAt(pos)
  if (line.from !== pos) return false
  if (ATX.test(line.text)) return true
  if (!line.text.trim() || /^(?: {4}|\t)/.test(line.text) || line.number >= doc.lines) return false
  return SETEXT_UNDERLINE.test(doc.line(line.number + 1).text)
}
