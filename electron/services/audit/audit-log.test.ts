import { promises as fs, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Identity } from '../../../shared/types'
import { Workspace } from '../core/workspace'
import { FakeClock } from '../../../test/harness/fake-clock'
import { AuditLog, readAudit } from './audit-log'

function identity(user: string, instanceId: string, host = 'Studio PC.local'): Identity {
  return { ownerId: `${user}@h`, user, host, hostId: 'h', pid: 4242, instanceId }
}

/** Flags of every descriptor this process holds on `file`, from /proc (Linux only). */
function openFlags(file: string): number[] {
  const flags: number[] = []
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`)
    } catch {
      continue
    }
    if (target !== file) continue
    const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
    const m = /^flags:\s*(\d+)/m.exec(info)
    if (m) flags.push(parseInt(m[1] ?? '0', 8))
  }
  return flags
}

const O_APPEND = 0o2000

describe('AuditLog', () => {
  let root: string
  let ws: Workspace
  let clock: FakeClock
  const logs: AuditLog[] = []

  beforeEach(async () => {
    root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'audit-')))
    ws = new Workspace(root)
    clock = new FakeClock(Date.UTC(2026, 2, 4, 10, 32, 0))
  })

  afterEach(async () => {
    for (const log of logs.splice(0)) await log.dispose()
    await fs.rm(root, { recursive: true, force: true })
  })

  const open = (id: Identity): AuditLog => {
    const log = new AuditLog(ws, id, clock)
    logs.push(log)
    return log
  }

  it('writes one JSON line per event with identity, wall time and flattened details', async () => {
    const log = open(identity('ann', '01ANN'))
    log.record({ type: 'lock.acquire', document: 'a.md', sectionId: 'budget', generation: 3 })
    await clock.advance(1500)
    log.record({ type: 'prune', removed: 2, user: 'spoofed' })
    await log.flush()
    expect(path.basename(log.file)).toBe('20260304_studio-pc-local_01ANN.jsonl')
    const lines = (await fs.readFile(log.file, 'utf8')).split('\n')
    expect(lines.at(-1)).toBe('')
    expect(lines.slice(0, -1).map((l) => JSON.parse(l))).toEqual([
      {
        ts: '2026-03-04T10:32:00.000Z',
        instanceId: '01ANN',
        user: 'ann',
        host: 'Studio PC.local',
        pid: 4242,
        type: 'lock.acquire',
        document: 'a.md',
        sectionId: 'budget',
        generation: 3
      },
      {
        ts: '2026-03-04T10:32:01.500Z',
        instanceId: '01ANN',
        user: 'ann',
        host: 'Studio PC.local',
        pid: 4242,
        type: 'prune',
        removed: 2,
        shadowed: { user: 'spoofed' }
      }
    ])
    expect(log.lastError).toBeNull()
  })

  it('two instances writing concurrently get two files of whole, valid lines', async () => {
    const ann = open(identity('ann', '01ANN'))
    const bob = open(identity('bob', '01BOB', 'laptop'))
    const big = 'x'.repeat(70_000) // larger than one pipe/page write, so interleaving would show
    for (let i = 0; i < 300; i++) {
      ann.record({ type: 'save', document: 'd.md', sectionId: `s${i}`, seq: i, pad: i % 50 === 0 ? big : '' })
      bob.record({ type: 'lock.refuse', document: 'd.md', sectionId: `s${i}`, seq: i })
    }
    await Promise.all([ann.flush(), bob.flush()])
    expect((await fs.readdir(ws.auditDir)).sort()).toEqual(
      [path.basename(ann.file), path.basename(bob.file)].sort()
    )
    for (const [log, user] of [
      [ann, 'ann'],
      [bob, 'bob']
    ] as const) {
      const lines = (await fs.readFile(log.file, 'utf8')).trimEnd().split('\n')
      const parsed = lines.map((l) => JSON.parse(l) as { user: string; seq: number })
      expect(parsed.map((p) => p.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i))
      expect(parsed.every((p) => p.user === user)).toBe(true)
      expect(log.lastError).toBeNull()
    }
    const merged = await readAudit(ws)
    expect(merged).toHaveLength(600)
  })

  it.runIf(process.platform === 'linux')(
    'never opens its file in append mode (smbnetfs gives EIO)',
    async () => {
      const log = open(identity('ann', '01ANN'))
      log.record({ type: 'save' })
      await log.flush()
      const flags = openFlags(log.file)
      expect(flags).toHaveLength(1)
      expect((flags[0] ?? O_APPEND) & O_APPEND).toBe(0)
      // Reopened after a dispose: continues at its own offset, still without O_APPEND.
      await log.dispose()
      const again = open(identity('ann', '01ANN'))
      again.record({ type: 'restore' })
      await again.flush()
      const reopened = openFlags(again.file)
      expect(reopened).toHaveLength(1)
      expect((reopened[0] ?? O_APPEND) & O_APPEND).toBe(0)
      const types = (await fs.readFile(again.file, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { type: string }).type)
      expect(types).toEqual(['save', 'restore'])
    }
  )

  it('dispose closes the file; later events are dropped into lastError, not thrown', async () => {
    const log = open(identity('ann', '01ANN'))
    log.record({ type: 'save' })
    await log.dispose()
    if (process.platform === 'linux') expect(openFlags(log.file)).toEqual([])
    expect(() => log.record({ type: 'save' })).not.toThrow()
    expect(log.lastError?.message).toMatch(/closed/)
    expect(log.droppedLines).toBe(1)
    expect((await fs.readFile(log.file, 'utf8')).trimEnd().split('\n')).toHaveLength(1)
    await log.dispose()
  })

  it('a failing disk does not throw: the error is kept and later lines still work', async () => {
    await fs.mkdir(ws.hidden, { recursive: true })
    await fs.writeFile(ws.auditDir, 'a file where the folder should be')
    const log = open(identity('ann', '01ANN'))
    expect(() => log.record({ type: 'save' })).not.toThrow()
    await log.flush()
    expect(log.lastError).not.toBeNull()
    expect(log.droppedLines).toBe(1)
    await fs.rm(ws.auditDir)
    log.record({ type: 'conflict', why: 'after repair' })
    await log.flush()
    const entries = await readAudit(ws)
    expect(entries.map((e) => e.type)).toEqual(['conflict'])
  })

  it('an unserialisable detail is dropped without breaking the queue', async () => {
    const log = open(identity('ann', '01ANN'))
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    log.record({ type: 'save', cyclic })
    log.record({ type: 'save', ok: true })
    await log.flush()
    expect(log.droppedLines).toBe(1)
    expect((await readAudit(ws)).map((e) => e.ok)).toEqual([true])
  })
})

describe('readAudit', () => {
  let root: string
  let ws: Workspace

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'audit-read-'))
    ws = new Workspace(root)
  })

  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true })
  })

  const line = (ts: string, type: string, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ ts, instanceId: 'i', user: 'u', host: 'h', pid: 1, type, ...extra })

  it('is empty when there is no audit folder', async () => {
    expect(await readAudit(ws)).toEqual([])
  })

  it('skips a torn last line, sorts by time then file order, and filters', async () => {
    await fs.mkdir(ws.auditDir, { recursive: true })
    const a = [
      line('2026-01-01T10:00:02.000Z', 'save', { document: 'a.md', n: 'a1' }),
      line('2026-01-01T10:00:05.000Z', 'lock.acquire', { document: 'b.md', n: 'a2' }),
      '{"ts":"2026-01-01T10:00:06.000Z","instanceId":"i","us' // the writer crashed here
    ].join('\n')
    const b = [
      line('2026-01-01T10:00:01.000Z', 'save', { document: 'a.md', n: 'b1' }),
      line('2026-01-01T10:00:02.000Z', 'save', { document: 'a.md', n: 'b2' }),
      ''
    ].join('\n')
    await fs.writeFile(path.join(ws.auditDir, '20260101_h_A.jsonl'), a)
    await fs.writeFile(path.join(ws.auditDir, '20260101_h_B.jsonl'), b)
    await fs.writeFile(path.join(ws.auditDir, 'notes.txt'), line('2026-01-01T09:00:00.000Z', 'save'))

    expect((await readAudit(ws)).map((e) => e.n)).toEqual(['b1', 'a1', 'b2', 'a2'])
    expect((await readAudit(ws, { document: 'a.md' })).map((e) => e.n)).toEqual(['b1', 'a1', 'b2'])
    expect((await readAudit(ws, { types: ['lock.acquire'] })).map((e) => e.n)).toEqual(['a2'])
  })

  it('skips lines of the wrong shape', async () => {
    await fs.mkdir(ws.auditDir, { recursive: true })
    const text = [
      line('not a time', 'save'),
      '[1,2]',
      line('2026-01-01T00:00:00.000Z', 'save', { n: 'ok' })
    ].join('\n')
    await fs.writeFile(path.join(ws.auditDir, 'x.jsonl'), text)
    expect((await readAudit(ws)).map((e) => e.n)).toEqual(['ok'])
  })
})
