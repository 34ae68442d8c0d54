import { describe, expect, it } from 'vitest'
import { matchScore, shownFirst, switcherItems } from './switcher-filter'

const DOCS = ['budget.md', 'notes/meeting.md', 'notes/Résumé.md', 'plan.md', 'archive/old-budget.md']

describe('quick switcher filter', () => {
  it('lists every document, most recently shown first, then by name, when nothing is typed', () => {
    expect(switcherItems(DOCS, ['plan.md', 'notes/meeting.md'], '')).toEqual([
      'plan.md',
      'notes/meeting.md',
      'archive/old-budget.md',
      'budget.md',
      'notes/Résumé.md'
    ])
  })

  it('ranks a file name starting with the text over one containing it, over a path, over letters in order', () => {
    expect(switcherItems(DOCS, [], 'budg')).toEqual(['budget.md', 'archive/old-budget.md'])
    expect(switcherItems(DOCS, ['notes/meeting.md'], 'notes')).toEqual([
      'notes/meeting.md',
      'notes/Résumé.md'
    ])
    expect(switcherItems(DOCS, [], 'notes')).toEqual(['notes/Résumé.md', 'notes/meeting.md'])
    expect(switcherItems(DOCS, [], 'bdgt')).toEqual(['budget.md', 'archive/old-budget.md'])
    expect(switcherItems(DOCS, [], 'nmeet')).toEqual(['notes/meeting.md'])
    expect(switcherItems(DOCS, [], 'zzz')).toEqual([])
    // Among equal matches the recent one comes first.
    expect(switcherItems(['b/x.md', 'a/x.md'], ['b/x.md'], 'x')).toEqual(['b/x.md', 'a/x.md'])
  })

  it('ignores case and accents', () => {
    expect(switcherItems(DOCS, [], 'RESUME')).toEqual(['notes/Résumé.md'])
    expect(matchScore('Plan.md', ' plan ')).toBe(0)
    expect(matchScore('a/b/c.md', 'abc')).toBe(102)
    expect(matchScore('a/b/c.md', 'cm')).toBe(4)
  })

  it('keeps the recent list newest first, once each, capped', () => {
    expect(shownFirst(['a', 'b', 'c'], 'c')).toEqual(['c', 'a', 'b'])
    expect(shownFirst(['a', 'b'], 'z', 2)).toEqual(['z', 'a'])
  })
})
