import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IntegrityError, NotFoundError } from '../../../shared/errors'
import { Workspace } from '../core/workspace'
import { FakeClock } from '../../../test/harness/fake-clock'
import { HistoryStore, type NewVersion } from './history-store'
import { sha256Hex, versionFileName } from './version-file'

const DOC = 'notes/plan.md'

function entry(content: string, reason = 'save'): NewVersion {
  return { heading: 'Budget', content, author: 'Ann', instanceId: 'inst-1', reason }
}

describe('HistoryStore', () => {
  let root: string
  let ws: Workspace
  let clock: FakeClock
  let store: HistoryStore

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'history-store-'))
    ws = new Workspace(root)
    clock = new FakeClock()
    store = new HistoryStore(ws, clock)
  })

  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true })
  })

  const fileOf = (sectionId: string, v: number, doc = DOC): string =>
    path.join(ws.historyDir(doc, sectionId), versionFileName(v))

  it('numbers versions 1, 2, 3 in nine-digit files with checksum, time and default flags', async () => {
    const a = await store.append(DOC, 'budget', entry('one'))
    await clock.advance(1000)
    const b = await store.append(DOC, 'budget', entry('twö'))
    expect([a.version, b.version]).toEqual([1, 2])
    expect(b).toMatchObject({
      format: 1,
      document: DOC,
      sectionId: 'budget',
      sha256: sha256Hex('twö'),
      pinned: false,
      beforeStructure: false,
      timestamp: new Date(clock.wallNow()).toISOString()
    })
    const names = (await fs.readdir(ws.historyDir(DOC, 'budget'))).sort()
    expect(names).toEqual(['v000000001.json', 'v000000002.json'])
    const onDisk = JSON.parse(await fs.readFile(fileOf('budget', 2), 'utf8'))
    expect(onDisk).toEqual(b)
  })

  it('during a save reads the newest version once, follows its own appends and rewrites, and forgets it after', async () => {
    await store.append(DOC, 'budget', entry('one'))
    const end = store.beginSave(DOC)
    expect((await store.latestValid(DOC, 'budget'))?.version).toBe(1)
    // Under the write mutex nobody else appends: a file appearing meanwhile is not looked for…
    const planted = await fs.readFile(fileOf('budget', 1), 'utf8')
    await fs.rm(fileOf('budget', 1))
    expect((await store.latestValid(DOC, 'budget'))?.version).toBe(1)
    await fs.writeFile(fileOf('budget', 1), planted)
    // …but this process's own append and rewrite are followed.
    const two = await store.append(DOC, 'budget', entry('two'))
    expect(two.version).toBe(2)
    expect(await store.latestValid(DOC, 'budget')).toEqual(two)
    await store.markBeforeStructure(DOC, 'budget')
    expect((await store.latestValid(DOC, 'budget'))?.beforeStructure).toBe(true)
    end()
    // After the save every read looks at the folder again.
    await fs.rm(fileOf('budget', 2))
    expect((await store.latestValid(DOC, 'budget'))?.version).toBe(1)
    expect(await store.latestValid('other.md', 'budget')).toBeNull()
  })

  it('computes the checksum over UTF-8 bytes', async () => {
    const r = await store.append(DOC, 'budget', entry('é'))
    // "é" is c3 a9 in UTF-8; a Latin-1 or UTF-16 hash would differ.
    expect(r.sha256).toBe(
      createHash('sha256')
        .update(Buffer.from([0xc3, 0xa9]))
        .digest('hex')
    )
  })

  it('serialises concurrent appends in one process without reusing numbers', async () => {
    const records = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.append(DOC, 's', entry(`v${i}`)))
    )
    expect(records.map((r) => r.version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1)
    )
    expect((await store.list(DOC, 's')).map((r) => r.content)).toEqual(records.map((r) => r.content))
  })

  it('continues after the highest version even when lower ones were pruned', async () => {
    for (let i = 0; i < 5; i++) await store.append(DOC, 's', entry(`v${i}`))
    expect(await store.removeVersions(DOC, 's', [2, 3, 4])).toBe(3)
    const next = await store.append(DOC, 's', entry('after'))
    expect(next.version).toBe(6)
    expect((await store.list(DOC, 's')).map((r) => r.version)).toEqual([1, 5, 6])
  })

  it('refuses to delete the highest version', async () => {
    await store.append(DOC, 's', entry('a'))
    await store.append(DOC, 's', entry('b'))
    await expect(store.removeVersions(DOC, 's', [1, 2])).rejects.toThrow(/highest version/)
    expect(await store.versions(DOC, 's')).toEqual([1, 2])
  })

  it("ignores a crashed writer's temp file and other stray names when numbering", async () => {
    await store.append(DOC, 's', entry('a'))
    const dir = ws.historyDir(DOC, 's')
    await fs.writeFile(path.join(dir, 'v000000007.json.1234'), 'x')
    await fs.writeFile(path.join(dir, 'v99.json'), 'x')
    expect((await store.append(DOC, 's', entry('b'))).version).toBe(2)
    expect((await store.list(DOC, 's')).map((r) => r.version)).toEqual([1, 2])
  })

  it('get, latest, list read back what was written; missing versions are NotFound', async () => {
    expect(await store.latest(DOC, 's')).toBeNull()
    expect(await store.list(DOC, 's')).toEqual([])
    await store.append(DOC, 's', entry('a'))
    const b = await store.append(DOC, 's', entry('b'))
    expect(await store.get(DOC, 's', 2)).toEqual(b)
    expect(await store.latest(DOC, 's')).toEqual(b)
    await expect(store.get(DOC, 's', 9)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('reports a changed content as an IntegrityError naming the file', async () => {
    await store.append(DOC, 's', entry('a'))
    await store.append(DOC, 's', entry('b'))
    const file = fileOf('s', 1)
    const rec = JSON.parse(await fs.readFile(file, 'utf8'))
    await fs.writeFile(file, JSON.stringify({ ...rec, content: 'tampered' }))
    const err = await store.list(DOC, 's').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(IntegrityError)
    expect((err as Error).message).toContain(file)
    expect((err as Error).message).toMatch(/checksum/)
    await expect(store.get(DOC, 's', 1)).rejects.toBeInstanceOf(IntegrityError)
    // The intact version stays readable.
    expect((await store.get(DOC, 's', 2)).content).toBe('b')
  })

  it('rejects bad JSON, a wrong shape and a number that does not match the file name', async () => {
    await store.append(DOC, 's', entry('a'))
    await fs.writeFile(fileOf('s', 1), '{"format":1,')
    await expect(store.get(DOC, 's', 1)).rejects.toThrow(/not valid JSON/)
    const good = await store.append(DOC, 's', entry('b'))
    await fs.writeFile(fileOf('s', 2), JSON.stringify({ ...good, pinned: 'yes' }))
    await expect(store.get(DOC, 's', 2)).rejects.toThrow(/field “pinned”/)
    await fs.writeFile(fileOf('s', 2), JSON.stringify({ ...good, version: 7 }))
    await expect(store.latest(DOC, 's')).rejects.toThrow(/version 7 .* version 2/)
  })

  it('pins and unpins, and marks the latest version as before-structure', async () => {
    await store.append(DOC, 's', entry('a'))
    await store.append(DOC, 's', entry('b'))
    expect((await store.pin(DOC, 's', 1, true)).pinned).toBe(true)
    expect((await store.get(DOC, 's', 1)).pinned).toBe(true)
    expect((await store.pin(DOC, 's', 1, false)).pinned).toBe(false)
    expect((await store.get(DOC, 's', 1)).pinned).toBe(false)
    const marked = await store.markBeforeStructure(DOC, 's')
    expect(marked?.version).toBe(2)
    expect((await store.get(DOC, 's', 2)).beforeStructure).toBe(true)
    expect((await store.get(DOC, 's', 1)).beforeStructure).toBe(false)
    expect(await store.markBeforeStructure(DOC, 'nothing-here')).toBeNull()
    await expect(store.pin(DOC, 's', 5, true)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('lists sections and documents from the records, including ids that are hashed on disk', async () => {
    await store.append(DOC, 'budget', entry('a'))
    await store.append(DOC, 'Ünïcode Title!', entry('b'))
    await store.append('other.md', 'intro', entry('c'))
    expect(await store.listSections(DOC)).toEqual(['budget', 'Ünïcode Title!'].sort())
    expect(await store.listSections('missing.md')).toEqual([])
    expect(await store.listDocuments()).toEqual([DOC, 'other.md'].sort())
  })

  it('verifyAll returns every problem without throwing, and ignores gaps', async () => {
    for (let i = 0; i < 4; i++) await store.append(DOC, 's', entry(`v${i}`))
    await store.append('other.md', 't', entry('x'))
    await store.removeVersions(DOC, 's', [2]) // a gap is fine
    expect(await store.verifyAll()).toEqual([])

    const rec3 = JSON.parse(await fs.readFile(fileOf('s', 3), 'utf8'))
    await fs.writeFile(fileOf('s', 3), JSON.stringify({ ...rec3, content: 'changed' }))
    await fs.writeFile(fileOf('s', 1), 'not json')
    const rec4 = JSON.parse(await fs.readFile(fileOf('s', 4), 'utf8'))
    await fs.writeFile(fileOf('s', 4), JSON.stringify({ ...rec4, version: 40 }))
    // A record copied into another section's folder.
    const foreign = JSON.parse(await fs.readFile(fileOf('t', 1, 'other.md'), 'utf8'))
    await fs.writeFile(fileOf('s', 9), JSON.stringify({ ...foreign, version: 9 }))

    const problems = await store.verifyAll()
    expect(problems.map((p) => path.basename(p.file))).toEqual([
      'v000000001.json',
      'v000000003.json',
      'v000000004.json',
      'v000000009.json'
    ])
    expect(problems[0]?.problem).toMatch(/JSON/)
    expect(problems[1]?.problem).toMatch(/checksum/)
    expect(problems[2]?.problem).toMatch(/file name/)
    expect(problems[3]?.problem).toMatch(/another folder/)
  })

  it('verifyAll on a workspace without history finds nothing', async () => {
    expect(await store.verifyAll()).toEqual([])
    expect(await store.listDocuments()).toEqual([])
  })
})
