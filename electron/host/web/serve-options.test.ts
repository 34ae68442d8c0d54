import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ServeUsageError, findRendererDir, findRepoRoot, parseServeArgs } from './serve-options'

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
