import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Workspace } from '../../services/core/workspace'
import { runCliCaptured } from '../../../test/harness/cli-run'

let dir: string
let doc: string
const ORIGINAL = 'Intro\n\n# Budget\n\nMoney\n\n## Risks\n\nSome\n'

const run = runCliCaptured

function oneCleanLine(err: string): void {
  const lines = err.trim().split('\n')
  expect(lines[0]).toMatch(/^sectioned: /)
  expect(err).not.toMatch(/\n\s+at /) // no stack trace
}

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-cli-'))
  doc = path.join(dir, 'd.md')
  await fs.writeFile(doc, ORIGINAL)
})

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

describe('bad input: one clear line, the documented exit code, nothing changed', () => {
  it('usage mistakes exit 2', async () => {
    for (const argv of [
      ['frobnicate'],
      ['sections'],
      ['sections', doc, '--frob'],
      ['edit', doc, 'budget', '--user', 'a'],
      ['edit', doc, 'budget', '--text-file', doc],
      ['edit', doc, 'budget', '--text-file', doc, '--user', 'a', '--retries', 'many'],
      ['prune', dir, '--keep', '0']
    ]) {
      const r = await run(...argv)
      expect(r.code, argv.join(' ')).toBe(2)
      oneCleanLine(r.err)
    }
    expect(await fs.readFile(doc, 'utf8')).toBe(ORIGINAL)
  })

  it('a missing file, an unknown section or a path outside the workspace exit 2', async () => {
    const text = path.join(dir, 'new.txt')
    await fs.writeFile(text, '# Budget\n\nx\n')
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-outside-'))
    await fs.writeFile(path.join(outside, 'o.md'), '# O\n')
    try {
      const cases = [
        ['sections', path.join(dir, 'missing.md')],
        ['edit', doc, 'nope', '--text-file', text, '--user', 'a'],
        ['sections', path.join(outside, 'o.md'), '--workspace', dir],
        ['status', path.join(dir, 'no-such-folder')]
      ]
      const messages = []
      for (const argv of cases) {
        const r = await run(...argv)
        expect(r.code, argv.join(' ')).toBe(2)
        oneCleanLine(r.err)
        messages.push(r.err)
      }
      expect(messages[0]).toMatch(/There is no document/)
      expect(messages[1]).toMatch(/has no section “nope”/)
      expect(messages[2]).toMatch(/outside the workspace/)
      expect(await fs.readFile(doc, 'utf8')).toBe(ORIGINAL)
    } finally {
      await fs.rm(outside, { recursive: true, force: true })
    }
  })

  it('a stale base checksum is a conflict (exit 4) and changes nothing', async () => {
    const text = path.join(dir, 'new.txt')
    await fs.writeFile(text, '# Budget\n\nmine\n\n')
    const r = await run(
      'edit',
      doc,
      'budget',
      '--text-file',
      text,
      '--user',
      'a',
      '--base-sha256',
      'f'.repeat(64)
    )
    expect(r.code).toBe(4)
    oneCleanLine(r.err)
    expect(await fs.readFile(doc, 'utf8')).toBe(ORIGINAL)
  })

  it('a damaged lock file is reported by status and inspect, fails verify (exit 5), and needs --force to release', async () => {
    expect((await run('sections', doc)).code).toBe(0)
    const sections = JSON.parse((await run('sections', doc, '--json')).out).sections
    expect(sections.map((s: { id: string }) => s.id)).toEqual(['preamble', 'budget', 'risks'])
    // `sections` is read-only: it created nothing. Plant a damaged lock where the app would look.
    await expect(fs.stat(path.join(dir, '.sectioned'))).rejects.toThrow()
    const gen = path.join(new Workspace(dir).sectionLockDir('d.md', 'budget'), 'g000000003')
    await fs.mkdir(gen, { recursive: true })
    await fs.writeFile(path.join(gen, 'lock.json'), '{"format":1, "oops"')

    const status = await run('status', dir, '--json')
    expect(status.code).toBe(0)
    expect(JSON.parse(status.out).locks[0]).toMatchObject({ state: 'corrupt', kind: 'section' })
    expect((await run('inspect', doc)).out).toMatch(/budget\s+Budget\s+.*damaged/)

    const verify = await run('verify', dir)
    expect(verify.code).toBe(5)
    expect(verify.err).toMatch(/damaged lock record/)

    const refused = await run('force-release', doc, 'budget', '--watch-seconds', '0')
    expect(refused.code).toBe(3)
    const forced = await run('force-release', doc, 'budget', '--force', '--reason', 'damaged by a sync tool')
    expect(forced.code, forced.err).toBe(0)
    expect((await run('verify', dir)).code).toBe(0)
    expect(await fs.readFile(doc, 'utf8')).toBe(ORIGINAL)
  })

  it('tampered history fails verify and history (exit 5)', async () => {
    const text = path.join(dir, 'new.txt')
    await fs.writeFile(text, '# Budget\n\nmine\n\n')
    expect((await run('edit', doc, 'budget', '--text-file', text, '--user', 'ann')).code).toBe(0)
    const hist = JSON.parse((await run('history', doc, 'budget', '--json')).out)
    expect(hist.versions.map((v: { version: number }) => v.version)).toEqual([1, 2])
    const [docKey] = await fs.readdir(path.join(dir, '.sectioned', 'docs'))
    const v2 = path.join(dir, '.sectioned', 'docs', docKey, 'history', 'budget', 'v000000002.json')
    const record = JSON.parse(await fs.readFile(v2, 'utf8'))
    record.content = record.content.replace('mine', 'forged')
    await fs.writeFile(v2, JSON.stringify(record))
    const verify = await run('verify', dir)
    expect(verify.code).toBe(5)
    expect(verify.err).toMatch(/v000000002/)
    expect((await run('history', doc, 'budget')).code).toBe(5)
  })

  it('metrics and prune report in JSON', async () => {
    const text = path.join(dir, 'new.txt')
    for (let i = 0; i < 4; i++) {
      await fs.writeFile(text, `# Budget\n\nedit ${i}\n\n`)
      expect((await run('edit', doc, 'budget', '--text-file', text, '--user', 'ann')).code).toBe(0)
    }
    const pruned = JSON.parse((await run('prune', dir, '--keep', '2', '--json')).out)
    expect(pruned).toMatchObject({ scanned: 5, removed: 2, kept: 3 }) // v1 is never pruned
    const hist = JSON.parse((await run('history', doc, 'budget', '--json')).out)
    expect(hist.versions.map((v: { version: number }) => v.version)).toEqual([1, 4, 5])
    const metrics = await run('metrics', dir, '--json')
    expect(metrics.code).toBe(0)
    expect(JSON.parse(metrics.out)).toMatchObject({ instances: 0, locksOnDisk: 0 })
  })
})

