import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  buildIndex,
  cachedSectionsOf,
  clearIndexCache,
  hashSections,
  sha256Hex,
  type SectionIndex
} from '../sections/section-index'
import { parseSections } from '../sections/parse-sections'
import { idProblems, indexProblems } from './index-check'

const BUF = Buffer.from('# Title\n\nintro\n\n## Alpha\n\nalpha text\n\n## Beta\n\nbeta text\n')

function index(change: (ix: SectionIndex) => void = () => undefined): SectionIndex {
  const ix = structuredClone(buildIndex(BUF, null))
  change(ix)
  return ix
}

// Every lie is caught whether the file's parse is in the cache (a running app) or not (a fresh
// instance: the check parses and hashes only what it compares).
describe.each([
  ['the parse cached', () => buildIndex(BUF, null)],
  ['nothing cached', () => clearIndexCache()]
])('indexProblems, %s', (_, prepare) => {
  const indexProblemsNow = (buf: Buffer, ix: SectionIndex) => {
    prepare()
    return indexProblems(buf, ix)
  }
  it('a true index has none', () => {
    expect(index().sections.map((s) => s.id)).toEqual(['preamble', 'title', 'alpha', 'beta'])
    expect(indexProblemsNow(BUF, index())).toEqual([])
  })

  it('swapped ids', () => {
    const ix = index((x) => {
      x.sections[2].id = 'beta'
      x.sections[3].id = 'alpha'
    })
    expect(indexProblemsNow(BUF, ix)).toEqual([expect.stringMatching(/carry each other's ids/)])
  })

  it('ranges that tile the file and carry their own checksums, but do not start at headings', () => {
    const ix = index((x) => {
      x.sections[2].end += 3
      x.sections[3].start += 3
      for (const s of x.sections) s.sha256 = sha256Hex(BUF.subarray(s.start, s.end))
    })
    expect(indexProblemsNow(BUF, ix).join()).toMatch(/claims bytes/)
  })

  it('a heading it does not have', () => {
    const ix = index((x) => {
      x.sections[3].heading = 'Gamma'
    })
    expect(indexProblemsNow(BUF, ix).join()).toMatch(/claims the heading “Gamma”/)
  })

  it('a section missing', () => {
    const ix = index((x) => {
      x.sections[2].end = x.sections[3].end
      x.sections.pop()
    })
    expect(indexProblemsNow(BUF, ix).join()).toMatch(/lists 3 sections, the file has 4/)
  })

  it('ids twice, malformed, or a second preamble', () => {
    expect(idProblems(index((x) => void (x.sections[3].id = 'alpha'))).join()).toMatch(/given to two/)
    expect(idProblems(index((x) => void (x.sections[3].id = '../x'))).join()).toMatch(/not one the app/)
    expect(idProblems(index((x) => void (x.sections[3].id = 'preamble'))).join()).toMatch(
      /called the preamble/
    )
  })

  it('an index of another file content', () => {
    expect(indexProblemsNow(Buffer.from('# Other\n'), index())).toEqual([
      expect.stringMatching(/another version/)
    ])
  })

  it('a section whose checksum lies (ranges and headings true)', () => {
    const ix = index((x) => void (x.sections[2].sha256 = sha256Hex('something else')))
    expect(indexProblemsNow(BUF, ix).join()).toMatch(/“alpha” claims bytes/)
  })
})

describe('a check without the parse cached', () => {
  it('leaves the parse cached, with every checksum, when it found a lie (the rebuild needs them)', () => {
    const ix = index((x) => void (x.sections[3].heading = 'Gamma'))
    clearIndexCache()
    expect(indexProblems(BUF, ix)).not.toEqual([])
    expect(cachedSectionsOf(sha256Hex(BUF))).toEqual(hashSections(BUF, parseSections(BUF)))
  })

  it('agrees with the cached check on random documents and random lies', () => {
    const line = fc.constantFrom('# A', '## B', 'text', '', '```', 'B\n===', '> # q', '- # l', '#', '# A\r')
    const lie = fc.constantFrom('none', 'start', 'sha', 'heading', 'level', 'drop', 'id')
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), lie, fc.nat(), (lines, kind, at) => {
        const buf = Buffer.from(lines.join('\n'))
        const ix = structuredClone(buildIndex(buf, null))
        const x = ix.sections[at % ix.sections.length]
        if (kind === 'start' && x.start > 0) x.start--
        if (kind === 'sha') x.sha256 = sha256Hex('x')
        if (kind === 'heading') x.heading += '!'
        if (kind === 'level') x.level = (x.level % 6) + 1
        if (kind === 'drop') ix.sections.splice(at % ix.sections.length, 1)
        if (kind === 'id') x.id = x.id === 'preamble' ? 'p' : 'preamble'
        const cached = indexProblems(buf, ix) // buildIndex cached this content's parse
        clearIndexCache()
        expect(indexProblems(buf, ix)).toEqual(cached)
      }),
      { numRuns: 500 }
    )
  })
})
