/**
 * Benchmark 5 (services): splitting large generated documents — 1, 5 and 20 MB with 5,000 to
 * 100,000 sections, code fences full of `#` lines, setext headings — into sections, in a fresh
 * process each so the memory figures are the document's own. Anchor: markdown-it's bare block
 * parse of the same text, which the split is built on.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { withTempDir, type Benchmark, type BenchContext } from './context'
import { largeDoc } from './docs'
import { bundle, LineProcess } from './processes'
import { row, type ResultRow } from './results'
import { summarize } from './stats'
import type { SplitReport } from './worker-split'

const MB = 1024 * 1024

/** A generated large document, and how often benchmark 5 splits it. */
export interface LargeCase {
  label: string
  bytes: number
  sections: number
  rounds: number
}

/** The documents of benchmark 5; the quick run leaves out the 20 MB one. */
export function largeCases(quick: boolean): LargeCase[] {
  if (quick) {
    return [
      { label: '1 MB', bytes: MB, sections: 5_000, rounds: 5 },
      { label: '5 MB', bytes: 5 * MB, sections: 25_000, rounds: 1 }
    ]
  }
  return [
    { label: '1 MB', bytes: MB, sections: 5_000, rounds: 20 },
    { label: '5 MB', bytes: 5 * MB, sections: 25_000, rounds: 6 },
    { label: '20 MB', bytes: 20 * MB, sections: 100_000, rounds: 4 }
  ]
}

/** Writes the generated document of a case into `dir` and returns its file name. */
export async function writeLargeDoc(dir: string, c: LargeCase): Promise<string> {
  const name = `large-${c.label.replace(' ', '')}.md`
  await fs.writeFile(path.join(dir, name), largeDoc(c.bytes, c.sections))
  return name
}

async function measure(ctx: BenchContext, dir: string, c: LargeCase): Promise<ResultRow> {
  const file = path.join(dir, await writeLargeDoc(dir, c))
  ctx.log(`large docs: ${c.rounds} splits of the ${c.label} document`)
  const proc = new LineProcess(bundle('bench-worker'), ['split', file, String(c.rounds)], {
    nodeArgs: ['--expose-gc']
  })
  try {
    const r = await proc.message<SplitReport>('split', 120_000)
    const median = summarize(r.split)?.median ?? NaN
    return row('5', `split a ${c.label} document into sections`, r.split, {
      anchors: { 'markdown-it block parse of the same text': r.anchor },
      extra: {
        sections: r.sections - 1,
        'MB/s': c.bytes / MB / (median / 1000),
        'heap held by the index MB': r.retainedMB,
        'peak RSS growth MB': r.peakRssGrowthMB
      }
    })
  } finally {
    await proc.stop()
  }
}

/** Benchmark 5 (split), `--only large-docs`. */
export const largeDocsBenchmark: Benchmark = {
  number: '5',
  id: 'large-docs',
  title: 'section split time and memory of 1, 5 and 20 MB documents',
  run: (ctx) =>
    withTempDir('large', async (dir) => {
      const rows: ResultRow[] = []
      for (const c of largeCases(ctx.quick)) rows.push(await measure(ctx, dir, c))
      return rows
    })
}
