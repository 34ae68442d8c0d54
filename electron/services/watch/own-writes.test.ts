import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../../test/harness/fake-clock'
import { OwnWriteRegistry } from './own-writes'

describe('OwnWriteRegistry', () => {
  it('recognises noted content by checksum until it expires', async () => {
    const clock = new FakeClock()
    const own = new OwnWriteRegistry(clock, 60_000)
    own.note('a.md', 'sha1')
    expect(own.isOwn('a.md', 'sha1')).toBe(true)
    expect(own.isOwn('a.md', 'sha2')).toBe(false)
    expect(own.isOwn('b.md', 'sha1')).toBe(false)
    await clock.advance(60_001)
    expect(own.isOwn('a.md', 'sha1')).toBe(false)
    expect(own.size).toBe(0)
    own.note('a.md', 'sha3')
    own.forget('a.md', 'sha3')
    expect(own.isOwn('a.md', 'sha3')).toBe(false)
  })
})
