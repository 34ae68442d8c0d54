import fc from 'fast-check'
import { beforeEach, describe, expect, it } from 'vitest'
import { NotFoundError, ValidationError } from '../../../shared/errors'
import { parseSections } from './parse-sections'
import { buildIndex, clearIndexCache, hashSections, sectionText, type SectionIndex } from './section-index'
import { prepareSectionBytes, spliceRun, spliceSection } from './splice'
import { documentArb, lines, replacementArb } from '../../../test/harness/markdown-arbitraries'

const b = (s: string): Buffer => Buffer.from(s, 'utf8')
const endsWithEol = (buf: Buffer): boolean =>
  buf.length > 0 && (buf[buf.length - 1] === 0x0a || buf[buf.length - 1] === 0x0d)

function splice(
  src: string | Buffer,
  id: string,
  text: string
): { before: SectionIndex; out: string; index: SectionIndex } {
  const buf = typeof src === 'string' ? b(src) : src
  const before = buildIndex(buf, null)
  const r = spliceSection(buf, before, id, text)
  return { before, out: r.buffer.toString('utf8'), index: r.index }
}

/** The index without ids must be exactly what a fresh parse of the file gives. */
function expectMatchesFreshParse(buf: Buffer, index: SectionIndex): void {
  const fresh = hashSections(buf, parseSections(buf))
  expect(index.sections.map(({ id: _, ...s }) => s)).toEqual(fresh.map((s) => ({ ...s })))
  expect(index.fileSize).toBe(buf.length)
  clearIndexCache()
  expect(buildIndex(buf, index).fileSha256).toBe(index.fileSha256)
}

function refusal(src: string, id: string, text: string): string {
  const buf = b(src)
  const index = buildIndex(buf, null)
  try {
    spliceSection(buf, index, id, text)
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError)
    return (err as ValidationError).message
  }
  throw new Error('expected the splice to be refused')
}

beforeEach(() => clearIndexCache())

const DOC = 'intro\n\n# One\nfirst\n\n## Two\nsecond\n\n## Three\nthird\n'

