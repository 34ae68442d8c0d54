/**
 * Long administrative work on a workspace of 3,000 small documents, in real processes: progress on
 * a terminal only, and Ctrl+C (a real SIGINT) stops `verify --repair` and `prune` between
 * documents — exit 130, a one-line summary, every finished document whole, the rest untouched.
 */
import { fileSystemTimeAgo } from '../../../test/harness/fs-clock'
import { execFileSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Workspace } from '../../services/core/workspace'
import { encodeVersion, sha256Hex, versionFileName } from '../../services/history/version-file'
import { CLI, cli, killAll, start, type Proc } from '../../../test/harness/test-processes'

const DOCS = 3000
let dir: string
let ws: Workspace
const names = Array.from({ length: DOCS }, (_, i) => `doc-${String(i).padStart(4, '0')}.md`)
// An hour ago on the file system's clock (leftovers are aged on the share's clock, not this process's).
const HOUR_AGO = fileSystemTimeAgo(3600_000)

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-cancel-'))
  ws = new Workspace(dir)
  for (const n of names) await fs.writeFile(path.join(dir, n), '# A\n\na\n')
})

afterEach(async () => {
  killAll()
  await fs.rm(dir, { recursive: true, force: true })
})

/** Waits until the forced progress line shows at least `n` documents done. */
async function progressReaches(p: Proc, n: number): Promise<void> {
  const start = Date.now()
  for (;;) {
    const counts = [...p.stderr.matchAll(/ (\d+)\/\d+ documents/g)].map((m) => Number(m[1]))
    if (counts.length && Math.max(...counts) >= n) return
    if (p.child.exitCode !== null) throw new Error(`ended before ${n} documents: ${p.stderr.slice(-500)}`)
    if (Date.now() - start > 30_000) throw new Error(`no progress to ${n}: ${p.stderr.slice(-500)}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('long admin work: progress and Ctrl+C', () => {
  it('verify --repair stops between documents on SIGINT, keeps finished repairs, says what was not done', async () => {
    const lockOf = (n: string) => path.join(ws.sectionLockDir(n, 'a'))
    for (const n of names) {
      const gen = path.join(lockOf(n), 'g000000001')
      await fs.mkdir(gen, { recursive: true })
      await fs.utimes(gen, HOUR_AGO, HOUR_AGO)
    }
    const p = start(CLI, ['verify', dir, '--repair'], { SECTIONED_PROGRESS: '1' })
    await progressReaches(p, 300)
    p.child.kill('SIGINT')
    const r = await p.done
    expect(r.code, r.stderr.slice(-500)).toBe(130)
    const summary =
      /stopped by Ctrl\+C after (\d+) of (\d+) documents: \1 checked \((\d+) repaired\), (\d+) not checked/.exec(
        r.stderr
      )
    expect(summary, r.stderr.slice(-500)).not.toBeNull()
    const [done, total, repaired, notChecked] = summary!.slice(1).map(Number)
    expect(total).toBe(DOCS)
    expect(done).toBeGreaterThanOrEqual(300)
    expect(done).toBeLessThan(DOCS)
    expect(repaired).toBe(done)
    expect(notChecked).toBe(DOCS - done)
    expect(r.stdout.match(/^repaired: /gm)).toHaveLength(done)
    // Every document is whole: repaired (a tombstone above the record-less generation, which stays
    // below it: the last generations are kept) or untouched.
    let cleared = 0
    for (const n of names) {
      const gens = (await fs.readdir(lockOf(n))).sort()
      expect([['g000000001'], ['g000000001', 'g000000002']], `${n}: ${gens.join(',')}`).toContainEqual(gens)
      if (gens.includes('g000000002')) cleared++
    }
    expect(cleared).toBe(done)

    const rest = await cli(['verify', dir, '--repair'])
    expect(rest.code, rest.stderr.slice(-500)).toBe(0)
    expect(rest.stdout).toMatch(new RegExp(`repaired ${DOCS - done}, 0 problems left`))
  }, 120_000)

  it('prune stops between documents on SIGINT; pruned documents are whole, the rest untouched', async () => {
    for (const n of names) {
      const hist = ws.historyDir(n, 'a')
      await fs.mkdir(hist, { recursive: true })
      for (const version of [1, 2, 3]) {
        const content = `# A\n\nv${version}\n`
        const record = {
          format: 1 as const,
          document: n,
          sectionId: 'a',
          version,
          heading: 'A',
          content,
          sha256: sha256Hex(content),
          author: 'ann',
          instanceId: 'i',
          timestamp: new Date(Date.now() - (4 - version) * 86_400_000).toISOString(),
          reason: 'save',
          pinned: false,
          beforeStructure: false
        }
        await fs.writeFile(path.join(hist, versionFileName(version)), encodeVersion(record))
      }
    }
    const p = start(CLI, ['prune', dir, '--keep', '1'], { SECTIONED_PROGRESS: '1' })
    await progressReaches(p, 300)
    p.child.kill('SIGINT')
    const r = await p.done
    expect(r.code, r.stderr.slice(-500)).toBe(130)
    const summary =
      /prune: stopped by Ctrl\+C after (\d+) of (\d+) documents: removed (\d+) of \d+ versions there, kept \d+; (\d+) documents not pruned/.exec(
        r.stderr
      )
    expect(summary, r.stderr.slice(-500)).not.toBeNull()
    const [done, total, removed, notPruned] = summary!.slice(1).map(Number)
    expect([total, removed, notPruned]).toEqual([DOCS, done, DOCS - done])
    expect(done).toBeLessThan(DOCS)
    let pruned = 0
    for (const n of names) {
      const files = (await fs.readdir(ws.historyDir(n, 'a'))).sort()
      expect([
        ['v000000001.json', 'v000000003.json'],
        ['v000000001.json', 'v000000002.json', 'v000000003.json']
      ]).toContainEqual(files)
      if (files.length === 2) pruned++
    }
    expect(pruned).toBe(done)
  }, 120_000)

  it('shows progress on a terminal only', async () => {
    for (const n of names.slice(0, 10))
      await fs.mkdir(path.join(ws.sectionLockDir(n, 'a'), 'g000000001'), { recursive: true })
    const piped = await cli(['verify', dir])
    expect(piped.stderr).not.toMatch(/\r|documents {2}/)
    let tty: string
    try {
      // util-linux `script` runs the CLI on a pseudo-terminal (its stdout and stderr both).
      tty = execFileSync('script', ['-qec', `${process.execPath} ${CLI} verify ${dir}`, '/dev/null'], {
        encoding: 'utf8'
      })
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return // no `script` here: the piped half still ran
      tty = String((err as { stdout?: string }).stdout ?? '')
    }
    expect(tty).toContain('\r\u001b[Kverify: 10/10 documents')
    expect(tty).toMatch(/verify: 10 documents checked/)
  }, 60_000)
})
