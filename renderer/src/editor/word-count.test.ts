import { Text } from '@codemirror/state'
import { describe, expect, it } from 'vitest'
import { countLineWords, countWords, readingMinutes } from './word-count'
import { countDocument, frontMatterEnd, wordsBetween } from './word-count-tree'

const doc = (s: string) => Text.of(s.split('\n'))

describe('countWords', () => {
  it.each([
    ['', 0],
    ['   ', 0],
    ['One two  three', 3],
    ["Don't stop — it's well-known.", 4],
    ['e.g. 3.14 and 1,000 people', 5],
    ['# Budget plans', 2],
    ['###### Six', 1],
    ['#hashtag is a word', 4],
    ['> quoted *emphasis* and **strong**', 4],
    ['- [x] done item', 2],
    ['12. numbered item', 2],
    ['See [the plan](https://example.com/a/b?c=d) now', 4],
    ['A ref [the plan][p] here', 5],
    ['![a costs chart](img/costs.png) Caption', 1],
    ['Footnote here[^1].', 2],
    ['<span class="x">Two words</span>', 2],
    ['Go to https://example.com/path/more today', 4],
    ['`inline code` stays', 3],
    ['| a | b |', 2],
    ['---', 0],
    ['Ünïcödé naïve café', 3],
    ['日本語の文章', 6],
    ['中文 English 混合', 5],
    ['한국어 문장입니다', 2]
  ])('%j has %i words', (text, n) => {
    expect(countLineWords(text)).toBe(n)
  })

  it('adds lines up', () => {
    expect(countWords('# Title\n\nFirst para here.\nSecond line.\n')).toBe(6)
  })
})

describe('the tree counter', () => {
  const text = Array.from({ length: 3000 }, (_, i) => `## Part ${i}\n\nWords of part ${i} go here.`).join(
    '\n'
  )

  it('counts the whole document and any range the same as a plain count', () => {
    const d = doc(text)
    expect(wordsBetween(d, 0, d.length)).toBe(countWords(text))
    for (const [from, to] of [
      [0, 10],
      [5, 4000],
      [12345, 67890],
      [d.length - 50, d.length]
    ])
      expect(wordsBetween(d, from, to)).toBe(countWords(text.slice(from, to)))
  })

  it('stays right after edits (cached nodes are shared between versions)', () => {
    let d = doc(text)
    wordsBetween(d, 0, d.length)
    d = d.replace(1000, 1000, Text.of([' three more words ']))
    d = d.replace(d.length - 5, d.length, Text.empty)
    expect(wordsBetween(d, 0, d.length)).toBe(countWords(d.toString()))
  })

  it('leaves front matter out', () => {
    const d = doc('---\ntitle: A long title\ntags: [x]\n---\n# Heading\n\nBody text.')
    expect(frontMatterEnd(d)).toBe(d.line(4).to)
    expect(countDocument(d, null, []).document).toBe(3)
    // Unclosed: not front matter.
    expect(frontMatterEnd(doc('---\ntitle: x\n# H'))).toBe(0)
  })

  it('counts the section and the selection', () => {
    const d = doc('# One\n\nalpha beta\n# Two\n\ngamma delta epsilon')
    const two = d.line(4).from
    const counts = countDocument(d, { from: two, to: d.length }, [{ from: 7, to: 17 }])
    expect(counts).toEqual({ document: 7, section: 4, selection: 2 })
    expect(countDocument(d, null, [{ from: 3, to: 3 }]).selection).toBeNull()
  })

  it('recounts a 5 MB document cheaply after an edit', () => {
    const big = doc(text.repeat(Math.ceil(5_000_000 / text.length)))
    // CPU time of this process, not wall time: a loaded machine's time slices stretch either one.
    const cpuMs = (from: NodeJS.CpuUsage) => {
      const { user, system } = process.cpuUsage(from)
      return (user + system) / 1000
    }
    let t = process.cpuUsage()
    const full = wordsBetween(big, 0, big.length)
    const first = cpuMs(t)
    const edited = big.replace(2_500_000, 2_500_000, Text.of(['one more ']))
    t = process.cpuUsage()
    const again = wordsBetween(edited, 0, edited.length)
    const after = cpuMs(t)
    console.log(
      `[word count] ${(big.length / 1e6).toFixed(1)} MB: first count ${first.toFixed(0)} ms, after an edit ${after.toFixed(2)} ms`
    )
    expect(again).toBe(full + 2)
    // The recount touches a few leaves; a full count is hundreds of times that. Generous bound.
    expect(after).toBeLessThan(Math.max(5, first / 10))
  })
})

describe('readingMinutes', () => {
  it('reads 230 words a minute, at least a minute for any text', () => {
    expect(readingMinutes(0)).toBe(0)
    expect(readingMinutes(10)).toBe(1)
    expect(readingMinutes(2300)).toBe(10)
  })
})
