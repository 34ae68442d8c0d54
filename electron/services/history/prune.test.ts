import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ValidationError } from '../../../shared/errors'
import { Workspace } from '../core/workspace'
import { FakeClock } from '../../../test/harness/fake-clock'
import { HistoryStore } from './history-store'
import { prune } from './prune'
import { versionFileName } from './version-file'

const DAY = 24 * 60 * 60 * 1000

describe('prune', () => {
  let root: string
  let ws: Workspace
  let clock: FakeClock
  let history: HistoryStore

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'prune-'))
    ws = new Workspace(root)
    clock = new FakeClock()
    history = new HistoryStore(ws, clock)
  })

  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true })
  })

  /** Appends `n` versions, `stepMs` apart. */
  async function fill(doc: string, sectionId: string, n: number, stepMs = 1000): Promise<void> {
    for (let i = 0; i < n; i++) {
      await history.append(doc, sectionId, {
        heading: 'H',
        content: `v${i + 1}`,
        author: 'ann',
        instanceId: 'i',
        reason: 'save'
      })
      await clock.advance(stepMs)
    }
  }

  const versions = (doc: string, sectionId: string): Promise<number[]> => history.versions(doc, sectionId)

  it('keeps the last N per section plus version 1, and reports totals per document', async () => {
    await fill('a.md', 's1', 10)
    await fill('a.md', 's2', 3)
    await fill('b.md', 't', 6)
    const report = await prune(ws, history, clock, { keep: 3 })
    expect(await versions('a.md', 's1')).toEqual([1, 8, 9, 10])
    expect(await versions('a.md', 's2')).toEqual([1, 2, 3])
    expect(await versions('b.md', 't')).toEqual([1, 4, 5, 6])
    expect(report).toEqual({
      scanned: 19,
      removed: 8,
      kept: 11,
      perDocument: {
        'a.md': { scanned: 13, removed: 6, kept: 7 },
        'b.md': { scanned: 6, removed: 2, kept: 4 }
      },
      problems: []
    })
  })

  it('defaults to keeping 100', async () => {
    await fill('a.md', 's', 103, 1)
    const report = await prune(ws, history, clock)
    expect(report.removed).toBe(2)
    expect((await versions('a.md', 's')).slice(0, 3)).toEqual([1, 4, 5])
  })

  it('never prunes pinned or before-structure versions', async () => {
    await fill('a.md', 's', 8)
    await history.pin('a.md', 's', 3, true)
    await history.markBeforeStructure('a.md', 's') // marks 8
    await fill('a.md', 's', 2) // 9, 10
    await prune(ws, history, clock, { keep: 1 })
    expect(await versions('a.md', 's')).toEqual([1, 3, 8, 10])
  })

  it('keep 1 still keeps version 1 and the highest; the next append continues the numbering', async () => {
    await fill('a.md', 's', 5)
    await prune(ws, history, clock, { keep: 1 })
    expect(await versions('a.md', 's')).toEqual([1, 5])
    const next = await history.append('a.md', 's', {
      heading: 'H',
      content: 'x',
      author: 'a',
      instanceId: 'i',
      reason: 'save'
    })
    expect(next.version).toBe(6)
  })

  it('with days, a version survives when either rule keeps it', async () => {
    await fill('a.md', 's', 6, DAY) // v1 at day 0 … v6 at day 5; now is day 6
    await prune(ws, history, clock, { keep: 1, days: 2.5 })
    // Younger than 2.5 days: v6 (1 day old, also kept by count) and v5 (2 days); v1 is exempt.
    expect(await versions('a.md', 's')).toEqual([1, 5, 6])
    await prune(ws, history, clock, { keep: 1, days: 0 }) // days 0 keeps nothing by age
    expect(await versions('a.md', 's')).toEqual([1, 6])
  })

  it('a dry run removes nothing but reports what it would remove', async () => {
    await fill('a.md', 's', 5)
    const report = await prune(ws, history, clock, { keep: 2, dryRun: true })
    expect(report.removed).toBe(2)
    expect(await versions('a.md', 's')).toEqual([1, 2, 3, 4, 5])
  })

  it('rejects bad options before touching anything', async () => {
    await fill('a.md', 's', 4)
    for (const opts of [
      { keep: 0 },
      { keep: 2.5 },
      { keep: Number.NaN },
      { days: -1 },
      { days: Number.POSITIVE_INFINITY }
    ]) {
      await expect(prune(ws, history, clock, opts)).rejects.toBeInstanceOf(ValidationError)
    }
    expect(await versions('a.md', 's')).toEqual([1, 2, 3, 4])
  })

  it('skips a damaged section, reports it, and prunes the others', async () => {
    await fill('a.md', 'bad', 5)
    await fill('a.md', 'good', 5)
    await fs.writeFile(path.join(ws.historyDir('a.md', 'bad'), versionFileName(2)), 'garbage')
    const report = await prune(ws, history, clock, { keep: 1 })
    expect(await versions('a.md', 'bad')).toEqual([1, 2, 3, 4, 5])
    expect(await versions('a.md', 'good')).toEqual([1, 5])
    expect(report.problems).toHaveLength(1)
    expect(report.problems[0]?.problem).toContain(versionFileName(2))
  })

  it('runs each document inside the given document lock', async () => {
    await fill('a.md', 's', 3)
    await fill('b.md', 's', 3)
    const locked: string[] = []
    await prune(ws, history, clock, {
      keep: 1,
      withDocumentLock: async (doc, fn) => {
        locked.push(doc)
        return fn()
      }
    })
    expect(locked).toEqual(['a.md', 'b.md'])
    expect(await versions('b.md', 's')).toEqual([1, 3])
  })
})