describe('spliceSection', () => {
  it('replaces exactly one section and shifts the ones after it', () => {
    const { before, out, index } = splice(DOC, 'two', '## Two\nsecond, longer\nand a line more\n\n')
    expect(out).toBe('intro\n\n# One\nfirst\n\n## Two\nsecond, longer\nand a line more\n\n## Three\nthird\n')
    expect(index.sections.map((s) => s.id)).toEqual(['preamble', 'one', 'two', 'three'])
    expect(index.sections[3]).toMatchObject({ sha256: before.sections[3].sha256, startLine: 9 })
    expect(index.sections[3].start).toBe(before.sections[3].start + 24)
    expectMatchesFreshParse(b(out), index)
  })

  it('keeps the id when the holder renames the heading, and gives extra headings fresh ids', () => {
    const { out, index } = splice(DOC, 'two', '### Renamed\nbody\n\n## One\nnew section\n\n## Extra\n')
    expect(index.sections.map((s) => [s.id, s.heading])).toEqual([
      ['preamble', ''],
      ['one', 'One'],
      ['two', 'Renamed'],
      ['one-2', 'One'],
      ['extra', 'Extra'],
      ['three', 'Three']
    ])
    expectMatchesFreshParse(b(out), index)
  })

  it('converts line endings to the file’s and adds a missing final line ending before the next section', () => {
    const crlf = DOC.replace(/\n/g, '\r\n')
    const { out, index } = splice(crlf, 'one', '# One\nfirst\rsecond\r\nthird')
    expect(out).toBe(crlf.replace('# One\r\nfirst\r\n\r\n', '# One\r\nfirst\r\nsecond\r\nthird\r\n'))
    expectMatchesFreshParse(b(out), index)
  })

  it('keeps the file’s trailing-newline state when the last section changes', () => {
    expect(splice('# A\nx\n# B\nlast', 'b', '# B\nnew\n\n').out).toBe('# A\nx\n# B\nnew')
    expect(splice('# A\nx\n# B\nlast\n', 'b', '# B\nnew').out).toBe('# A\nx\n# B\nnew\n')
    expect(splice('', 'preamble', 'hello').out).toBe('hello')
    expect(splice('', 'preamble', 'hello\n').out).toBe('hello\n')
  })

  it('keeps a BOM, front matter handling and invalid bytes elsewhere untouched', () => {
    const buf = Buffer.concat([
      b('\uFEFF---\nk: v\n---\nintro\n# A\nbad '),
      Buffer.from([0xff, 0xfe]),
      b('\n# B\nend\n')
    ])
    const index = buildIndex(buf, null)
    const r = spliceSection(buf, index, 'preamble', '---\nk: w\n---\nnew intro\n')
    expect(r.buffer.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    expect(r.buffer.subarray(r.index.sections[1].start)).toEqual(buf.subarray(index.sections[1].start))
    expectMatchesFreshParse(r.buffer, r.index)
    const r2 = spliceSection(r.buffer, r.index, 'b', '# B\nchanged\n')
    expect(r2.buffer.subarray(0, r2.index.sections[2].start)).toEqual(
      r.buffer.subarray(0, r.index.sections[2].start)
    )
    expectMatchesFreshParse(r2.buffer, r2.index)
  })

  it('works with an index stored without body checksums', () => {
    const buf = b(DOC)
    const full = buildIndex(buf, null)
    const stored = { ...full, sections: full.sections.map(({ bodySha256: _, ...s }) => s) }
    const r = spliceSection(buf, stored, 'three', '## Three\nchanged\n')
    expect(r.index.sections.map((s) => s.id)).toEqual(['preamble', 'one', 'two', 'three'])
    expect(sectionText(r.buffer, r.index.sections[3])).toBe('## Three\nchanged\n')
  })

  it('throws NotFoundError for an unknown section', () => {
    const buf = b(DOC)
    expect(() => spliceSection(buf, buildIndex(buf, null), 'nope', '# X\n')).toThrow(NotFoundError)
  })
})

describe('spliceSection refusals', () => {
  it('refuses text whose heading was removed or has text before it', () => {
    expect(refusal(DOC, 'two', 'just a body\n')).toMatch(/must begin with its heading line, such as “## Two”/)
    expect(refusal(DOC, 'two', '\n## Two\nbody\n')).toMatch(/must begin with its heading/)
    expect(refusal(DOC, 'two', '')).toMatch(/must begin with its heading/)
  })

  it('refuses an unclosed code fence that would swallow the next heading', () => {
    expect(refusal(DOC, 'two', '## Two\n```\ncode\n')).toMatch(/swallow the heading “Three”.*code block/)
    expect(refusal(DOC, 'two', '## Two\n<!-- note\n')).toMatch(/swallow the heading “Three”.*HTML block/)
  })

  it('refuses a last paragraph line that a following setext heading would absorb', () => {
    const src = '# A\nx\n\nNext\n----\nbody\n'
    expect(refusal(src, 'a', '# A\nlast line without blank')).toMatch(
      /swallow the heading “Next”.*blank line/
    )
    // With the blank line the same text is fine.
    const { out } = splice(src, 'a', '# A\nlast line\n\n')
    expect(out).toBe('# A\nlast line\n\nNext\n----\nbody\n')
  })

  it('refuses a setext first heading that would merge with the paragraph above', () => {
    const src = 'para\n# A\nbody\n'
    expect(refusal(src, 'a', 'Title\n=====\nbody\n')).toMatch(/merge with the end of the preamble/)
    expect(splice(src, 'a', '# Title\nbody\n').index.sections[1]).toMatchObject({ id: 'a', heading: 'Title' })
  })

  it('makes a heading typed into the preamble a new section after it (the preamble keeps its id)', () => {
    const { out, index } = splice(DOC, 'preamble', 'intro\n# Added\nnew text\n')
    expect(out.startsWith('intro\n# Added\nnew text\n')).toBe(true)
    expect(index.sections[0]).toMatchObject({ id: 'preamble', level: 0 })
    expect(index.sections[1]).toMatchObject({ heading: 'Added', level: 1 })
    expect(index.sections[1].id).not.toBe('preamble')
  })

  it('refuses front matter that is left open, and closing lines under an open ---', () => {
    expect(refusal('intro\n# A\ntext\n\n---\n', 'preamble', '---\ntitle: x\n')).toMatch(/front matter/)
    expect(refusal('---\n# A\n\ntext\n', 'a', '# A\n\n...\n')).toMatch(/never closed/)
  })
})

describe('spliceRun (a save covering consecutive held sections)', () => {
  const run = (src: string, ids: string[], text: string) => {
    const buf = b(src)
    const before = buildIndex(buf, null)
    const r = spliceRun(buf, before, ids, text)
    expectMatchesFreshParse(r.buffer, r.index)
    return { before, out: r.buffer.toString('utf8'), ...r }
  }
  const ids = (index: SectionIndex) => index.sections.map((s) => s.id)

  it('replaces the whole run; a new heading in it gets a fresh id and the others keep theirs', () => {
    const r = run(DOC, ['one', 'two'], '# One\nfirst\n\n## New\nnew\n\n## Two\nsecond, edited\n\n')
    expect(r.out).toBe('intro\n\n# One\nfirst\n\n## New\nnew\n\n## Two\nsecond, edited\n\n## Three\nthird\n')
    expect(ids(r.index)).toEqual(['preamble', 'one', 'new', 'two', 'three'])
    expect(r.run.map((s) => s.id)).toEqual(['one', 'new', 'two'])
    expect(r.created).toEqual(['new'])
    expect(r.retired).toEqual([])
    expect(r.index.sections[4]).toMatchObject({ sha256: r.before.sections[3].sha256 })
  })

  it('merges a section whose heading was deleted into the one above and retires its id', () => {
    const r = run(DOC, ['one', 'two'], '# One\nfirst\n\nsecond, now part of One\n\n')
    expect(r.out).toBe('intro\n\n# One\nfirst\n\nsecond, now part of One\n\n## Three\nthird\n')
    expect(ids(r.index)).toEqual(['preamble', 'one', 'three'])
    expect(r.retired).toEqual(['two'])
    expect(r.index.retired).toEqual(['two'])
    expect(r.created).toEqual([])
    // A run may start at the preamble: the first heading removed merges its text into the preamble.
    const p = run(DOC, ['preamble', 'one'], 'intro\n\nfirst\n\n')
    expect(ids(p.index)).toEqual(['preamble', 'two', 'three'])
    expect(p.retired).toEqual(['one'])
  })

  it('a renamed second heading keeps its id; headings are matched by text before position', () => {
    const renamed = run(DOC, ['one', 'two'], '# One\nfirst\n\n### Second, renamed\nsecond\n\n')
    expect(renamed.index.sections[2]).toMatchObject({ id: 'two', heading: 'Second, renamed', level: 3 })
    expect(renamed.retired).toEqual([])
    // Deleting the middle heading of three retires that one, not the last (matched by its heading).
    const middle = run(DOC, ['one', 'two', 'three'], '# One\nfirst\nsecond\n\n## Three\nthird\n')
    expect(ids(middle.index)).toEqual(['preamble', 'one', 'three'])
    expect(middle.retired).toEqual(['two'])
    // A gap of unequal size pairs nothing in it: both headings there are new, the old id retires.
    const gap = run(DOC, ['one', 'two', 'three'], '# One\n\n## Zwei\n\n## Extra\n\n## Three\nthird\n')
    expect(ids(gap.index)).toEqual(['preamble', 'one', 'zwei', 'extra', 'three'])
    expect(gap.retired).toEqual(['two'])
    expect(gap.created).toEqual(['zwei', 'extra'])
  })

  it('never hands out a retired id again: a new heading whose slug was retired gets a fresh one', () => {
    const merged = run(DOC, ['one', 'two'], '# One\nfirst\n\n')
    expect(merged.retired).toEqual(['two'])
    const again = spliceSection(merged.buffer, merged.index, 'one', '# One\nfirst\n\n## Two\nback again\n\n')
    expect(again.index.sections.map((s) => [s.id, s.heading])).toEqual([
      ['preamble', ''],
      ['one', 'One'],
      ['two-2', 'Two'],
      ['three', 'Three']
    ])
    expect(again.created).toEqual(['two-2'])
    expect(again.index.retired).toEqual(['two'])
  })

  it('refuses, changing nothing, runs that are not consecutive and text that would change other sections', () => {
    const buf = b(DOC)
    const index = buildIndex(buf, null)
    const copy = structuredClone(index)
    const refused = (ids: string[], text: string) => {
      try {
        spliceRun(buf, index, ids, text)
      } catch (err) {
        expect(buf.toString('utf8')).toBe(DOC)
        expect(index).toEqual(copy)
        return err as Error
      }
      throw new Error('expected the run splice to be refused')
    }
    expect(refused(['one', 'three'], '# One\n')).toBeInstanceOf(ValidationError)
    expect(refused(['two', 'one'], '## Two\n').message).toMatch(/must follow each other/)
    expect(refused(['one', 'gone'], '# One\n')).toBeInstanceOf(NotFoundError)
    expect(refused(['one', 'two'], 'no heading\n## Two\n').message).toMatch(
      /must begin with its heading line, such as “# One”/
    )
    expect(refused(['one', 'two'], '# One\n\n## Two\n```\nopen fence\n').message).toMatch(
      /swallow the heading “Three”.*code block/
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Property: a splice either changes exactly one section's bytes and yields the index a fresh parse
// gives, or it is refused and the naive splice really would have changed another section.

/** Whether the naive splice leaves every other section as it was (the oracle: a full parse). */
function othersUnchanged(buf: Buffer, index: SectionIndex, i: number, bytes: Buffer, j = i): boolean {
  const target = { start: index.sections[i].start, end: index.sections[j].end }
  const naive = Buffer.concat([buf.subarray(0, target.start), bytes, buf.subarray(target.end)])
  const fresh = parseSections(naive)
  const delta = bytes.length - (target.end - target.start)
  const same = (
    a: { start: number; heading: string; level: number },
    s: (typeof index.sections)[number],
    d: number
  ) => a.start === s.start + d && a.heading === s.heading && a.level === s.level
  for (let k = 0; k < i; k++) if (!fresh[k] || !same(fresh[k], index.sections[k], 0)) return false
  if (i > 0 && fresh[i]?.start !== target.start) return false
  const after = index.sections.length - j - 1
  const tail = fresh.slice(fresh.length - after)
  if (fresh.length - after < i + 1) return false
  if (!tail.every((s, k) => same(s, index.sections[j + 1 + k], delta))) return false
  return tail.length === 0 || tail[0].start === target.start + bytes.length
}

function onlyEol(buf: Buffer, eol: string): boolean {
  const s = buf.toString('latin1')
  return eol === '\n' ? !s.includes('\r') : !/\r(?!\n)|(?<!\r)\n/.test(s)
}

/** How many splices of a property went through and how many were refused. */
interface Tally {
  spliced: number
  refused: number
}

/**
 * Runs a splice for a property: a refusal must be one the naive splice deserved (`legit` false),
 * a splice one it allowed. Returns the result, or null when it was (rightly) refused.
 */
function spliceOrRefuse<R>(tally: Tally, legit: boolean, splice: () => R): R | null {
  let result: R
  try {
    result = splice()
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err
    tally.refused++
    expect(legit, `refused but harmless: ${err.message}`).toBe(false)
    return null
  }
  tally.spliced++
  expect(legit).toBe(true)
  return result
}

/** `out` is `buf` with bytes [start, end) replaced by `bytes`, and nothing else changed. */
function expectReplacedInPlace(buf: Buffer, out: Buffer, start: number, end: number, bytes: Buffer): void {
  expect(out.subarray(0, start)).toEqual(buf.subarray(0, start))
  expect(out.subarray(out.length - (buf.length - end))).toEqual(buf.subarray(end))
  expect(out.subarray(start, start + bytes.length)).toEqual(bytes)
}

describe('spliceSection property', () => {
  it('changes one section only, or refuses exactly when a naive splice would change another', () => {
    const tally: Tally = { spliced: 0, refused: 0 }
    fc.assert(
      fc.property(
        documentArb,
        fc.nat(),
        replacementArb,
        lines(4),
        ({ buf, eol }, pick, replacement, preamble) => {
          clearIndexCache()
          const index = buildIndex(buf, null)
          const i = pick % index.sections.length
          const target = index.sections[i]
          const text = i === 0 ? preamble.join('\n') + (preamble.length ? '\n' : '') : replacement
          const bytes = prepareSectionBytes(buf, index, i, text)
          const legit = othersUnchanged(buf, index, i, bytes)
          const result = spliceOrRefuse(tally, legit, () => spliceSection(buf, index, target.id, text))
          if (!result) return
          const out = result.buffer
          expectReplacedInPlace(buf, out, target.start, target.end, bytes)
          expectMatchesFreshParse(out, result.index)
          expect(result.index.sections.slice(0, i)).toEqual(index.sections.slice(0, i))
          const after = index.sections.slice(i + 1)
          const newAfter = result.index.sections.slice(result.index.sections.length - after.length)
          expect(newAfter.map((s) => [s.id, s.sha256, s.heading])).toEqual(
            after.map((s) => [s.id, s.sha256, s.heading])
          )
          expect(result.index.sections[i].id).toBe(target.id)
          expect(new Set(result.index.sections.map((s) => s.id)).size).toBe(result.index.sections.length)
          if (buf.includes(eol === '\n' ? '\n' : '\r\n') && onlyEol(buf, eol))
            expect(onlyEol(out, eol)).toBe(true)
          // A file emptied (but for its BOM) has no line left to end.
          if (buf.length > 0 && out.toString('utf8').replace(/^\uFEFF/, '') !== '')
            expect(endsWithEol(out)).toBe(endsWithEol(buf))
        }
      ),
      { numRuns: Number(process.env.SPLICE_RUNS ?? 400) }
    )
    // Both outcomes must actually be exercised for the property to mean anything.
    expect(tally.spliced).toBeGreaterThan(100)
    expect(tally.refused).toBeGreaterThan(10)
  })
})

describe('spliceRun property', () => {
  it('changes the run only, or refuses exactly when a naive splice would change another section', () => {
    const tally: Tally = { spliced: 0, refused: 0 }
    fc.assert(
      fc.property(
        documentArb,
        fc.nat(),
        fc.nat(),
        replacementArb,
        lines(4),
        ({ buf }, pick, width, replacement, more) => {
          clearIndexCache()
          const index = buildIndex(buf, null)
          const i = pick % index.sections.length
          const j = i + (width % Math.min(3, index.sections.length - i))
          const olds = index.sections.slice(i, j + 1)
          const text = replacement + (more.length ? `\n${more.join('\n')}\n` : '')
          const runText = i === 0 ? text.replace(/^[^\n]*\n?/, '') : text
          const bytes = prepareSectionBytes(buf, index, i, runText, j)
          const legit = othersUnchanged(buf, index, i, bytes, j)
          const ids = olds.map((s) => s.id)
          const result = spliceOrRefuse(tally, legit, () => spliceRun(buf, index, ids, runText))
          if (!result) return
          const out = result.buffer
          expectReplacedInPlace(buf, out, olds[0].start, olds[olds.length - 1].end, bytes)
          expectMatchesFreshParse(out, result.index)
          expect(result.index.sections.slice(0, i)).toEqual(index.sections.slice(0, i))
          const after = index.sections.slice(j + 1)
          const newAfter = result.index.sections.slice(result.index.sections.length - after.length)
          expect(newAfter.map((s) => [s.id, s.sha256])).toEqual(after.map((s) => [s.id, s.sha256]))
          expect(result.run[0].id).toBe(olds[0].id)
          expect(result.index.sections.slice(i, i + result.run.length)).toEqual(result.run)
          expect(new Set(result.index.sections.map((s) => s.id)).size).toBe(result.index.sections.length)
          // Every old id of the run survives or is retired; new ids were never used before.
          const now = new Set(result.run.map((s) => s.id))
          for (const s of olds) expect(now.has(s.id) !== result.retired.includes(s.id)).toBe(true)
          const before = new Set([...index.retired, ...index.sections.map((s) => s.id)])
          for (const id of result.created) expect(before.has(id)).toBe(false)
          expect(result.run.filter((s) => !olds.some((o) => o.id === s.id)).map((s) => s.id)).toEqual(
            result.created
          )
        }
      ),
      { numRuns: Number(process.env.SPLICE_RUNS ?? 300) }
    )
    expect(tally.spliced).toBeGreaterThan(50)
    expect(tally.refused).toBeGreaterThan(10)
  })
})
