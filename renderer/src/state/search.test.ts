import { describe, expect, it } from 'vitest'
import { lineStart } from './search'

describe('lineStart', () => {
  it('is where a line starts in the editor’s positions (UTF-16), past the end when there are fewer lines', () => {
    const text = 'Intro é😀\n\n# Budget\r\nMoney\n'
    expect(lineStart(text, 0)).toBe(0)
    expect(text.slice(lineStart(text, 2))).toMatch(/^# Budget/)
    expect(text.slice(lineStart(text, 3))).toBe('Money\n')
    expect(lineStart(text, 9)).toBe(text.length)
  })
})