describe('search', () => {
  it('finds sections by words, accents and case ignored; refuses an empty query with exit 2', async () => {
    await fs.writeFile(path.join(dir, 'cv.md'), '# Résumé\n\nTeaching at the École.\n')
    const r = await run('search', dir, 'resume', '--json')
    expect(r.code).toBe(0)
    const answer = JSON.parse(r.out)
    expect(answer).toMatchObject({ building: false, indexed: 2, total: 2 })
    expect(answer.results).toEqual([
      { document: 'cv.md', sections: [expect.objectContaining({ sectionId: 'résumé', holder: null })] }
    ])
    const text = await run('search', dir, 'MONEY')
    expect(text.code).toBe(0)
    expect(text.out).toMatch(/^d\.md\n {2}#budget {2}Budget\n/)
    expect(text.out).toMatch(/1 sections in 1 documents \(2 documents searched\)/)
    for (const argv of [
      ['search', dir],
      ['search', dir, '   '],
      ['search', dir, 'x', '--limit', '0']
    ]) {
      const bad = await run(...argv)
      expect(bad.code, argv.join(' ')).toBe(2)
      oneCleanLine(bad.err)
    }
    expect(await fs.readFile(doc, 'utf8')).toBe(ORIGINAL)
  })

  it('the built CLI searches too (its index in the worker bundle beside it)', async () => {
    const { execFile } = await import('node:child_process')
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['out/node/cli.cjs', 'search', dir, 'risks', '--json'], (err, stdout) =>
        err ? reject(err) : resolve(stdout)
      )
    )
    expect(JSON.parse(out).results).toEqual([
      { document: 'd.md', sections: [expect.objectContaining({ sectionId: 'risks', heading: 'Risks' })] }
    ])
  })
})
