/**
 * The contention anchor's save and its check: replacing one section leaves every other byte, and a
 * reported save that is not the newest text of its section in the file is counted as lost.
 */
import { describe, expect, it } from 'vitest'
import { sectionedDoc, sectionText } from './docs'
import { plainLostSaves, replaceSection, sectionsOf } from './worker-contend-plain'

describe('contention anchor', () => {
  const doc = sectionedDoc(12, 2)

  it('replaces exactly one section, the last one and the tenth included', () => {
    for (const i of [1, 2, 10, 12]) {
      const out = replaceSection(doc, i, sectionText(i, `new ${i}`))
      const before = sectionsOf(doc)
      const after = sectionsOf(out)
      expect(after.get(i)).toBe(sectionText(i, `new ${i}`))
      for (const k of before.keys()) if (k !== i) expect(after.get(k)).toBe(before.get(k))
      expect(out.startsWith('Preamble that nobody edits.\n\n## Section 1\n')).toBe(true)
    }
    // "## Section 1" is not "## Section 10".
    expect(sectionsOf(replaceSection(doc, 1, sectionText(1, 'x'))).get(10)).toBe(sectionsOf(doc).get(10))
    expect(() => replaceSection(doc, 13, 'x')).toThrow('no section 13')
  })

  it('counts a save as lost unless the newest save of its section is in the file', () => {
    const saves = [
      { section: 3, body: 'first', at: 1 },
      { section: 3, body: 'second', at: 2 },
      { section: 5, body: 'only', at: 1.5 }
    ]
    let text = replaceSection(doc, 3, sectionText(3, 'second'))
    text = replaceSection(text, 5, sectionText(5, 'only'))
    expect(plainLostSaves(text, saves)).toBe(0)
    // The older save landed last: the newer one is lost.
    expect(plainLostSaves(replaceSection(text, 3, sectionText(3, 'first')), saves)).toBe(1)
    // A save that never reached the file.
    expect(plainLostSaves(replaceSection(text, 5, sectionText(5, 'other')), saves)).toBe(1)
    // Two saves of one section reported at the same instant: one of them cannot be there.
    expect(plainLostSaves(text, [...saves, { section: 3, body: 'twin', at: 2 }])).toBe(1)
  })
})
