/**
 * Text from the share (holder names, host names, headings, file names) is printed with its control
 * and bidi characters escaped: an ESC sequence, a CR/LF or a bidi override in a lock record cannot
 * recolour the terminal, forge a line of output or reverse a name.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { escapeControl, escapeJsonText } from '../../../shared/escape-control'
import { runCliCaptured } from '../../../test/harness/cli-run'

let dir: string
let doc: string
const EVIL_USER = 'ann\u001b[31m\r\nEVIL'
const EVIL_HOST = 'box\u202egpj.exe\u0085\u2066'
// A heading with an OSC title sequence (ESC ] … BEL), a DEL and a bidi override.
const TEXT = '# Bud\u001b]0;pwned\u0007get\u007f\u202e\n\nMoney\n'

/** Every character that must never reach the terminal raw. */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

const run = runCliCaptured

/** Output with no raw control character besides the newlines that end its own lines. */
function clean(text: string): void {
  expect(text).not.toMatch(RAW)
  expect(text).not.toContain('\r')
}

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-escape-'))
  doc = path.join(dir, 'd.md')
  await fs.writeFile(doc, TEXT)
})

afterEach(async () => {
  vi.unstubAllEnvs()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('escapeControl', () => {
  it('shows C0, DEL, C1, bidi and line separators as escapes and leaves the rest', () => {
    expect(escapeControl(EVIL_USER)).toBe('ann\\x1b[31m\\r\\nEVIL')
    expect(escapeControl('a\tb\u0000\u007f\u0085\u009f')).toBe('a\\tb\\x00\\x7f\\x85\\x9f')
    expect(escapeControl('\u202a\u202e\u2066\u2069\u2028\u2029')).toBe(
      '\\u202a\\u202e\\u2066\\u2069\\u2028\\u2029'
    )
    expect(escapeControl('C:\\Users\\ann › Über “x” 日本 🙂')).toBe('C:\\Users\\ann › Über “x” 日本 🙂')
  })

  it('keeps JSON parseable to the same value', () => {
    const value = { user: EVIL_USER, host: EVIL_HOST, x: '\u2028\u2029\u007f' }
    const text = escapeJsonText(JSON.stringify(value))
    expect(text).not.toMatch(RAW)
    expect(JSON.parse(text)).toEqual(value)
  })
})

describe('CLI output of names from the share', () => {
  it('status, inspect and sections escape a hostile holder, host and heading; JSON parses back', async () => {
    vi.stubEnv('SECTIONED_HOST_NAME', EVIL_HOST)
    const sections = await run('sections', doc)
    expect(sections.code, sections.err).toBe(0)
    clean(sections.out)
    expect(sections.out).toContain('Bud\\x1b]0;pwned\\x07get\\x7f\\u202e')
    const id = sections.out.split('\n')[1].split(' ')[0]

    // Acquired with that identity, as a writer on the share would: the lock record holds it raw.
    const hold = run('hold', doc, id, '--user', EVIL_USER, '--seconds', '3')
    await vi.waitFor(async () => expect((await run('status', dir, '--json')).out).toContain('EVIL'), {
      timeout: 3000,
      interval: 50
    })
    try {
      const status = await run('status', dir)
      expect(status.code, status.err).toBe(0)
      clean(status.out)
      expect(status.out).toContain('ann\\x1b[31m\\r\\nEVIL on box\\u202egpj.exe\\x85\\u2066')
      // The forged line did not become a line of its own.
      expect(status.out.split('\n').some((l) => l.startsWith('EVIL'))).toBe(false)

      const json = await run('status', dir, '--json')
      clean(json.out.replace(/\n/g, ''))
      const parsed = JSON.parse(json.out) as {
        locks: { record: { holder: { user: string; host: string } } }[]
      }
      expect(parsed.locks[0].record.holder).toMatchObject({ user: EVIL_USER, host: EVIL_HOST })

      for (const argv of [
        ['inspect', doc],
        ['inspect', doc, id]
      ]) {
        const r = await run(...argv)
        expect(r.code, r.err).toBe(0)
        clean(r.out)
        expect(r.out).toContain('EVIL')
      }
    } finally {
      expect((await hold).code).toBe(0)
    }
  }, 20_000)

  it('a file name in an error is escaped and stays one line', async () => {
    const r = await run('sections', path.join(dir, 'no\u001b[2Jsuch\n.md'))
    expect(r.code).toBe(2)
    clean(r.err)
    expect(r.err).toContain('no\\x1b[2Jsuch\\n.md')
    expect(r.err.trim().split('\n')).toHaveLength(1)
  })
})
