import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../../test/harness/fake-clock'
import { RenameAdopter } from './adopt-renames'
import type { AdoptOutcome } from './file-ops'

/** A FileOps stand-in answering from a script (the file operations themselves: file-handlers.test.ts). */
function scripted(answers: AdoptOutcome[]) {
  const calls: number[] = []
  return {
    calls,
    adoptRename: (_from: string, _to: string, _sha: string) => {
      calls.push(calls.length)
      return Promise.resolve(answers.shift() ?? 'busy')
    }
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0))

describe('RenameAdopter', () => {
  it('says so when the document changed or moved again while it waited', async () => {
    const clock = new FakeClock()
    const files = scripted(['busy', 'not-ready'])
    const failures: string[] = []
    const adopter = new RenameAdopter(files, clock, (_f, _t, err) => failures.push((err as Error).message))
    adopter.adopt('a.md', 'b.md', 'x')
    await settle()
    await clock.advance(2_000)
    await settle()
    expect(files.calls).toHaveLength(2)
    expect(failures).toEqual(['the document changed or moved again while a section was held'])
    await adopter.dispose()
  })

  it('asks again while busy (2 s, 5 s, 15 s, …) and stops once adopted', async () => {
    const clock = new FakeClock()
    const files = scripted(['busy', 'busy', 'adopted'])
    const adopter = new RenameAdopter(files, clock, () => undefined)
    adopter.adopt('a.md', 'b.md', 'x')
    await settle()
    expect(files.calls).toHaveLength(1)
    await clock.advance(1_999)
    expect(files.calls).toHaveLength(1)
    await clock.advance(1)
    await settle()
    expect(files.calls).toHaveLength(2)
    await clock.advance(5_000)
    await settle()
    expect(files.calls).toHaveLength(3)
    await clock.advance(10 * 60_000)
    expect(files.calls).toHaveLength(3)
    expect(clock.pendingTimers).toBe(0)
    await adopter.dispose()
  })

  it('gives up after an hour of a held section (said in the log), and dispose cancels what waits', async () => {
    const clock = new FakeClock()
    const files = scripted([])
    const failures: string[] = []
    const adopter = new RenameAdopter(files, clock, (_f, _t, err) => failures.push((err as Error).message))
    adopter.adopt('a.md', 'b.md', 'x')
    for (let i = 0; i < 80; i++) {
      await clock.advance(60_000)
      await settle()
    }
    const tries = files.calls.length
    expect(failures).toEqual(['a section stayed held for an hour'])
    expect(tries).toBeGreaterThan(50)
    expect(tries).toBeLessThan(70)
    expect(clock.pendingTimers).toBe(0)

    adopter.adopt('c.md', 'd.md', 'y')
    await settle()
    expect(clock.pendingTimers).toBe(1)
    await adopter.dispose()
    expect(clock.pendingTimers).toBe(0)
  })
})
