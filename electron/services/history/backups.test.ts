import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ValidationError } from '../../../shared/errors'
import { SystemClock } from '../core/clock'
import { Workspace } from '../core/workspace'
import { FakeClock } from '../../../test/harness/fake-clock'
import { formatMicros, parseMicros, wallMicros } from './backup-timestamp'
import { backupDocBase, createBackup, listBackups } from './backups'

describe('backups', () => {
  let root: string
  let ws: Workspace

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'backups-'))
    ws = new Workspace(root)
  })

  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true })
  })

  it('names a backup {docBase}_{action}_{UTC µs timestamp}_{ulid}.md and keeps the exact bytes', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 2, 3, 4, 5, 678))
    const bytes = Buffer.from('# Plan\r\n\r\nbinary \u0000 ok ✓\n', 'utf8')
    const file = await createBackup(ws, clock, 'notes/My Plan.md', 'reorder', bytes)
    expect(path.dirname(file)).toBe(ws.backupsDir('notes/My Plan.md'))
    expect(path.basename(file)).toMatch(
      /^My Plan_reorder_20260102T030405\.678\d{3}Z_[0-9A-HJKMNP-TV-Z]{26}\.md$/
    )
    expect(await fs.readFile(file)).toEqual(bytes)
  })

  it('500 backups in the same millisecond make 500 distinct files with the right bytes', async () => {
    const clock = new FakeClock() // time never moves: every backup is in the same millisecond
    const files: string[] = []
    for (let i = 0; i < 500; i++) {
      files.push(await createBackup(ws, clock, 'doc.md', 'delete', Buffer.from(`copy ${i}`)))
    }
    expect(new Set(files).size).toBe(500)
    const listed = await listBackups(ws, 'doc.md')
    expect(listed).toHaveLength(500)
    for (let i = 0; i < 500; i++) expect(await fs.readFile(files[i] ?? '', 'utf8')).toBe(`copy ${i}`)
    // Listing order is creation order, and the µs timestamps are strictly increasing.
    expect(listed.map((b) => b.file)).toEqual(files)
    for (let i = 1; i < listed.length; i++) {
      expect(listed[i]?.micros).toBeGreaterThan(listed[i - 1]?.micros ?? Infinity)
    }
  })

  it('concurrent backups with a real clock never overwrite each other', async () => {
    const clock = new SystemClock()
    const files = await Promise.all(
      Array.from({ length: 200 }, (_, i) => createBackup(ws, clock, 'doc.md', 'save', Buffer.from(String(i))))
    )
    expect(new Set(files).size).toBe(200)
    const contents = await Promise.all(files.map((f) => fs.readFile(f, 'utf8')))
    expect(contents).toEqual(files.map((_, i) => String(i)))
  })

  it('lists size, action and timestamp, ignores unrelated files, and is empty without a folder', async () => {
    expect(await listBackups(ws, 'doc.md')).toEqual([])
    const clock = new FakeClock(Date.UTC(2026, 5, 1))
    await createBackup(ws, clock, 'doc.md', 'restore', Buffer.from('12345'))
    await fs.writeFile(path.join(ws.backupsDir('doc.md'), 'README.txt'), 'x')
    const [b, ...rest] = await listBackups(ws, 'doc.md')
    expect(rest).toEqual([])
    expect(b).toMatchObject({
      docBase: 'doc',
      action: 'restore',
      size: 5,
      timestamp: '20260601T000000.000000Z'
    })
    expect(b?.micros).toBe(Date.UTC(2026, 5, 1) * 1000)
  })

  it('refuses action names that would break parsing', async () => {
    const clock = new FakeClock()
    await expect(createBackup(ws, clock, 'doc.md', 'Re_order', Buffer.from(''))).rejects.toBeInstanceOf(
      ValidationError
    )
    expect(await listBackups(ws, 'doc.md')).toEqual([])
  })

  it('makes document names safe for SMB and Windows', () => {
    expect(backupDocBase('a/b/Q3: plan?.md')).toBe('Q3- plan-')
    expect(backupDocBase('trailing. .md')).toBe('trailing')
    expect(backupDocBase('dir/  .md')).toBe('document')
  })

  it('formats and parses microsecond timestamps', () => {
    const micros = Date.UTC(2030, 11, 31, 23, 59, 58, 999) * 1000 + 123
    expect(formatMicros(micros)).toBe('20301231T235958.999123Z')
    expect(parseMicros('20301231T235958.999123Z')).toBe(micros)
    expect(parseMicros('2030-12-31')).toBeNull()
  })

  it('µs stamps follow the wall clock and only count forward within a millisecond', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1))
    const a = wallMicros(clock)
    const b = wallMicros(clock)
    expect(b).toBe(a + 1)
    await clock.advance(5)
    expect(wallMicros(clock)).toBe(a + 5000)
    clock.skewWall(-60_000) // set back a minute: follow it rather than count on
    expect(wallMicros(clock)).toBe(a + 5000 - 60_000_000)
  })

  it('the real clock gives sub-millisecond digits that do not repeat', () => {
    const clock = new SystemClock()
    const stamps = Array.from({ length: 1000 }, () => wallMicros(clock))
    expect(new Set(stamps).size).toBe(1000)
    expect(Math.abs(Math.floor((stamps[0] ?? 0) / 1000) - Date.now())).toBeLessThan(1000)
  })
})
