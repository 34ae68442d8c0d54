import { describe, expect, it } from 'vitest'
import { describeHolder, formatSince } from './format-time'

// Local times built from parts, so the test means the same in every time zone and on every real date.
const at = (y: number, mo: number, d: number, h: number, mi: number) => new Date(y, mo - 1, d, h, mi)

describe('formatSince', () => {
  it('says only the time on the day it is read, with the date on any other day', () => {
    const since = at(2026, 11, 21, 10, 5).toISOString()
    expect(formatSince(since, at(2026, 11, 21, 23, 59))).toBe('10:05')
    expect(formatSince(since, at(2026, 11, 22, 0, 1))).toBe('Nov 21, 10:05')
    expect(formatSince(since, at(2027, 12, 25, 9, 0).getTime())).toBe('Nov 21, 10:05')
  })

  it('never throws on garbage', () => {
    expect(formatSince('not a date', 0)).toBe('an unknown time')
  })

  it('is the one wording of a holder', () => {
    const now = at(2026, 3, 4, 12, 0)
    expect(
      describeHolder({ user: 'ann', host: 'ann-pc', since: at(2026, 3, 4, 9, 7).toISOString() }, now)
    ).toBe('ann on ann-pc, since 09:07')
  })
})
