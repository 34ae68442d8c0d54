/**
 * Files planted in `.sectioned/` by anyone who can write to the share: a pipe, a link to
 * /dev/zero, a folder and a 300 MB file where the app reads a lock record, an index, a history
 * version, an edit request or another instance's metrics. Every command answers within a second
 * (plus four times what the same command took just before, on the clean workspace: the limit
 * catches a read that blocks or never ends, and a loaded machine must not pass for one), edits of
 * other sections keep working, and `verify` names each damaged file.
 */
import { execFileSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Workspace } from '../../services/core/workspace'
import { runCli } from './run'

let dir: string
let doc: string
const TEXT = '# A\n\na\n\n# B\n\nb\n'

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  let out = ''
  let err = ''
  const t0 = performance.now()
  const code = await runCli(argv, { out: (s) => (out += s), err: (s) => (err += s) })
  return { code, out, err, ms: performance.now() - t0 }
}

const KINDS: Record<string, (file: string) => Promise<void>> = {
  pipe: async (file) => void execFileSync('mkfifo', [file]),
  'link to /dev/zero': (file) => fs.symlink('/dev/zero', file),
  folder: (file) => fs.mkdir(file),
  '300 MB file': async (file) => {
    await fs.writeFile(file, '')
    await fs.truncate(file, 300 * 1024 * 1024)
  }
}

/** Where the app reads its own files, relative to the workspace (after one save of B). */
function places(ws: Workspace): Record<string, string> {
  return {
    'lock record': path.join(ws.sectionLockDir('doc.md', 'b'), 'g000000999', 'lock.json'),
    index: ws.indexFile('doc.md'),
    'history version': path.join(ws.historyDir('doc.md', 'b'), 'v000000001.json'),
    'edit request': path.join(ws.requestsDir, 'r0123456789abcdef.json'),
    metrics: path.join(ws.metricsDir, 'someone.json')
  }
}

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-hostile-'))
  doc = path.join(dir, 'doc.md')
})

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

describe('hostile files where the app reads its own', () => {
  it('every command answers within 1 s, other edits go on, memory stays bounded and verify names the file', async () => {
    const textA = path.join(dir, 'a.txt')
    const textB = path.join(dir, 'b.txt')
    await fs.writeFile(textB, '# B\n\nb1\n\n')
    const ws = new Workspace(dir)
    const seen: string[] = []
    for (const [kind, plant] of Object.entries(KINDS)) {
      for (const [place, file] of Object.entries(places(ws))) {
        const what = `${kind} as ${place}`
        await fs.rm(path.join(dir, '.sectioned'), { recursive: true, force: true })
        await fs.writeFile(doc, TEXT)
        const cleanEdit = await run('edit', doc, 'b', '--text-file', textB, '--user', 'ann')
        expect(cleanEdit.code, what).toBe(0)
        await fs.mkdir(path.dirname(file), { recursive: true })
        await fs.rm(file, { recursive: true, force: true })
        // The anchors: the same reads on the clean workspace, now.
        const limit = (anchor: { ms: number }) => 1000 + 4 * anchor.ms
        const clean = { status: await run('status', dir), verify: await run('verify', dir) }
        await plant(file)
        const rss = process.memoryUsage().rss

        const status = await run('status', dir)
        expect(status.ms, what).toBeLessThan(limit(clean.status))
        expect(status.code, `${what}: ${status.err}`).toBe(0)
        const verify = await run('verify', dir)
        expect(verify.ms, what).toBeLessThan(limit(clean.verify))
        expect(verify.code, what).toBe(5)
        expect(verify.err, what).toContain(place === 'lock record' ? path.dirname(path.dirname(file)) : file)
        await fs.writeFile(textA, `# A\n\n${kind} ${place}\n\n`)
        const edit = await run('edit', doc, 'a', '--text-file', textA, '--user', 'bob')
        expect(edit.ms, what).toBeLessThan(limit(cleanEdit))
        expect(edit.code, `${what}: ${edit.err}`).toBe(0)
        expect(await fs.readFile(doc, 'utf8'), what).toBe(`# A\n\n${kind} ${place}\n\n# B\n\nb1\n\n`)
        expect(process.memoryUsage().rss - rss, what).toBeLessThan(100 * 1024 * 1024)
        seen.push(what)
      }
    }
    expect(seen).toHaveLength(20)
  }, 120_000)
})
