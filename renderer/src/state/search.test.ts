import { describe, expect, it } from 'vitest'
import { lineStart, sectionForAnchor } from './search'

describe('lineStart', () => {
  it('is where a line starts in the editor’s positions (UTF-16), past the end when there are fewer lines', () => {
    const text = 'Intro é😀\n\n# Budget\r\nMoney\n'
    expect(lineStart(text, 0)).toBe(0)
    expect(text.slice(lineStart(text, 2))).toMatch(/^# Budget/)
    expect(text.slice(lineStart(text, 3))).toBe('Money\n')
    expect(lineStart(text, 9)).toBe(text.length)
  })
})

describe('sectionForAnchor', () => {
  const sections = [
    { id: 'preamble', heading: '' },
    { id: 'plan', heading: 'The Plan: 2027!' },
    { id: 'budget', heading: 'Costs' },
    { id: 'costs', heading: 'Budget' }
  ]
  it('finds the heading a link’s #anchor names (GitHub’s slug), before a section that has it as id', () => {
    expect(sectionForAnchor(sections, 'the-plan-2027')?.id).toBe('plan')
    expect(sectionForAnchor(sections, 'The-Plan-2027')?.id).toBe('plan')
    expect(sectionForAnchor(sections, 'costs')?.id).toBe('budget')
  })
  it('falls back to a section id, and finds nothing for an anchor nobody has', () => {
    expect(sectionForAnchor([{ id: 'old-name', heading: 'New name' }], 'old-name')?.id).toBe('old-name')
    expect(sectionForAnchor(sections, 'nowhere')).toBeUndefined()
  })
})
