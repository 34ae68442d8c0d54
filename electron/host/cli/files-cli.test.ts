/**
 * The CLI's file commands: rename/mv, rm, trash, restore — what they print, their exit codes
 * (2 for a bad name or a missing document, 3 while someone holds a section), and that the history
 * follows a renamed document. One round runs the built CLI in its own process.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openWorkspace } from '../../services/app-services'
import { testIdentity } from '../../../test/harness/test-identity'
import { FakeClock } from '../../../test/harness/fake-clock'
import { cli } from '../../../test/harness/test-processes'
import { runCliCaptured } from '../../../test/harness/cli-run'

let dir: string
const TEXT = '# Budget\n\nMoney\n'

const run = runCliCaptured

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-cli-files-'))
  await fs.writeFile(path.join(dir, 'd.md'), TEXT)
})

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

describe('file commands', () => {
  it('rename and mv move the document and its history; bad names and missing documents exit 2', async () => {
    const edited = path.join(dir, 'edited.txt')
    await fs.writeFile(edited, '# Budget\n\nMore money\n')
    expect(
      (await run('edit', path.join(dir, 'd.md'), 'budget', '--text-file', edited, '--user', 'ann')).code
    ).toBe(0)
    const r = await run('rename', dir, 'd.md', 'notes/e.md', '--user', 'ann')
    expect(r).toMatchObject({ code: 0, out: 'renamed d.md → notes/e.md\n' })
    expect((await run('mv', dir, 'notes/e.md', 'f.md', '--user', 'ann')).code).toBe(0)
    const history = await run('history', path.join(dir, 'f.md'), 'budget', '--json')
    expect(history.code).toBe(0)
    expect(JSON.stringify(JSON.parse(history.out))).toMatch(/More money/)
    for (const argv of [
      ['rename', dir, 'f.md', 'CON.md', '--user', 'ann'],
      ['rename', dir, 'f.md', '../out.md', '--user', 'ann'],
      ['rename', dir, 'f.md', 'g.txt', '--user', 'ann'],
      ['rename', dir, 'missing.md', 'g.md', '--user', 'ann'],
      ['rename', dir, 'f.md', 'g.md'],
      ['rm', dir, 'f.md']
    ]) {
      const bad = await run(...argv)
      expect(bad.code, argv.join(' ')).toBe(2)
      expect(bad.err).toMatch(/^sectioned: /)
    }
    expect((await fs.readdir(dir)).filter((n) => !n.startsWith('.')).sort()).toEqual([
      'edited.txt',
      'f.md',
      'notes'
    ])
  })

  it('rename and rm exit 3 while another instance holds a section, naming the holder', async () => {
    const bob = await openWorkspace({
      folder: dir,
      identity: testIdentity('bob'),
      clock: new FakeClock(),
      lockSettings: { heartbeatIntervalMs: 1000, idleTimeoutMs: 0 }
    })
    try {
      await bob.locks.acquireSection('d.md', 'budget')
      for (const argv of [
        ['rename', dir, 'd.md', 'e.md', '--user', 'ann'],
        ['rm', dir, 'd.md', '--user', 'ann']
      ]) {
        const r = await run(...argv)
        expect(r.code).toBe(3)
        expect(r.err).toMatch(/section “budget” is being edited by bob on bob-pc/)
      }
      expect(await fs.readFile(path.join(dir, 'd.md'), 'utf8')).toBe(TEXT)
    } finally {
      await bob.dispose()
    }
  })

  it('rm, trash and restore, through the built CLI', async () => {
    const rm = await cli(['rm', dir, 'd.md', '--user', 'ann'])
    expect(rm.code, rm.stderr).toBe(0)
    const listed = await cli(['trash', dir, '--json'])
    const [entry] = JSON.parse(listed.stdout) as { id: string; original: string; by: string }[]
    expect(entry).toMatchObject({ original: 'd.md', by: 'ann' })
    expect((await cli(['trash', dir])).stdout).toMatch(
      new RegExp(`^ID +DOCUMENT +DELETED BY +AT\\n${entry.id} +d\\.md +ann on `)
    )
    await fs.writeFile(path.join(dir, 'd.md'), 'a new one\n')
    const taken = await cli(['restore', dir, entry.id])
    expect(taken.code).toBe(2)
    expect(taken.stderr).toMatch(/cannot be restored where it was/)
    await fs.rm(path.join(dir, 'd.md'))
    const restored = await cli(['restore', dir, entry.id])
    expect(restored).toMatchObject({ code: 0, stdout: 'restored d.md\n' })
    expect(await fs.readFile(path.join(dir, 'd.md'), 'utf8')).toBe(TEXT)
    expect((await cli(['trash', dir])).stdout).toBe('The trash is empty.\n')
    expect((await cli(['restore', dir, entry.id])).code).toBe(2)
  })
})
