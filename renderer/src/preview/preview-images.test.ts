import { describe, expect, it } from 'vitest'
import { documentLink, isRemote } from './preview-images'

describe('documentLink', () => {
  it('resolves links to other documents relative to the linking one, with their anchor', () => {
    expect(documentLink('notes/plan.md', 'other.md')).toEqual({ document: 'notes/other.md', anchor: null })
    expect(documentLink('notes/plan.md', '../top.md#next-steps')).toEqual({
      document: 'top.md',
      anchor: 'next-steps'
    })
    expect(documentLink('plan.md', './a/b%20c.markdown')).toEqual({
      document: 'a/b c.markdown',
      anchor: null
    })
  })

  it('is null for what is not a document inside the workspace', () => {
    for (const href of [
      '../x.md',
      '/etc/x.md',
      'https://e.com/x.md',
      'file:///x.md',
      'img.png',
      '#part',
      'x.md?raw'
    ])
      expect(documentLink('plan.md', href), href).toBeNull()
  })
})

describe('isRemote', () => {
  it('tells addresses that leave the computer from workspace paths', () => {
    expect(['https://e.com/x.png', 'http://e.com/x.png', '//e.com/x.png'].map(isRemote)).toEqual([
      true,
      true,
      true
    ])
    expect(['img/x.png', '../x.png', 'x.png'].map(isRemote)).toEqual([false, false, false])
  })
})
