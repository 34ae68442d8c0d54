/**
 * Split worker (benchmark 5): in a fresh process (so peak memory is this document's alone), splits a
 * large document into sections the way opening it does — CommonMark block parse, checksums, ids —
 * and, interleaved, runs markdown-it's bare block parse of the same text as the anchor.
 */
import { promises as fs } from 'node:fs'
import MarkdownIt from 'markdown-it'
import { buildIndex, clearIndexCache } from '../electron/services/sections/section-index'
import { send } from './worker-io'

/** What a split worker reports. */
export interface SplitReport {
  type: 'split'
  sections: number
  split: number[]
  anchor: number[]
  /** Heap still held by the finished index (after a full GC). */
  retainedMB: number
  /** Resident memory growth from before the first split to the peak during it. */
  peakRssGrowthMB: number
}

const MB = 1024 * 1024

function collectGarbage(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

/** `split <file> <rounds>`; run with --expose-gc for the memory figures. */
export async function runSplit([file, rounds]: string[]): Promise<void> {
  const buf = await fs.readFile(file)
  const md = new MarkdownIt({ html: true })
  md.core.ruler.enableOnly(['normalize', 'block'])
  // Warm both up on the first 64 KiB, so neither first sample pays for the other's JIT compilation.
  const head = buf.subarray(0, 64 * 1024)
  buildIndex(head, null)
  md.parse(head.toString('utf8'), {})
  clearIndexCache()
  collectGarbage()
  const heapBefore = process.memoryUsage().heapUsed
  const rssBefore = process.memoryUsage().rss
  let start = performance.now()
  const index = buildIndex(buf, null)
  const split = [performance.now() - start]
  const peakRssGrowthMB = (process.resourceUsage().maxRSS * 1024 - rssBefore) / MB
  collectGarbage()
  const retainedMB = (process.memoryUsage().heapUsed - heapBefore) / MB
  const anchor: number[] = []
  for (let i = 0; i < Number(rounds); i++) {
    start = performance.now()
    md.parse(buf.toString('utf8'), {})
    anchor.push(performance.now() - start)
    if (i === 0) continue // the first split above is this round's
    clearIndexCache()
    start = performance.now()
    buildIndex(buf, null)
    split.push(performance.now() - start)
  }
  const report: SplitReport = {
    type: 'split',
    sections: index.sections.length,
    split,
    anchor,
    retainedMB,
    peakRssGrowthMB
  }
  send(report)
}
