import fs from 'node:fs'
import path from 'node:path'
import MarkdownIt from 'markdown-it'
import type { Token } from 'markdown-it'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  blockLineMarks,
  dominantLineEnding,
  lineStarts,
  parseSections,
  streamBlockTokens,
  type ParsedSection
} from './parse-sections'

function parse(src: string | Buffer): ParsedSection[] {
  const buf = typeof src === 'string' ? Buffer.from(src, 'utf8') : src
  const sections = parseSections(buf)
  // Every parse must tile the buffer exactly, preamble first.
  expect(sections[0]).toMatchObject({ level: 0, heading: '', start: 0, startLine: 0 })
  sections.forEach((s, i) => {
    if (i > 0) {
      expect(s.start).toBe(sections[i - 1].end)
      expect(s.startLine).toBe(sections[i - 1].endLine)
    }
    expect(s.end).toBeGreaterThanOrEqual(s.start)
    expect(s.bodyStart).toBeGreaterThanOrEqual(s.start)
    expect(s.bodyStart).toBeLessThanOrEqual(s.end)
  })
  expect(sections[sections.length - 1].end).toBe(buf.length)
  return sections
}

function headings(src: string | Buffer): Array<[number, string]> {
  return parse(src)
    .slice(1)
    .map((s) => [s.level, s.heading])
}

function texts(src: string): string[] {
  const buf = Buffer.from(src, 'utf8')
  return parse(buf).map((s) => buf.subarray(s.start, s.end).toString('utf8'))
}

