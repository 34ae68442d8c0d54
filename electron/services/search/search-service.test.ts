import { execFileSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SystemClock } from '../core/clock'
import { openWorkspace, type AppServices } from '../app-services'
import { testIdentity } from '../../../test/harness/test-identity'
import type { SearchResults } from './search-service'

/** Built by vitest's globalSetup (scripts/build-node.mjs, group app). */
const WORKER = path.resolve('out/node/search-worker.cjs')

const DOCS: Record<string, string> = {
  'plan.md': 'Intro text\n\n# Budget\n\nMoney for the Café on the corner.\n\n## Risks\n\nWeather and rain.\n',
  'notes/Résumé.md': '# Résumé\n\nTen years of ÉCOLE teaching.\n\n# Hobbies\n\nChess.\n',
  'journal/2024-garden.md': '# Spring\n\nTomatoes planted.\n'
}

let root = ''
const opened: AppServices[] = []

beforeEach(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-search-')))
  for (const [name, text] of Object.entries(DOCS)) {
    await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true })
    await fs.writeFile(path.join(root, name), text)
  }
})

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.dispose()))
  await fs.rm(root, { recursive: true, force: true })
})

async function open(opts: { worker?: boolean; watch?: boolean } = {}): Promise<AppServices> {
  const s = await openWorkspace({
    folder: root,
    identity: testIdentity('ann'),
    clock: new SystemClock(),
    lockSettings: { heartbeatIntervalMs: 1000, idleTimeoutMs: 0 },
    searchWorker: opts.worker ? WORKER : null,
    ...(opts.watch ? { watch: { mode: 'native' as const } } : {})
  })
  opened.push(s)
  return s
}

/** Where each hit is: `document#sectionId`, in answer order. */
const where = (r: SearchResults) =>
  r.results.flatMap((d) => d.sections.map((x) => `${d.document}#${x.sectionId}`))

/** Asks until `ok` holds (a watcher event and a re-read are between a write and the index). */
async function eventually(s: AppServices, query: string, ok: (r: SearchResults) => boolean) {
  const deadline = performance.now() + 10_000
  for (;;) {
    const r = await s.search.query(query, 50)
    if (ok(r) || performance.now() > deadline) return r
    await sleep(50)
  }
}

describe.each([
  ['in this thread', false],
  ['in a worker thread', true]
])('search %s', (_name, worker) => {
  it('finds by heading, path and text, ignoring case and diacritics', async () => {
    const s = await open({ worker })
    await s.search.settled()
    expect(where(await s.search.query('budget', 10))).toEqual(['plan.md#budget'])
    // "Resume" finds the heading "Résumé" (and the path notes/Résumé.md); "ecole" finds "ÉCOLE".
    expect(where(await s.search.query('Resume', 10))).toEqual(['notes/Résumé.md#résumé'])
    expect(where(await s.search.query('ecole', 10))).toEqual(['notes/Résumé.md#résumé'])
    expect(where(await s.search.query('CAFE', 10))).toEqual(['plan.md#budget'])
    // A path word finds the document once, at its first section.
    expect(where(await s.search.query('garden', 10))).toEqual(['journal/2024-garden.md#spring'])
    // Every word must match (AND); the last may be a prefix.
    expect(where(await s.search.query('weather rai', 10))).toEqual(['plan.md#risks'])
    expect(where(await s.search.query('weather chess', 10))).toEqual([])
    // One typo in a long word is forgiven when the words as typed find too little.
    expect(where(await s.search.query('weathar', 10))).toEqual(['plan.md#risks'])
    // English stop words are neither indexed nor asked for: "the" alone finds nothing, and does not
    // stop the other words from matching.
    expect(where(await s.search.query('the', 10))).toEqual([])
    expect(where(await s.search.query('the corner', 10))).toEqual(['plan.md#budget'])
    const r = await s.search.query('cafe', 10)
    expect(r).toMatchObject({ indexed: 3, total: 3, building: false })
    expect(r.results[0].sections[0]).toMatchObject({ heading: 'Budget' })
    expect(r.results[0].sections[0].snippet).toContain('Café')
  })
})

