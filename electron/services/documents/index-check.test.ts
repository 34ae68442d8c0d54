import { describe, expect, it } from 'vitest'
import { buildIndex, sha256Hex, type SectionIndex } from '../sections/section-index'
import { idProblems, indexProblems } from './index-check'

const BUF = Buffer.from('# Title\n\nintro\n\n## Alpha\n\nalpha text\n\n## Beta\n\nbeta text\n')

function index(change: (ix: SectionIndex) => void = () => undefined): SectionIndex {
  const ix = structuredClone(buildIndex(BUF, null))
  change(ix)
  return ix
}

describe('indexProblems', () => {
  it('a true index has none', () => {
    expect(index().sections.map((s) => s.id)).toEqual(['preamble', 'title', 'alpha', 'beta'])
    expect(indexProblems(BUF, index())).toEqual([])
  })

  it('swapped ids', () => {
    const ix = index((x) => {
      x.sections[2].id = 'beta'
      x.sections[3].id = 'alpha'
    })
    expect(indexProblems(BUF, ix)).toEqual([expect.stringMatching(/carry each other's ids/)])
  })

  it('ranges that tile the file and carry their own checksums, but do not start at headings', () => {
    const ix = index((x) => {
      x.sections[2].end += 3
      x.sections[3].start += 3
      for (const s of x.sections) s.sha256 = sha256Hex(BUF.subarray(s.start, s.end))
    })
    expect(indexProblems(BUF, ix).join()).toMatch(/claims bytes/)
  })

  it('a heading it does not have', () => {
    const ix = index((x) => {
      x.sections[3].heading = 'Gamma'
    })
    expect(indexProblems(BUF, ix).join()).toMatch(/claims the heading “Gamma”/)
  })

  it('a section missing', () => {
    const ix = index((x) => {
      x.sections[2].end = x.sections[3].end
      x.sections.pop()
    })
    expect(indexProblems(BUF, ix).join()).toMatch(/lists 3 sections, the file has 4/)
  })

  it('ids twice, malformed, or a second preamble', () => {
    expect(idProblems(index((x) => void (x.sections[3].id = 'alpha'))).join()).toMatch(/given to two/)
    expect(idProblems(index((x) => void (x.sections[3].id = '../x'))).join()).toMatch(/not one the app/)
    expect(idProblems(index((x) => void (x.sections[3].id = 'preamble'))).join()).toMatch(
      /called the preamble/
    )
  })

  it('an index of another file content', () => {
    expect(indexProblems(Buffer.from('# Other\n'), index())).toEqual([
      expect.stringMatching(/another version/)
    ])
  })
})