describe('parseSections', () => {
  it('splits at ATX headings, stripping markers and closing hashes', () => {
    const src = 'intro\n\n# One #\nbody\n## Two ##  \n###   Three\n#hashtag is text\n'
    expect(headings(src)).toEqual([
      [1, 'One'],
      [2, 'Two'],
      [3, 'Three']
    ])
    expect(texts(src)).toEqual([
      'intro\n\n',
      '# One #\nbody\n',
      '## Two ##  \n',
      '###   Three\n#hashtag is text\n'
    ])
  })

  it('recognises setext headings with = and -, joining multi-line headings with a space', () => {
    const src = 'First\n=====\ntext\n\nSecond  \n  part two\n---\nmore\n'
    const s = parse(src)
    expect(s.slice(1).map((x) => [x.level, x.heading])).toEqual([
      [1, 'First'],
      [2, 'Second part two']
    ])
    expect(s[1]).toMatchObject({ startLine: 0, endLine: 4 })
    expect(s[2]).toMatchObject({ startLine: 4, endLine: 8 })
    expect(s[2].bodyStart).toBe(Buffer.byteLength('First\n=====\ntext\n\nSecond  \n  part two\n---\n'))
  })

  it('ignores # lines inside fenced code (``` and ~~~), including an unclosed fence', () => {
    expect(headings('# A\n```\n# not\n```\n~~~md\n# not either\n~~~\n# B\n')).toEqual([
      [1, 'A'],
      [1, 'B']
    ])
    expect(headings('# A\n```\n# swallowed to the end\n# B\n')).toEqual([[1, 'A']])
  })

  it('ignores indented code', () => {
    expect(headings('para\n\n    # code\n\n# Real\n')).toEqual([[1, 'Real']])
  })

  it('treats an HTML block as HTML, not headings', () => {
    expect(headings('<div>\n# x\n</div>\n\n# y\n')).toEqual([[1, 'y']])
    expect(headings('<!--\n# hidden\n\n# still hidden\n-->\n# z\n')).toEqual([[1, 'z']])
  })

  it('ignores headings nested in blockquotes and list items', () => {
    expect(headings('> # quoted\n\n- # listed\n1. # numbered\n\n# top\n')).toEqual([[1, 'top']])
  })

  it('keeps front matter (with # comments and ---) in the preamble', () => {
    const src = '---\ntitle: x\n# a yaml comment\n---\n# Real\nbody\n\n---\n'
    const s = parse(src)
    expect(s.slice(1).map((x) => x.heading)).toEqual(['Real'])
    expect(s[0]).toMatchObject({
      startLine: 0,
      endLine: 4,
      end: Buffer.byteLength('---\ntitle: x\n# a yaml comment\n---\n')
    })
    expect(headings('---\nk: v\n# c\n...\nText\n---\n')).toEqual([[2, 'Text']])
  })

  it('does not read front matter later in the file or without a closing line', () => {
    // Unclosed: the --- is a thematic break and the heading after it counts.
    expect(headings('---\n# A\n')).toEqual([[1, 'A']])
    // Front matter only at the very start; later --- lines are rules or setext underlines.
    expect(headings('\n---\nk: v\n---\n')).toEqual([[2, 'k: v']])
  })

  it('keeps a BOM in the preamble without hiding a heading on line 1', () => {
    const buf = Buffer.from('\uFEFF# A\ntext\n# B\n', 'utf8')
    const s = parse(buf)
    expect(s.map((x) => [x.heading, x.start, x.end, x.startLine, x.endLine])).toEqual([
      ['', 0, 3, 0, 0],
      ['A', 3, 12, 0, 2],
      ['B', 12, 16, 2, 3]
    ])
    expect(headings(Buffer.from('\uFEFF---\nk: v\n---\n# A\n', 'utf8'))).toEqual([[1, 'A']])
  })

  it('handles CRLF and lone CR line endings with exact byte offsets', () => {
    const crlf = Buffer.from('intro\r\n# A\r\nx\r\n\r\nB\r\n-\r\n', 'utf8')
    expect(parse(crlf).map((x) => [x.heading, x.start, x.end, x.startLine, x.endLine])).toEqual([
      ['', 0, 7, 0, 1],
      ['A', 7, 17, 1, 4],
      ['B', 17, 23, 4, 6]
    ])
    const cr = Buffer.from('intro\r# A\rx\r## B\r', 'utf8')
    expect(parse(cr).map((x) => [x.heading, x.start, x.end, x.startLine])).toEqual([
      ['', 0, 6, 0],
      ['A', 6, 12, 1],
      ['B', 12, 17, 3]
    ])
  })

  it('keeps byte offsets exact around invalid UTF-8', () => {
    const buf = Buffer.concat([
      Buffer.from('pre ', 'utf8'),
      Buffer.from([0xff, 0xe2, 0x0a]),
      Buffer.from('# A\nbad ', 'utf8'),
      Buffer.from([0xc3, 0x0d, 0x0a, 0xf0, 0x9f]),
      Buffer.from('\n# B é\n', 'utf8')
    ])
    const s = parse(buf)
    expect(s.slice(1).map((x) => x.heading)).toEqual(['A', 'B é'])
    expect(buf.subarray(s[1].start, s[1].start + 3).toString()).toBe('# A')
    expect(buf.subarray(s[2].start).toString()).toBe('# B é\n')
    expect(s[2].startLine).toBe(4)
  })

  it('returns one empty preamble for an empty file and the whole file when there is no heading', () => {
    expect(parse(Buffer.alloc(0))).toEqual([
      { level: 0, heading: '', startLine: 0, endLine: 0, start: 0, end: 0, bodyStart: 0 }
    ])
    const s = parse('just text\n\nmore\n')
    expect(s).toHaveLength(1)
    expect(s[0]).toMatchObject({ end: 16, endLine: 3 })
  })

  it('gives an empty preamble when the file starts with a heading', () => {
    const s = parse('# A\n')
    expect(s[0]).toMatchObject({ start: 0, end: 0, startLine: 0, endLine: 0 })
    expect(s[1]).toMatchObject({ start: 0, end: 4, startLine: 0, endLine: 1, bodyStart: 4 })
  })

  it('handles a file without a trailing newline', () => {
    const s = parse('# A\ntext\n# B\nlast line')
    expect(s[2]).toMatchObject({ heading: 'B', start: 9, end: 22, startLine: 2, endLine: 4 })
    expect(parse('# Only')[1]).toMatchObject({ end: 6, endLine: 1, bodyStart: 6 })
  })

  it('keeps inline markup in headings as written', () => {
    expect(headings('## **Bold** and `code` [link](x)\n')).toEqual([[2, '**Bold** and `code` [link](x)']])
  })
})

describe('lineStarts', () => {
  it('counts lines like markdown-it: a final line ending adds no empty line', () => {
    expect(lineStarts(Buffer.from('a\nb'))).toEqual([0, 2, 3])
    expect(lineStarts(Buffer.from('a\r\nb\r\n'))).toEqual([0, 3, 6])
    expect(lineStarts(Buffer.from('a\r\rb'))).toEqual([0, 2, 3, 4])
    expect(lineStarts(Buffer.alloc(0))).toEqual([0])
  })

  it('gives the same starts with and without CR in the file, from any offset', () => {
    // The byte-by-byte walk (what files with CR still take), as the reference for the LF-only path.
    const walk = (buf: Buffer, from: number): number[] => {
      const starts = [from]
      for (let i = from; i < buf.length; i++) {
        if (buf[i] === 0x0a) starts.push(i + 1)
        else if (buf[i] === 0x0d) starts.push((i += buf[i + 1] === 0x0a ? 1 : 0) + 1)
      }
      if (starts[starts.length - 1] !== buf.length) starts.push(buf.length)
      return starts
    }
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', '\n', '\r', '\r\n', 'é', '\n\n'), { maxLength: 30 }),
        fc.constantFrom(0, 1, 3),
        (parts, from) => {
          const buf = Buffer.from(parts.join(''), 'utf8')
          if (from > buf.length) return
          expect(lineStarts(buf, from)).toEqual(walk(buf, from))
        }
      ),
      { numRuns: 500 }
    )
  })
})

