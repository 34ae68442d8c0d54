import { describe, expect, it } from 'vitest'
import { queryWords, sectionsFound, wordOfTerm } from './section-match'

const sec = (id: string, heading: string, text: string) => ({ id, heading, text })

describe('query words', () => {
  it('folds case and diacritics, drops stop words and punctuation', () => {
    expect(queryWords('The Résumé, of ÉCOLE!')).toEqual(['resume', 'ecole'])
    expect(queryWords('  ')).toEqual([])
  })

  it('maps a matched term to the word it stands for: itself, a completion of the last, one edit', () => {
    const words = ['weather', 'rai']
    expect(wordOfTerm('weather', words)).toBe(0)
    expect(wordOfTerm('rain', words)).toBe(1)
    expect(wordOfTerm('weathar', words)).toBe(0)
    expect(wordOfTerm('wether', words)).toBe(0)
    expect(wordOfTerm('raincoat', ['raincoats', 'x'])).toBe(0)
    expect(wordOfTerm('sunny', words)).toBe(-1)
    // Only the last word is a prefix: "weath" is typed on only when it is last.
    expect(wordOfTerm('weathering', ['weath', 'rain'])).toBe(-1)
    expect(wordOfTerm('weathering', ['rain', 'weath'])).toBe(1)
  })
})

describe('sections found in a matching document', () => {
  const sections = [
    sec('preamble', '', 'Opening words about the garden.\n'),
    sec('budget', 'Budget', '# Budget\n\nMoney for the Café and the garden.\n'),
    sec('risks', 'Risks', '## Risks\n\nWeather, rain and the café roof.\n'),
    sec('weather', 'Weather', '# Weather\n\nSunny.\n')
  ]

  it('answers the sections that have every word; where none has all, those with any, most words first', () => {
    const both = sectionsFound(
      sections,
      { terms: ['weather', 'cafe'], match: { weather: ['heading', 'text'], cafe: ['text'] } },
      ['weather', 'cafe']
    )
    expect(both.map((f) => f.section.id)).toEqual(['risks'])
    // "sunny" only in Weather, "money" only in Budget: each of them, in document order.
    const spread = sectionsFound(
      sections,
      { terms: ['sunny', 'money'], match: { sunny: ['text'], money: ['text'] } },
      ['sunny', 'money']
    )
    expect(spread.map((f) => f.section.id)).toEqual(['budget', 'weather'])
    // A word in the heading ranks a section first among those with as many words.
    const one = sectionsFound(sections, { terms: ['weather'], match: { weather: ['heading', 'text'] } }, [
      'weather'
    ])
    expect(one.map((f) => f.section.id)).toEqual(['weather', 'risks'])
  })

  it('folds each word as the index does (Greek final sigma decided by the word, not the text)', () => {
    const found = sectionsFound([sec('g', 'G', 'ΟΔΟΣ.Α')], { terms: ['οδος'], match: { οδος: ['text'] } }, [
      'οδος'
    ])
    expect(found.map((f) => f.section.id)).toEqual(['g'])
  })

  it('matches folded words whole, never inside another word', () => {
    const found = sectionsFound(
      [sec('a', 'A', 'A café.'), sec('b', 'B', 'cafeteria'), sec('c', 'C', 'CAFE')],
      { terms: ['cafe'], match: { cafe: ['text'] } },
      ['cafe']
    )
    expect(found.map((f) => f.section.id)).toEqual(['a', 'c'])
  })

  it('a document found by its path answers its first section; its other words still rank', () => {
    const byPath = sectionsFound(sections, { terms: ['plan'], match: { plan: ['document'] } }, ['plan'])
    expect(byPath.map((f) => f.section.id)).toEqual(['preamble'])
    const both = sectionsFound(
      sections,
      { terms: ['plan', 'rain'], match: { plan: ['document'], rain: ['text'] } },
      ['plan', 'rain']
    )
    // "rain" in Risks, and the path's word counts for it: every word.
    expect(both.map((f) => f.section.id)).toEqual(['risks'])
  })

  it('finds none when the index matched no term the sections have', () => {
    expect(sectionsFound(sections, { terms: ['zebra'], match: { zebra: ['text'] } }, ['zebra'])).toEqual([])
  })
})
