/**
 * Random markdown for property tests of sections and splices: documents mixing ATX and setext
 * headings, paragraphs, fences full of `#` lines and the lines that change how others read
 * (front matter, quotes, lists, HTML, indented code), with LF or CRLF; and replacement texts.
 */
import fc from 'fast-check'

const b = (s: string): Buffer => Buffer.from(s, 'utf8')

const word = fc.constantFrom('alpha', 'Beta', 'Notes', 'x', 'ünï', 'two words')
const trickyLine = fc.constantFrom(
  '===',
  '---',
  '***',
  '...',
  '- item',
  '- # item heading',
  '> # quoted',
  '1. one',
  '```',
  '~~~',
  '<div>',
  '</div>',
  '<!-- c',
  '-->',
  '    # indented',
  '#hashtag',
  '| a | b |',
  '|---|---|',
  ''
)
const atx = fc
  .tuple(fc.integer({ min: 1, max: 6 }), word, fc.boolean())
  .map(([n, w, close]) => [`${'#'.repeat(n)} ${w}${close ? ' #' : ''}`])
const setext = fc.tuple(word, fc.constantFrom('===', '---', '--')).map(([w, u]) => [w, u])
const para = fc.array(fc.oneof(word, trickyLine), { minLength: 1, maxLength: 3 })
const fence = fc
  .tuple(
    fc.constantFrom('```', '~~~'),
    fc.array(
      fc.oneof(
        atx.map((l) => l[0]),
        word
      ),
      { maxLength: 2 }
    )
  )
  .map(([f, body]) => [f, ...body, f])
const block = fc.oneof(atx, atx, setext, para, fence, fc.constant(['']))
export const lines = (max: number) => fc.array(block, { maxLength: max }).map((bs) => bs.flat())
const prefix = fc.constantFrom(
  '',
  '',
  '\uFEFF',
  '---\ntitle: t\n# c\n---\n',
  '---\n',
  '\uFEFF---\nk: v\n...\n'
)

export const documentArb = fc
  .record({ prefix, body: lines(12), eol: fc.constantFrom('\n', '\r\n'), trailing: fc.boolean() })
  .map(({ prefix, body, eol, trailing }) => {
    const text = prefix.replace(/\n/g, eol) + body.join(eol) + (trailing && body.length ? eol : '')
    return { buf: b(text), eol }
  })

export const replacementArb = fc
  .record({
    head: fc.oneof(atx, atx, setext, para),
    rest: lines(5),
    eols: fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 12, maxLength: 12 }),
    trailing: fc.boolean()
  })
  .map(({ head, rest, eols, trailing }) => {
    const all = [...head, ...rest]
    return all.map((l, k) => l + (k < all.length - 1 || trailing ? eols[k % eols.length] : '')).join('')
  })