describe('dominantLineEnding', () => {
  it('picks CRLF only when CRLF outnumbers LF', () => {
    expect(dominantLineEnding(Buffer.from('a\r\nb\r\nc\n'))).toBe('\r\n')
    expect(dominantLineEnding(Buffer.from('a\r\nb\nc\n'))).toBe('\n')
    expect(dominantLineEnding(Buffer.from('no newline'))).toBe('\n')
  })
})

describe('streamBlockTokens', () => {
  /** What the section parse reads of a token, and what the block rules set on one. */
  const shape = (t: Token): Record<string, unknown> => ({
    ...t,
    children: t.children?.map(shape) ?? null,
    methods: Object.getPrototypeOf(t) === Object.getPrototypeOf(new MarkdownIt().parse('# a', {})[0])
  })

  /** The tokens of a plain markdown-it block parse (no streaming rule), as the section parse configures it. */
  function plain(src: string): unknown[] {
    const md = new MarkdownIt({ html: true })
    md.core.ruler.enableOnly(['normalize', 'block'])
    return md.parse(src, {}).map(shape)
  }

  function streamed(src: string): { tokens: unknown[]; batches: Token[][] } {
    const tokens: unknown[] = []
    const batches: Token[][] = []
    streamBlockTokens(src, (batch) => {
      batches.push([...batch])
      tokens.push(...batch.map(shape))
    })
    return { tokens, batches }
  }

  // Blocks whose rules look at their own tokens (tight lists), nest (quotes, lists in quotes), or
  // run to the end (an unclosed fence), and headings that are not level 0.
  const tricky = [
    'intro\n\n# One\n- a\n- b\n\n  # in item\n- c\n\n1. x\n2. y\n\n> # quoted\n> - q\n>   # deeper\nlazy\n',
    'Title\n=====\n\npara\nSub\n---\n\n| a | b |\n|---|---|\n| # | c |\n\n[ref]: /x\n\n<div>\n# not\n</div>\n',
    '    # code\n\n```\n# fenced\n```\n\n~~~\n# unclosed fence\n',
    '- tight\n- list\n# heading right after\n* loose\n\n* list\n\n> a\n# b\n'
  ]

  it('hands over exactly the tokens of a plain parse, in order, each heading with its inline token', () => {
    for (const src of tricky) {
      const { tokens, batches } = streamed(src)
      expect(tokens).toEqual(plain(src))
      expect(batches.length).toBeGreaterThan(1)
      for (const b of batches) {
        const last = b[b.length - 1]
        expect(last.level).toBe(0) // every batch ends with a finished top-level block
        b.forEach((t, i) => t.type === 'heading_open' && expect(b[i + 1]?.type).toBe('inline'))
      }
    }
  })

  it('matches a plain parse on real markdown (the READMEs of installed packages)', () => {
    const root = path.resolve(__dirname, '../../../node_modules')
    const files = ['markdown-it', 'zod', 'react', '@codemirror/view', 'vitest', 'chokidar']
      .map((p) => path.join(root, p, 'README.md'))
      .filter((f) => fs.existsSync(f))
    expect(files.length).toBeGreaterThan(2)
    for (const f of files) {
      const src = fs.readFileSync(f, 'utf8')
      expect(streamed(src).tokens).toEqual(plain(src))
    }
  })

  // Lines of spaces and tabs (indentation, a blank last line without a line end), headings, fences,
  // quotes, lists and tables: what the block rules look at through the line arrays.
  const pieces = [
    '\n',
    ' ',
    '  ',
    '\t',
    '# h',
    '## h',
    'text',
    '```',
    '~~~',
    '> ',
    '- ',
    '1. ',
    '===',
    '---',
    '| a |',
    '<div>',
    '    code'
  ]
  const markdownish = fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((p) => p.join(''))

  it('starts from the same line arrays as markdown-it’s own block state, on any text', () => {
    const md = new MarkdownIt()
    fc.assert(
      fc.property(markdownish, (src) => {
        const own = new md.block.State(src, md, {}, [])
        const fast = blockLineMarks(src)
        expect(fast).toEqual({
          bMarks: own.bMarks,
          eMarks: own.eMarks,
          tShift: own.tShift,
          sCount: own.sCount,
          bsCount: own.bsCount
        })
        expect(fast.bMarks.length - 1).toBe(own.lineMax)
      }),
      { numRuns: 2000 }
    )
  })

  it('hands over exactly the tokens of a plain parse on any text', () => {
    fc.assert(
      fc.property(markdownish, (src) => {
        expect(streamed(src).tokens).toEqual(plain(src))
      }),
      { numRuns: 500 }
    )
  })
})
