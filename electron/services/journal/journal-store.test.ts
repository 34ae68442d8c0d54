import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode, ValidationError } from '../../../shared/errors'
import { FakeClock } from '../../../test/harness/fake-clock'
import { JournalStore, MAX_JOURNAL_FILE_BYTES, MAX_JOURNAL_TEXT_BYTES } from './journal-store'

let tmp: string
let dir: string
const ROOT = '/shared/team'
const DOC = 'notes/plan.md'
const SHA = 'a'.repeat(64)

function store(clock = new FakeClock(), root = ROOT): JournalStore {
  return new JournalStore({ dir, root, clock, user: 'ann' })
}

async function damagedFiles(): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => n.includes('.damaged-'))
}

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-journal-'))
  dir = path.join(tmp, 'config', 'journal')
})

afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true })
})

describe('JournalStore', () => {
  it('round-trips entries with the clock’s time and the writer, in one private file per document', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 2, 3, 4, 5, 678))
    const j = store(clock)
    await j.write(DOC, [
      { sectionId: 'budget', baseSha256: SHA, text: '# Budget\n\nTyped\n' },
      { sectionId: 'new-one', baseSha256: null, text: '# New\n' }
    ])
    expect(await j.list(DOC)).toEqual([
      {
        sectionId: 'budget',
        text: '# Budget\n\nTyped\n',
        baseSha256: SHA,
        savedAt: '2026-01-02T03:04:05.678Z',
        user: 'ann'
      },
      {
        sectionId: 'new-one',
        text: '# New\n',
        baseSha256: null,
        savedAt: '2026-01-02T03:04:05.678Z',
        user: 'ann'
      }
    ])
    const name = createHash('sha256').update(`${ROOT}\u0000${DOC}`).digest('hex')
    expect(j.fileFor(DOC)).toBe(path.join(dir, `${name}.json`))
    expect(await fs.readdir(dir)).toEqual([`${name}.json`])
    if (process.platform !== 'win32') {
      expect((await fs.stat(dir)).mode & 0o777).toBe(0o700)
      expect((await fs.stat(j.fileFor(DOC))).mode & 0o777).toBe(0o600)
    }
    // Another workspace's document of the same name has its own journal.
    expect(store(clock, '/elsewhere').fileFor(DOC)).not.toBe(j.fileFor(DOC))
    expect(await store(clock, '/elsewhere').list(DOC)).toEqual([])
    expect(await j.list('other.md')).toEqual([])
  })

  it('upserts in place, removes with text null, and removes the file with the last entry', async () => {
    const clock = new FakeClock()
    const j = store(clock)
    await j.write(DOC, [
      { sectionId: 'a', baseSha256: null, text: 'A1' },
      { sectionId: 'b', baseSha256: null, text: 'B1' }
    ])
    await clock.advance(1000)
    await j.write(DOC, [{ sectionId: 'a', baseSha256: SHA, text: 'A2' }])
    const listed = await j.list(DOC)
    expect(listed.map((e) => [e.sectionId, e.text, e.baseSha256])).toEqual([
      ['a', 'A2', SHA],
      ['b', 'B1', null]
    ])
    expect(listed[0].savedAt > listed[1].savedAt).toBe(true)
    await j.write(DOC, [{ sectionId: 'a', baseSha256: null, text: null }])
    expect((await j.list(DOC)).map((e) => e.sectionId)).toEqual(['b'])
    await j.write(DOC, [{ sectionId: 'b', baseSha256: null, text: null }])
    await expect(fs.stat(j.fileFor(DOC))).rejects.toMatchObject({ code: 'ENOENT' })

    await j.write(DOC, [
      { sectionId: 'a', baseSha256: null, text: 'A' },
      { sectionId: 'b', baseSha256: null, text: 'B' },
      { sectionId: 'c', baseSha256: null, text: 'C' }
    ])
    await j.discard(DOC, ['a', 'missing'])
    expect((await j.list(DOC)).map((e) => e.sectionId)).toEqual(['b', 'c'])
    await j.discard(DOC)
    expect(await fs.readdir(dir)).toEqual([])
    await j.discard(DOC) // nothing there: fine
  })

  it('serialises quick writes: 50 fired without waiting end with the last', async () => {
    const j = store()
    const writes = Array.from({ length: 50 }, (_, i) =>
      j.write(DOC, [{ sectionId: 'budget', baseSha256: null, text: `version ${i}\n`.repeat(200 + i) }])
    )
    await Promise.all(writes)
    const onDisk = JSON.parse(await fs.readFile(j.fileFor(DOC), 'utf8')) as { entries: { text: string }[] }
    expect(onDisk.entries).toHaveLength(1)
    expect(onDisk.entries[0].text).toBe('version 49\n'.repeat(249))
    expect((await j.list(DOC))[0].text).toBe('version 49\n'.repeat(249))
    expect(await fs.readdir(dir)).toEqual([path.basename(j.fileFor(DOC))]) // no temp files left
    await j.idle()
  })

  it('reads a damaged file as empty and keeps it aside; the next write starts afresh', async () => {
    const j = store()
    await fs.mkdir(dir, { recursive: true })
    await fs.writeFile(j.fileFor(DOC), '{"format":1,"entries":[{"sectionId":')
    expect(await j.list(DOC)).toEqual([])
    const [aside] = await damagedFiles()
    expect(aside).toMatch(/^[0-9a-f]{64}\.json\.damaged-\d{8}T\d{9}Z-[a-z0-9]+$/)
    expect(await fs.readFile(path.join(dir, aside), 'utf8')).toBe('{"format":1,"entries":[{"sectionId":')

    await fs.writeFile(j.fileFor('b.md'), JSON.stringify({ format: 1, entries: 'not a list' }))
    expect(await j.write('b.md', [{ sectionId: 'x', baseSha256: null, text: 'X' }])).toBeUndefined()
    expect((await j.list('b.md')).map((e) => e.text)).toEqual(['X'])
    expect(await damagedFiles()).toHaveLength(2)
  })

  it('does not read an oversized file; it is kept aside', async () => {
    const j = store()
    await fs.mkdir(dir, { recursive: true })
    const handle = await fs.open(j.fileFor(DOC), 'w')
    await handle.truncate(MAX_JOURNAL_FILE_BYTES + 1) // sparse: no real 129 MiB on disk
    await handle.close()
    expect(await j.list(DOC)).toEqual([])
    expect(await damagedFiles()).toHaveLength(1)
    await expect(fs.stat(j.fileFor(DOC))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it.skipIf(process.platform === 'win32')(
    'never follows a symlink planted at the journal’s path: the target stays unchanged',
    async () => {
      const j = store()
      const target = path.join(tmp, 'precious.txt')
      await fs.writeFile(target, 'PRECIOUS')
      // A valid journal elsewhere must not be read through the link either.
      const decoy = path.join(tmp, 'decoy.json')
      await fs.writeFile(
        decoy,
        JSON.stringify({
          format: 1,
          root: ROOT,
          document: DOC,
          entries: [{ sectionId: 'x', text: 'decoy', baseSha256: null, savedAt: 'then', user: 'eve' }]
        })
      )
      await fs.mkdir(dir, { recursive: true })
      await fs.symlink(decoy, j.fileFor(DOC))
      expect(await j.list(DOC)).toEqual([])

      await fs.symlink(target, j.fileFor(DOC))
      await j.write(DOC, [{ sectionId: 'budget', baseSha256: null, text: 'mine' }])
      expect(await fs.readFile(target, 'utf8')).toBe('PRECIOUS')
      expect((await fs.lstat(j.fileFor(DOC))).isFile()).toBe(true)
      expect((await j.list(DOC)).map((e) => e.text)).toEqual(['mine'])
      // Both links were moved aside as links, their targets untouched.
      const aside = await damagedFiles()
      expect(aside).toHaveLength(2)
      for (const name of aside) expect((await fs.lstat(path.join(dir, name))).isSymbolicLink()).toBe(true)
      expect(JSON.parse(await fs.readFile(decoy, 'utf8')).entries[0].text).toBe('decoy')

      await fs.rm(j.fileFor(DOC))
      await fs.symlink(target, j.fileFor(DOC))
      await j.discard(DOC)
      expect(await fs.readFile(target, 'utf8')).toBe('PRECIOUS')
    }
  )

  it('refuses more than 200 entries or 64 MiB of text per document, writing nothing', async () => {
    const j = store()
    const many = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({ sectionId: `${prefix}${i}`, baseSha256: null, text: 'x' }))
    const tooMany = await j.write(DOC, many(201, 's')).catch((e: unknown) => e)
    expect(tooMany).toBeInstanceOf(ValidationError)
    expect((tooMany as ValidationError).code).toBe(ErrorCode.Validation)
    await expect(fs.stat(j.fileFor(DOC))).rejects.toMatchObject({ code: 'ENOENT' })

    await j.write(DOC, many(150, 'a'))
    const before = await fs.readFile(j.fileFor(DOC), 'utf8')
    await expect(j.write(DOC, many(51, 'b'))).rejects.toThrow(/at most 200/)
    expect(await fs.readFile(j.fileFor(DOC), 'utf8')).toBe(before)
    // Replacing and removing existing entries does not count against the limit.
    await j.write(DOC, [...many(150, 'a').slice(0, 100), ...many(50, 'b')])
    expect(await j.list(DOC)).toHaveLength(200)

    const half = 'y'.repeat(MAX_JOURNAL_TEXT_BYTES / 2)
    await expect(
      j.write('big.md', [
        { sectionId: 'one', baseSha256: null, text: half },
        { sectionId: 'two', baseSha256: null, text: `${half}!` }
      ])
    ).rejects.toThrow(/64 MiB/)
    await expect(fs.stat(j.fileFor('big.md'))).rejects.toMatchObject({ code: 'ENOENT' })
    await j.write('big.md', [{ sectionId: 'one', baseSha256: null, text: half }])
    await expect(
      j.write('big.md', [{ sectionId: 'two', baseSha256: null, text: `${half}!` }])
    ).rejects.toThrow(/64 MiB/)
    expect((await j.list('big.md')).map((e) => e.sectionId)).toEqual(['one'])
  })
})
