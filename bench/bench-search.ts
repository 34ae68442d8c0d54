/**
 * Benchmark 14 (services): workspace search on a generated workspace of 5,000 documents and
 * 200 MB of real text, the size (each document the markdown files of node_modules one after
 * another until it has 36 KB, used again from the start when they run out; quick: 1,000 of ~6 KB). Measures building the index (in its worker thread), how long the thread that answers
 * requests is held up meanwhile, the first answer while it builds, and query latency once it is
 * warm — through `searchWorkspace`, as the `search:query` channel answers (with the holder look-up).
 * Anchor: a scan of every section's folded text for the query's words, the index-free way.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { openWorkspace } from '../electron/services/app-services'
import { foldTerm } from '../electron/services/search/fold'
import { searchWorkspace } from '../electron/services/search/search-query'
import { withTempDir, type Benchmark, type BenchContext } from './context'
import { bundle } from './processes'
import { realCorpus } from './real-docs'
import { below, row, type ResultRow } from './results'

/** Documents, the size each is made at least, and warm queries of a run. */
function sizes(quick: boolean): { documents: number; docBytes: number; queries: number } {
  return quick
    ? { documents: 1_000, docBytes: 0, queries: 60 }
    : { documents: 5_000, docBytes: 36 * 1024, queries: 300 }
}

/** A small deterministic generator (the same queries every run). */
function lcg(seed: number): () => number {
  let x = seed
  return () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
}

/**
 * Writes `n` documents in folders of 100, each the corpus's next files one after another until it
 * has `docBytes` (at least one file); returns every document's text.
 */
async function writeWorkspace(dir: string, n: number, docBytes: number): Promise<string[]> {
  const corpus = await realCorpus()
  if (corpus.length === 0) throw new Error('no usable markdown files in node_modules')
  let next = 0
  const take = () => {
    let text = ''
    do text += `${corpus[next++ % corpus.length]}\n\n`
    while (Buffer.byteLength(text) < docBytes)
    return text
  }
  const texts: string[] = []
  for (let i = 0; i < n; i += 100) {
    const folder = path.join(dir, `part-${String(i / 100).padStart(3, '0')}`)
    await fs.mkdir(folder)
    await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, (_, k) => {
        const text = take()
        texts.push(text)
        return fs.writeFile(path.join(folder, `doc-${i + k}.md`), text)
      })
    )
  }
  return texts
}

/** Queries: one to three words of the texts (the last one cut to a prefix now and then). */
function queriesOf(texts: readonly string[], count: number): string[] {
  const rnd = lcg(14)
  const out: string[] = []
  while (out.length < count) {
    const words = texts[Math.floor(rnd() * texts.length)].match(/\p{L}{4,}/gu) ?? []
    if (words.length < 3) continue
    const at = Math.floor(rnd() * (words.length - 2))
    const picked = words.slice(at, at + 1 + Math.floor(rnd() * 3))
    if (rnd() < 0.3) picked[picked.length - 1] = picked[picked.length - 1].slice(0, 4)
    out.push(picked.join(' '))
  }
  return out
}

async function measure(ctx: BenchContext, dir: string): Promise<ResultRow[]> {
  const { documents, docBytes, queries } = sizes(ctx.quick)
  ctx.log(`search: writing ${documents} documents of real text`)
  const texts = await writeWorkspace(dir, documents, docBytes)
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0)
  const asked = queriesOf(texts, queries)
  const s = await openWorkspace({
    folder: dir,
    start: false,
    readOnly: true,
    searchWorker: bundle('search-worker')
  })
  try {
    const rssBefore = process.memoryUsage().rss
    const delay = monitorEventLoopDelay({ resolution: 10 })
    delay.enable()
    const started = performance.now()
    // The first answer comes from what is indexed so far (the build goes on in the worker).
    const first = await searchWorkspace(s, asked[0], 50)
    const firstMs = performance.now() - started
    await s.search.settled()
    const buildMs = performance.now() - started
    delay.disable()
    // The worker's heap is this process's memory too: what the index (and the texts kept for
    // snippets) costs.
    const rssGrowthMB = (process.memoryUsage().rss - rssBefore) / 1024 / 1024
    ctx.log(`search: index of ${documents} documents built in ${(buildMs / 1000).toFixed(1)} s`)
    const warm: number[] = []
    let hits = 0
    for (const q of asked) {
      const t = performance.now()
      const r = await searchWorkspace(s, q, 50)
      warm.push(performance.now() - t)
      hits += r.results.reduce((n, d) => n + d.sections.length, 0)
    }
    const scan = scanAnchor(texts, asked.slice(0, 30))
    const maxDelayMs = delay.max / 1e6
    return [
      row(
        '14',
        `search: build the index of ${documents} documents (${(bytes / 1024 / 1024).toFixed(0)} MB)`,
        [buildMs],
        {
          extra: {
            'first answer while building ms': firstMs,
            'first answer documents indexed': first.indexed,
            'request thread max delay during build ms': maxDelayMs,
            'RSS growth MB': rssGrowthMB,
            'documents/s': documents / (buildMs / 1000)
          }
        }
      ),
      row('14', `search: warm query (1–3 words, up to 50 sections) over ${documents} documents`, warm, {
        anchors: { 'scan of every document’s folded text': scan },
        extra: { 'sections per answer': hits / asked.length },
        targets: [below('p95', 200, warm)]
      })
    ]
  } finally {
    await s.dispose()
  }
}

/**
 * The anchor: every document's text folded once (in memory, no reads), then each query a scan of
 * all of them for every word — by document, not section, so it does less than the index answers.
 */
function scanAnchor(texts: readonly string[], asked: readonly string[]): number[] {
  const folded = texts.map(foldTerm)
  const samples: number[] = []
  let found = 0
  for (const q of asked) {
    const words = q.split(/\s+/).map(foldTerm)
    const t = performance.now()
    for (const text of folded) if (words.every((w) => text.includes(w))) found++
    samples.push(performance.now() - t)
  }
  // Used, so the scan cannot be optimised away.
  if (found === -1) throw new Error('unreachable')
  return samples
}

/** Benchmark 14 (search), `--only search`. */
export const searchBenchmark: Benchmark = {
  number: '14',
  id: 'search',
  title: 'workspace search: index build and query latency over 5,000 documents',
  run: (ctx) => withTempDir('search', (dir) => measure(ctx, dir))
}