describe('grouping and results', () => {
  it('groups sections by document, best document first, with section ids a window can open', async () => {
    // (An empty preamble, before the first heading, is not a result.)
    await fs.writeFile(path.join(root, 'rain.md'), '# Rain\n\nRain rain rain.\n\n# Sun\n\nNo rain today.\n')
    const s = await open()
    await s.search.settled()
    const r = await s.search.query('rain', 10)
    expect(r.results.map((d) => d.document)).toEqual(['rain.md', 'plan.md'])
    expect(r.results[0].sections.map((x) => x.sectionId).sort()).toEqual(['rain', 'sun'])
    const snap = await s.documents.read('rain.md')
    expect(snap.sections.map((x) => x.id)).toEqual(expect.arrayContaining(['rain', 'sun']))
  })

  it('answers up to ten sections of a document before the next best one, then the rest', async () => {
    const many = Array.from({ length: 30 }, (_, i) => `# Apple ${i}\n\nApple pie number ${i}.\n`).join('\n')
    await fs.writeFile(path.join(root, 'orchard.md'), many)
    await fs.writeFile(path.join(root, 'market.md'), '# Stall\n\nOne apple left.\n\n# Till\n\nCoins.\n')
    const s = await open()
    await s.search.settled()
    const r = await s.search.query('apple', 12)
    const count = (d: string) => r.results.find((x) => x.document === d)?.sections.length
    // Ten of the orchard's, the market's one, then the orchard's next: both documents are seen.
    expect(count('orchard.md')).toBe(11)
    expect(count('market.md')).toBe(1)
    expect(where(await s.search.query('apple', 50))).toHaveLength(31)
    // Words in different sections of one document find each of those sections.
    expect(where(await s.search.query('weather money', 10)).sort()).toEqual([
      'plan.md#budget',
      'plan.md#risks'
    ])
  })

  it('cuts a long section to a snippet around the match', async () => {
    const long = `# Long\n\n${'filler words here. '.repeat(200)}the needle is here.${' more text'.repeat(100)}\n`
    await fs.writeFile(path.join(root, 'long.md'), long)
    const s = await open()
    await s.search.settled()
    const hit = (await s.search.query('needle', 5)).results[0].sections[0]
    expect(hit.snippet.length).toBeLessThan(200)
    expect(hit.snippet).toMatch(/^….*needle.*…$/)
  })
})

describe('keeping up with changes', () => {
  it('finds a save, a new file and forgets a deleted one (watcher and own saves)', async () => {
    const s = await open({ watch: true })
    await s.search.settled()
    expect(where(await s.search.query('zucchini', 10))).toEqual([])
    // Another writer's edit, seen by the watcher.
    await fs.writeFile(path.join(root, 'plan.md'), DOCS['plan.md'] + '\n# Zucchini\n\nGreen.\n')
    expect(where(await eventually(s, 'zucchini', (r) => r.results.length > 0))).toEqual(['plan.md#zucchini'])
    // A new file.
    await fs.writeFile(path.join(root, 'new.md'), '# Pumpkin\n\nOrange.\n')
    expect(where(await eventually(s, 'pumpkin', (r) => r.results.length > 0))).toEqual(['new.md#pumpkin'])
    expect((await s.search.query('pumpkin', 10)).total).toBe(4)
    // A deleted one.
    await fs.rm(path.join(root, 'new.md'))
    const gone = await eventually(s, 'pumpkin', (r) => r.results.length === 0)
    expect(gone.results).toEqual([])
    expect(gone.total).toBe(3)
    // This instance's own save, through the document service.
    const lock = await s.locks.acquireSection('plan.md', 'risks')
    const sec = await s.documents.section('plan.md', 'risks')
    await s.documents.saveSection(lock, sec.section.sha256, '## Risks\n\nHailstorms.\n')
    s.search.changed('plan.md')
    await s.search.settled()
    expect(where(await s.search.query('hailstorms', 10))).toEqual(['plan.md#risks'])
    expect(where(await s.search.query('weather', 10))).toEqual([])
  })
})

describe('hostile files', () => {
  it('skips a FIFO, links and a huge file without hanging, and indexes the rest', async () => {
    const outside = path.join(os.tmpdir(), `sectioned-search-outside-${process.pid}.md`)
    await fs.writeFile(outside, '# Secret\n\nOutside the workspace.\n')
    try {
      execFileSync('mkfifo', [path.join(root, 'pipe.md')])
      await fs.symlink(outside, path.join(root, 'link.md'))
      await fs.symlink('/dev/zero', path.join(root, 'zero.md'))
      // Sparse: larger than the document cap without writing 65 MiB.
      const huge = await fs.open(path.join(root, 'huge.md'), 'w')
      await huge.truncate(65 * 1024 * 1024)
      await huge.close()
      const s = await open()
      const started = performance.now()
      await s.search.settled()
      expect(performance.now() - started).toBeLessThan(5_000)
      expect(where(await s.search.query('secret', 10))).toEqual([])
      expect(where(await s.search.query('budget', 10))).toEqual(['plan.md#budget'])
      // Links and the pipe are not listed as documents; the huge file is listed and skipped.
      expect(s.search.progress).toMatchObject({ building: false, skipped: 1, total: 4, indexed: 4 })
      // Changes to them are refused too (the watcher's event names any file).
      s.search.changed('pipe.md')
      s.search.changed('link.md')
      await s.search.settled()
      expect(where(await s.search.query('secret', 10))).toEqual([])
    } finally {
      await fs.rm(outside, { force: true })
    }
  })
})
