import { describe, expect, it } from 'vitest'
import { sectionForAnchor, sectionStart } from './search'

describe('sectionStart', () => {
  it('is where a section starts in the editor’s positions (UTF-16, a CRLF one position)', () => {
    const text = 'Intro é😀\r\n\r\n# Budget\r\nMoney\n'
    const from = text.indexOf('# Budget')
    const editor = text.replace(/\r\n?/g, '\n')
    expect(editor.slice(sectionStart(text, from))).toMatch(/^# Budget/)
    expect(sectionStart(text, 0)).toBe(0)
    expect(sectionStart('a\nb', 2)).toBe(2)
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
