import { describe, expect, it } from 'vitest'
import { sectionName } from './section-name'

type Snap = Parameters<typeof sectionName>[0]
const snap = {
  sections: [
    { id: 'budget-2', heading: 'Money matters' },
    { id: 'x9', heading: '' }
  ]
} as Snap

describe('sectionName', () => {
  it('names a section by its heading, never by its id', () => {
    expect(sectionName(snap, 'budget-2')).toBe('“Money matters”')
    expect(sectionName(snap, 'x9')).toBe('an untitled section')
    expect(sectionName(snap, 'preamble')).toBe('the text before the first heading')
  })

  it('names a section the document no longer has by the heading its kept text starts with', () => {
    expect(sectionName(snap, 'gone-1', '## Old plan ##\n\nWords.')).toBe(
      '“Old plan” (no longer in the document)'
    )
    expect(sectionName(null, 'gone-1', 'Words without a heading.')).toBe(
      'a section no longer in the document'
    )
    expect(sectionName(null, 'gone-1')).not.toContain('gone-1')
  })
})
