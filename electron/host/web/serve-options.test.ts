import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  ServeUsageError,
  findRendererDir,
  findRepoRoot,
  parseServeArgs,
  webTokenFromEnv
} from './serve-options'

describe('serve options', () => {
  it('parses --folder, --user and --port', () => {
    expect(parseServeArgs(['--folder', 'docs', '--user', ' ann ', '--port', '8123'])).toEqual({
      folder: path.resolve('docs'),
      user: 'ann',
      port: 8123,
      help: false
    })
    expect(parseServeArgs(['--folder', '/w']).port).toBe(0)
  })

  it('refuses what it does not understand', () => {
    for (const argv of [
      [],
      ['--folder'],
      ['--folder', ' '],
      ['--folder', '/w', 'extra'],
      ['--folder', '/w', '--verbose'],
      ['--folder', '/w', '--port', '-1'],
      ['--folder', '/w', '--port', '1.5'],
      ['--folder', '/w', '--port', '65536'],
      ['--folder', '/w', '--port', '']
    ])
      expect(() => parseServeArgs(argv), argv.join(' ')).toThrow(ServeUsageError)
  })

  it('takes a fixed token from SECTIONED_WEB_TOKEN and refuses a weak or malformed one without repeating it', () => {
    expect(webTokenFromEnv({})).toBeUndefined()
    expect(webTokenFromEnv({ SECTIONED_WEB_TOKEN: '' })).toBeUndefined()
    const shortest = 'Ab3_-'.repeat(6) + 'zz'
    expect(shortest).toHaveLength(32)
    expect(webTokenFromEnv({ SECTIONED_WEB_TOKEN: shortest })).toBe(shortest)
    const generated = 'q'.repeat(43)
    expect(webTokenFromEnv({ SECTIONED_WEB_TOKEN: generated })).toBe(generated)
    for (const bad of [
      'S'.repeat(31),
      `${'S'.repeat(40)} `,
      `${'S'.repeat(40)}=`,
      `${'S'.repeat(40)}/+`,
      'Ü'.repeat(40),
      'S'.repeat(1025)
    ]) {
      let message = ''
      try {
        webTokenFromEnv({ SECTIONED_WEB_TOKEN: bad })
      } catch (err) {
        expect(err).toBeInstanceOf(ServeUsageError)
        message = (err as Error).message
      }
      expect(message, bad).toMatch(
        /^SECTIONED_WEB_TOKEN must be 32 to 1024 characters of A-Z, a-z, 0-9, _ and -/
      )
      expect(message).not.toContain(bad.slice(0, 31))
    }
  })

  it('finds the repository and its built renderer from a script inside it', async () => {
    const root = findRepoRoot(import.meta.dirname)
    expect(root).not.toBeNull()
    expect(findRepoRoot(path.join(root ?? '', 'out', 'node'))).toBe(root)
    const elsewhere = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-serve-'))
    try {
      expect(findRepoRoot(elsewhere)).toBeNull()
      expect(findRendererDir(elsewhere)).toBeNull()
    } finally {
      await fs.rm(elsewhere, { recursive: true, force: true })
    }
  })
})
