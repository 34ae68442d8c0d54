import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { formatLine, lineLog } from './log'
import { openInstanceLog, pruneInstanceLogs, RotatingFileLog } from './rotating-file-log'

const T0 = Date.UTC(2030, 0, 2, 3, 4, 5)
let dir: string
let now: number
const clock = () => now

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sectioned-log-'))
  now = T0
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const linesOf = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)

describe('RotatingFileLog', () => {
  it('appends one JSON line per entry, with the injected time, the level and the fields', () => {
    const file = path.join(dir, 'logs', 'app.log')
    const log = new RotatingFileLog({ file, now: clock })
    log.info('opened', { folder: 'notes', user: 'ann' })
    now += 1500
    log.warn('a lock could not be released', { document: 'a.md', msg: 'not over the message' })
    log.close()
    log.error('after close: dropped')
    expect(linesOf(file)).toEqual([
      { ts: '2030-01-02T03:04:05.000Z', level: 'info', msg: 'opened', folder: 'notes', user: 'ann' },
      { ts: '2030-01-02T03:04:06.500Z', level: 'warn', msg: 'a lock could not be released', document: 'a.md' }
    ])
    // Diagnostics name this machine's folders: readable by its owner only.
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it('rotates when the next line would pass the size limit, keeping `files` files in all', () => {
    const file = path.join(dir, 'app.log')
    const line = (i: number) => `line ${String(i).padStart(3, '0')}`
    const bytes = Buffer.byteLength(formatLine(T0, 'info', line(0)))
    // Three lines fit in a file; eleven lines are 4 files' worth, of which 3 are kept.
    const log = new RotatingFileLog({ file, now: clock, maxBytes: bytes * 3, files: 3 })
    for (let i = 0; i < 11; i++) log.info(line(i))
    log.close()
    expect(readdirSync(dir).sort()).toEqual(['app.log', 'app.log.1', 'app.log.2'])
    const msgs = (f: string) => linesOf(path.join(dir, f)).map((l) => l.msg)
    expect(msgs('app.log')).toEqual([line(9), line(10)])
    expect(msgs('app.log.1')).toEqual([line(6), line(7), line(8)])
    expect(msgs('app.log.2')).toEqual([line(3), line(4), line(5)])
    for (const f of readdirSync(dir)) expect(statSync(path.join(dir, f)).size).toBeLessThanOrEqual(bytes * 3)
  })

  it('counts what an earlier run left in the file towards the limit', () => {
    const file = path.join(dir, 'app.log')
    writeFileSync(file, 'x'.repeat(900) + '\n')
    const log = new RotatingFileLog({ file, now: clock, maxBytes: 1000, files: 2 })
    log.info('a line that does not fit beside the old ones any more')
    log.close()
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('x'.repeat(900) + '\n')
    expect(linesOf(file).map((l) => l.msg)).toEqual(['a line that does not fit beside the old ones any more'])
  })

  it('a line longer than the limit still lands, alone in its file; one file means no history', () => {
    const file = path.join(dir, 'app.log')
    const log = new RotatingFileLog({ file, now: clock, maxBytes: 10, files: 1 })
    log.info('first, longer than ten bytes')
    log.info('second')
    log.close()
    expect(readdirSync(dir)).toEqual(['app.log'])
    expect(linesOf(file).map((l) => l.msg)).toEqual(['second'])
  })

  it('never throws: a file that cannot be written sends the line to the report, and says why once', () => {
    // A folder where the log's parent should be: every open fails.
    writeFileSync(path.join(dir, 'not-a-folder'), '')
    const reported: string[] = []
    const log = new RotatingFileLog({
      file: path.join(dir, 'not-a-folder', 'app.log'),
      now: clock,
      report: (m) => reported.push(m)
    })
    log.warn('one')
    log.warn('two')
    expect(reported).toHaveLength(3)
    expect(reported[0]).toMatch(/could not write its log file .*app\.log/)
    expect(reported.slice(1).map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['one', 'two'])
  })
})

describe('instance log files', () => {
  it('are named per instance in logs/, and only the most recently written instances are kept', () => {
    const logs = path.join(dir, 'logs')
    const old = ['01AAAAAAAAAAAAAAAAAAAAAAA1', '01AAAAAAAAAAAAAAAAAAAAAAA2', '01AAAAAAAAAAAAAAAAAAAAAAA3']
    // The first instance wrote last (a long-running host): it is kept although its id is oldest.
    old.forEach((id, i) => {
      const log = openInstanceLog({ dir, kind: 'serve', instanceId: id, now: clock })
      log.info('hello')
      log.close()
      const at = new Date(T0 + (i === 0 ? 10_000 : i * 1000))
      utimesSync(path.join(logs, `serve-${id}.log`), at, at)
    })
    writeFileSync(path.join(logs, `serve-${old[1]}.log.1`), 'rotated\n')
    utimesSync(path.join(logs, `serve-${old[1]}.log.1`), new Date(T0), new Date(T0))
    writeFileSync(path.join(logs, 'app-01AAAAAAAAAAAAAAAAAAAAAAA9.log'), 'another kind\n')
    writeFileSync(path.join(logs, 'notes.txt'), 'not a log\n')
    pruneInstanceLogs(logs, 'serve', 2)
    expect(readdirSync(logs).sort()).toEqual([
      'app-01AAAAAAAAAAAAAAAAAAAAAAA9.log',
      'notes.txt',
      `serve-${old[0]}.log`,
      `serve-${old[2]}.log`
    ])
  })
})

describe('lineLog', () => {
  it('writes the same lines to a stream function, and swallows a closed stream', () => {
    const out: string[] = []
    lineLog((l) => out.push(l), clock).warn('dropped', { n: 1 })
    expect(out).toEqual(['{"ts":"2030-01-02T03:04:05.000Z","level":"warn","msg":"dropped","n":1}\n'])
    expect(() =>
      lineLog(() => {
        throw new Error('EPIPE')
      }).error('lost')
    ).not.toThrow()
  })
})
