/**
 * Cross-process proof (SPEC S4, L3–L5, H1, H3): real Node processes on one temporary folder.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseSections } from '../../electron/services/sections/parse-sections'
import { cli, killAll, LOCK_WORKER, start, CLI } from '../harness/test-processes'

let dir: string
let doc: string

function sectionDoc(n: number, bodyLines = 2): string {
  const parts = ['Preamble text that nobody owns.\n\n']
  for (let i = 1; i <= n; i++) {
    parts.push(`## Section ${i}\n\n`)
    for (let l = 0; l < bodyLines; l++) parts.push(`Body ${i}.${l} with some words to make it realistic.\n`)
    parts.push('\n')
  }
  return parts.join('')
}

async function textFile(name: string, text: string): Promise<string> {
  const f = path.join(dir, '..', `${path.basename(dir)}-${name}.txt`)
  await fs.writeFile(f, text)
  return f
}

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-mp-'))
  doc = path.join(dir, 'doc.md')
})

afterEach(async () => {
  killAll()
  await fs.rm(dir, { recursive: true, force: true })
  for (const f of await fs.readdir(path.dirname(dir))) {
    if (f.startsWith(`${path.basename(dir)}-`)) await fs.rm(path.join(path.dirname(dir), f), { force: true })
  }
})

describe('many processes, one document', () => {
  it('30 processes saving 30 distinct sections at once: every save lands, every other byte intact', async () => {
    const n = 30
    const original = sectionDoc(n)
    await fs.writeFile(doc, original)
    const ids = (await cli(['sections', doc, '--json'])).stdout
    const sections = JSON.parse(ids).sections as { id: string; heading: string }[]
    expect(sections.map((s) => s.id).slice(0, 3)).toEqual(['preamble', 'section-1', 'section-2'])

    const texts = Array.from(
      { length: n },
      (_, i) => `## Section ${i + 1}\n\nRewritten by writer ${i + 1}.\n\n`
    )
    const files = await Promise.all(texts.map((t, i) => textFile(`t${i}`, t)))
    const results = await Promise.all(
      files.map((f, i) =>
        cli([
          'edit',
          doc,
          `section-${i + 1}`,
          '--text-file',
          f,
          '--user',
          `writer${i + 1}`,
          '--retries',
          '20'
        ])
      )
    )
    for (const r of results) expect(r.code, r.stderr).toBe(0)

    const expected = 'Preamble text that nobody owns.\n\n' + texts.join('')
    expect(await fs.readFile(doc, 'utf8')).toBe(expected)
    const verify = await cli(['verify', dir])
    expect(verify.code, verify.stderr).toBe(0)
    const hist = JSON.parse((await cli(['history', doc, 'section-7', '--json'])).stdout)
    expect(hist.versions.map((v: { version: number; reason: string }) => [v.version, v.reason])).toEqual([
      [1, 'baseline'],
      [2, 'save']
    ])
  })

  it('10 processes on one section: serialized, history versions consecutive', async () => {
    await fs.writeFile(doc, sectionDoc(3))
    const files = await Promise.all(
      Array.from({ length: 10 }, (_, i) => textFile(`s${i}`, `## Section 2\n\nVersion from writer ${i}.\n\n`))
    )
    const results = await Promise.all(
      files.map((f, i) =>
        cli(['edit', doc, 'section-2', '--text-file', f, '--user', `w${i}`, '--retries', '200'])
      )
    )
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    const hist = JSON.parse((await cli(['history', doc, 'section-2', '--json'])).stdout)
    const versions = hist.versions as { version: number; author: string; content: string }[]
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1))
    expect(new Set(versions.slice(1).map((v) => v.author)).size).toBe(10)
    const final = await fs.readFile(doc, 'utf8')
    expect(final).toContain(versions[10].content)
    expect(final.match(/## Section/g)).toHaveLength(3)
  })

  it('never grants one lock twice: 10 workers × 40 acquisitions with an exclusive marker', async () => {
    await fs.writeFile(doc, sectionDoc(1))
    const markers = path.join(dir, 'markers')
    await fs.mkdir(markers)
    const workers = Array.from({ length: 10 }, () =>
      start(LOCK_WORKER, [dir, 'doc.md', 'section-1', '40', markers])
    )
    const done = await Promise.all(workers.map((w) => w.done))
    for (const d of done) expect(d.code, d.stderr).toBe(0)
    const total = done.reduce((sum, d) => sum + Number(/acquired (\d+)/.exec(d.stdout)?.[1] ?? 0), 0)
    expect(total).toBe(400)
  })
})

describe('crashed, frozen and skewed holders', () => {
  it('a SIGKILLed holder on the same host is taken over at once, and the takeover is audited', async () => {
    await fs.writeFile(doc, sectionDoc(2))
    const holder = start(CLI, ['hold', doc, 'section-1', '--user', 'ann'])
    await holder.waitFor('locked section-1')
    const refused = await cli([
      'edit',
      doc,
      'section-1',
      '--text-file',
      await textFile('x', '## Section 1\n\nBob\n'),
      '--user',
      'bob'
    ])
    expect(refused.code).toBe(3)
    expect(refused.stderr).toMatch(/being edited by ann on /)

    holder.child.kill('SIGKILL')
    await holder.done
    const started = Date.now()
    const edit = await cli([
      'edit',
      doc,
      'section-1',
      '--text-file',
      await textFile('y', '## Section 1\n\nBob wins\n\n'),
      '--user',
      'bob'
    ])
    expect(edit.code, edit.stderr).toBe(0)
    expect(Date.now() - started).toBeLessThan(5_000) // no stale window: the pid is dead
    expect(await fs.readFile(doc, 'utf8')).toContain('Bob wins')
    const audit = await readAudit(dir)
    expect(
      audit.some((e) => e.type === 'lock.takeover' && e.user === 'bob' && String(e.from).startsWith('ann on'))
    ).toBe(true)
  })

  it('a holder whose clock is 10 minutes off (either way) is never taken over while it beats', async () => {
    await fs.writeFile(doc, sectionDoc(2))
    for (const skew of ['600000', '-600000']) {
      const holder = start(CLI, ['hold', doc, 'section-2', '--user', 'skewed', '--heartbeat-ms', '200'], {
        SECTIONED_CLOCK_OFFSET_MS: skew,
        SECTIONED_HOST_ID: 'far-away-host'
      })
      await holder.waitFor('locked section-2')
      // The observer tries for ~8 s (13× the 0.6 s stale window) and must be refused throughout.
      const observer = await cli(
        [
          'edit',
          doc,
          'section-2',
          '--text-file',
          await textFile('o', '## Section 2\n\nthief\n'),
          '--user',
          'observer',
          '--retries',
          '12',
          '--heartbeat-ms',
          '200'
        ],
        { SECTIONED_HOST_ID: 'observer-host' }
      )
      expect(observer.code).toBe(3)
      expect(observer.stderr).toMatch(/Gave up waiting .* skewed on /)
      const lock = JSON.parse((await cli(['inspect', doc, 'section-2', '--json'])).stdout).lock
      expect(lock.kind).toBe('held')
      expect(lock.record.holder.user).toBe('skewed')
      const offset = Date.parse(lock.record.lastHeartbeat) - Date.now()
      expect(Math.abs(offset - Number(skew))).toBeLessThan(30_000) // it really writes skewed times
      holder.child.kill('SIGTERM')
      expect((await holder.done).code).toBe(0)
    }
    expect(await fs.readFile(doc, 'utf8')).not.toContain('thief')
  })

  it('a frozen holder (SIGSTOP) is taken over after the stale window and learns it lost the lock', async () => {
    await fs.writeFile(doc, sectionDoc(2))
    const holder = start(CLI, ['hold', doc, 'section-1', '--user', 'frozen', '--heartbeat-ms', '200'], {
      SECTIONED_HOST_ID: 'frozen-host'
    })
    await holder.waitFor('locked section-1')
    holder.child.kill('SIGSTOP')
    const edit = await cli(
      [
        'edit',
        doc,
        'section-1',
        '--text-file',
        await textFile('z', '## Section 1\n\nTaken over\n\n'),
        '--user',
        'rescuer',
        '--retries',
        '12',
        '--heartbeat-ms',
        '200'
      ],
      { SECTIONED_HOST_ID: 'rescuer-host' }
    )
    expect(edit.code, edit.stderr).toBe(0)
    holder.child.kill('SIGCONT')
    const done = await holder.done
    expect(done.code).toBe(3)
    expect(done.stderr).toMatch(/lost section-1: .*released by rescuer|lost section-1: .*taken over/)
    expect(await fs.readFile(doc, 'utf8')).toContain('Taken over')
  })

  it('SIGKILL in the middle of saves, repeatedly: the document always parses and verify passes', async () => {
    const n = 40
    await fs.writeFile(doc, sectionDoc(n, 600)) // ≈ 1.6 MB: a save takes long enough to be interrupted
    const headings = parseSections(await fs.readFile(doc)).map((s) => s.heading)
    let interrupted = 0
    let unfinished = 0
    for (let round = 0; round < 12; round++) {
      const body = `## Section 5\n\n${`Round ${round} text.\n`.repeat(2000)}\n`
      const p = start(CLI, [
        'edit',
        doc,
        'section-5',
        '--text-file',
        await textFile(`k${round}`, body),
        '--user',
        'victim'
      ])
      await new Promise((r) => setTimeout(r, 40 + ((round * 37) % 200)))
      p.child.kill('SIGKILL')
      const d = await p.done
      if (d.signal === 'SIGKILL') interrupted++
      const buf = await fs.readFile(doc)
      expect(parseSections(buf).map((s) => s.heading)).toEqual(headings)
      let verify = await cli(['verify', dir])
      // Killed after its rename but before its history versions: the save landed and its intent says
      // so — the next save or open (or `verify --repair`) records the versions. That is the only
      // problem such a kill may leave, and the repair must clear it.
      const problems = verify.stderr.split('\n').filter((l) => l.includes(': '))
      if (
        verify.code !== 0 &&
        problems.length > 0 &&
        problems.every((l) => l.includes('an unfinished save'))
      ) {
        unfinished++
        const repair = await cli(['verify', dir, '--repair'])
        expect(repair.code, repair.stderr).toBe(0)
        verify = await cli(['verify', dir])
      }
      expect(verify.code, verify.stderr).toBe(0)
    }
    console.info(
      `SIGKILL in saves: ${interrupted} of 12 interrupted, ${unfinished} left an unfinished save (repaired)`
    )
    expect(interrupted).toBeGreaterThan(6)
    // The dead processes' locks and write mutex do not block the next writer on this host.
    const final = await cli([
      'edit',
      doc,
      'section-5',
      '--text-file',
      await textFile('fin', '## Section 5\n\nFinal\n\n'),
      '--user',
      'survivor'
    ])
    expect(final.code, final.stderr).toBe(0)
    expect(parseSections(await fs.readFile(doc)).map((s) => s.heading)).toEqual(headings)
  })
})

async function readAudit(folder: string): Promise<Record<string, unknown>[]> {
  const auditDir = path.join(folder, '.sectioned', 'audit')
  const out: Record<string, unknown>[] = []
  for (const f of await fs.readdir(auditDir)) {
    for (const line of (await fs.readFile(path.join(auditDir, f), 'utf8')).split('\n')) {
      if (line.trim()) out.push(JSON.parse(line))
    }
  }
  return out
}
