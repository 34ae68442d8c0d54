import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { SectionInfo } from './types'
import { collapseCrlf, textSections, toCharRanges, utf8Length } from './section-ranges'

const bytes = (s: string) => new TextEncoder().encode(s).length

/** Sections over `pieces` joined, with byte offsets as the services compute them. */
function sectionsOf(pieces: string[]): SectionInfo[] {
  let start = 0
  return pieces.map((p, i) => {
    const end = start + bytes(p)
    const s: SectionInfo = {
      id: `s${i}`,
      level: 1,
      heading: '',
      startLine: 0,
      endLine: 0,
      start,
      end,
      sha256: ''
    }
    start = end
    return s
  })
}

const slices = (text: string, pieces: string[], opts = {}) =>
  toCharRanges(text, sectionsOf(pieces), opts).map((r) => text.slice(r.from, r.to))

describe('toCharRanges', () => {
  it('is the identity on ASCII', () => {
    const pieces = ['', '# A\nx\n', '# B\ny\n']
    expect(toCharRanges(pieces.join(''), sectionsOf(pieces))).toEqual([
      { id: 's0', from: 0, to: 0 },
      { id: 's1', from: 0, to: 6 },
      { id: 's2', from: 6, to: 12 }
    ])
  })

  it('converts byte offsets over accents, emoji and CJK to UTF-16 positions', () => {
    const pieces = ['Préface é\n', '# Café ☕\nnaïve 😀😀\n', '# 漢字\n中文 text\n', '# End 👩‍👩‍👧\n']
    const text = pieces.join('')
    expect(slices(text, pieces)).toEqual(pieces)
    const ranges = toCharRanges(text, sectionsOf(pieces))
    // "😀" is 4 bytes but 2 UTF-16 units; "漢" 3 bytes but 1 unit.
    expect(ranges[1].from).toBe(pieces[0].length)
    expect(ranges[2].from).toBe(pieces[0].length + pieces[1].length)
    expect(sectionsOf(pieces)[2].start).toBeGreaterThan(ranges[2].from)
  })

  it('counts a BOM as 3 bytes and one position', () => {
    const pieces = ['\ufeff', '# A\n']
    expect(slices(pieces.join(''), pieces)).toEqual(pieces)
  })

  it('can count CRLF as one position, like CodeMirror’s normalised document', () => {
    const pieces = ['intro\r\n\r\n', '# A\r\nbody é\r\n', '# B\r\n']
    const text = pieces.join('')
    const editorText = text.replace(/\r\n/g, '\n')
    const ranges = toCharRanges(text, sectionsOf(pieces), { collapseCrlf: true })
    expect(ranges.map((r) => editorText.slice(r.from, r.to))).toEqual(
      pieces.map((p) => p.replace(/\r\n/g, '\n'))
    )
  })

  it('rounds an offset inside a character down to its start and clamps offsets past the end', () => {
    const text = 'a😀b'
    const s = (start: number, end: number): SectionInfo => ({ ...sectionsOf(['x'])[0], start, end })
    expect(toCharRanges(text, [s(2, 99)])).toEqual([{ id: 's0', from: 1, to: 4 }])
  })

  it('agrees with TextEncoder on lone surrogates (3 bytes, U+FFFD)', () => {
    const pieces = ['\ud800x', '\udc00y', 'z']
    expect(slices(pieces.join(''), pieces)).toEqual(pieces)
  })

  it('agrees with TextEncoder on any text cut at any character boundaries', () => {
    const char = fc.constantFrom('a', '\n', 'é', '€', '漢', '😀', '\u0301', ' ')
    const piece = fc.array(char, { maxLength: 12 }).map((cs) => cs.join(''))
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (pieces) => {
        expect(slices(pieces.join(''), pieces)).toEqual(pieces)
      }),
      { numRuns: 500 }
    )
  })

  it('maps any offsets (inside characters, past the end) as a per-code-unit walk does, CR/CRLF both ways', () => {
    // The walk toCharRanges did before it skipped ASCII runs natively: kept here as the reference.
    const width = (t: string, i: number) => bytes(t.slice(i, i + 1).replace(/[\ud800-\udfff]/, '\ufffd'))
    const reference = (text: string, offsets: number[], collapse: boolean): number[] =>
      offsets.map((target) => {
        let [b, pos] = [0, 0]
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i)
          const pair = c >= 0xd800 && c <= 0xdbff && /[\udc00-\udfff]/.test(text[i + 1] ?? '')
          const w = pair
            ? 4
            : c >= 0xdc00 && c <= 0xdfff && /[\ud800-\udbff]/.test(text[i - 1] ?? '')
              ? 0
              : width(text, i)
          if (target < b + w) return pos
          b += w
          if (!(collapse && c === 13 && text.charCodeAt(i + 1) === 10)) pos++
        }
        return pos
      })
    const char = fc.constantFrom('a', 'bc', '\n', '\r', '\r\n', 'é', '€', '漢', '😀', '\ud800', '\udc00', ' ')
    fc.assert(
      fc.property(
        fc.array(char, { maxLength: 40 }).map((cs) => cs.join('')),
        fc.array(fc.nat({ max: 200 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (text, offsets, collapse) => {
          const sections = offsets.map((o, i) => ({ ...sectionsOf([''])[0], id: `s${i}`, start: o, end: o }))
          const got = toCharRanges(text, sections, { collapseCrlf: collapse }).map((r) => r.from)
          expect(got).toEqual(reference(text, offsets, collapse))
        }
      ),
      { numRuns: 1000 }
    )
  })

  it('stays linear: twenty times the sections take far less than four hundred times as long', () => {
    // A ratio of best-of-five timings in one process, not a fixed budget, while a quadratic walk
    // gives ×400. CPU time of this process, not wall time: on a machine at load 37 the 20,000
    // sections' wall time stretched over many time slices while the 1,000 fit in one (ratio 295–656).
    const doc = (n: number) => {
      const pieces = Array.from({ length: n }, (_, i) => `# Título ${i} 😀\n${'texto é '.repeat(10)}\n\n`)
      return { text: pieces.join(''), sections: sectionsOf(pieces) }
    }
    const best = (d: ReturnType<typeof doc>) =>
      Math.min(
        ...[0, 1, 2, 3, 4].map(() => {
          const t0 = process.cpuUsage()
          toCharRanges(d.text, d.sections)
          const { user, system } = process.cpuUsage(t0)
          return (user + system) / 1000
        })
      )
    const small = doc(1_000)
    const large = doc(20_000)
    expect(toCharRanges(large.text, large.sections)[19_999].to).toBe(large.text.length)
    const ratio = best(large) / Math.max(best(small), 0.5)
    expect(ratio).toBeLessThan(150)
  })

  it('utf8Length agrees with TextEncoder, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length)
      })
    )
    expect(utf8Length('a\ud800b')).toBe(5)
  })
})

describe('textSections and collapseCrlf', () => {
  const piece = fc
    .array(fc.constantFrom('a', 'é', '😀', '漢', '\r\n', '\n', '\r', ' '), { maxLength: 8 })
    .map((a) => a.join(''))

  it('gives each section its slice of the text; the editor positions are those of the normalised text', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), (pieces) => {
        const text = pieces.join('')
        const sections = textSections(text, sectionsOf(pieces))
        expect(sections.map((s) => text.slice(s.from, s.to))).toEqual(pieces)
        // A section never starts between a CR and its LF: its editor positions are those of the
        // text before it, line breaks normalised as CodeMirror does.
        const bounds = sections.flatMap((s) => [s.from, s.to])
        const editor = (p: number) => text.slice(0, p).replace(/\r\n?/g, '\n').length
        const cutsPair = (p: number) => text[p - 1] === '\r' && text[p] === '\n'
        const want = bounds.map((p) => (cutsPair(p) ? editor(p) - 1 : editor(p)))
        expect(collapseCrlf(text, bounds)).toEqual(want)
      }),
      { numRuns: 500 }
    )
  })
})
