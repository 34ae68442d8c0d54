/**
 * Benchmark 5 (browser): open-to-interactive of the large documents in Chromium through the web
 * host — from the click in the folder tree until the editor shows the document, the outline is
 * drawn and the page's main thread is free again. Anchor: the same `documents:open` answered by a
 * dispatcher in this process (the services' share, without transfer and rendering).
 */
import type { Page } from '@playwright/test'
import { createDispatcher } from '../electron/services/api/dispatcher'
import { openWorkspace } from '../electron/services/app-services'
import { largeCases, writeLargeDoc, type LargeCase } from './bench-large-docs'
import { browserSkipReason, startWebHost, withPage } from './browser'
import { withTempDir, type Benchmark, type BenchContext } from './context'
import { row, skippedRow, type ResultRow } from './results'
import { timeOnce } from './timing'

const FIRST_LINE = 'Front text of a long manuscript.'

/**
 * Per document: samples, and how long one may take before it counts as "not interactive". Kept
 * small so the benchmark stays under a minute on 2 cores; the quick run opens the 1 MB one only.
 */
function plan(quick: boolean, c: LargeCase): { n: number; limitMs: number } {
  if (c.sections <= 5_000) return { n: quick ? 2 : 3, limitMs: 20_000 }
  if (quick) return { n: 0, limitMs: 0 }
  return c.sections <= 25_000 ? { n: 1, limitMs: 25_000 } : { n: 1, limitMs: 15_000 }
}

/** In the page: clicks the document and times until it is shown and the main thread is free. */
function openInPage(page: Page, doc: string): Promise<number> {
  return page.evaluate(
    ({ doc, firstLine }) =>
      new Promise<number>((resolve) => {
        const button = [...document.querySelectorAll('button')].find((b) => b.textContent === doc)
        const start = performance.now()
        button?.click()
        const frame = () => {
          const text = document.querySelector('.cm-content')?.textContent ?? ''
          const outline = document.querySelector('[data-testid="outline"] [data-section]')
          if (text.includes(firstLine) && outline) setTimeout(() => resolve(performance.now() - start), 0)
          else requestAnimationFrame(frame)
        }
        frame()
      }),
    { doc, firstLine: FIRST_LINE }
  )
}

/** One sample, or null when it did not finish within `limitMs` (the page is then left as it is). */
async function sample(page: Page, url: string, doc: string, limitMs: number): Promise<number | null> {
  await page.goto(url)
  await page.getByRole('button', { name: doc, exact: true }).waitFor()
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), limitMs)))
  try {
    return await Promise.race([openInPage(page, doc), late])
  } finally {
    clearTimeout(timer)
  }
}

async function measure(ctx: BenchContext, dir: string, c: LargeCase): Promise<ResultRow | null> {
  const { n, limitMs } = plan(ctx.quick, c)
  if (n === 0) return null
  const doc = await writeLargeDoc(dir, c)
  const host = await startWebHost(dir, 'bob')
  const services = await openWorkspace({ folder: dir, user: 'anchor', lockSettings: { idleTimeoutMs: 0 } })
  const dispatcher = createDispatcher(services)
  const samples: number[] = []
  const anchor: number[] = []
  let timeouts = 0
  try {
    ctx.log(`open: ${n} opens of the ${c.label} document in Chromium (limit ${limitMs / 1000} s each)`)
    // A fresh browser per document: a page stuck in a document too large must not slow the next.
    await withPage(async (page) => {
      for (let i = 0; i < n; i++) {
        anchor.push(
          await timeOnce(() => dispatcher.call('documents:open', { document: doc }, { clientId: 'anchor' }))
        )
        const ms = await sample(page, host.url, doc, limitMs)
        if (ms === null) {
          timeouts++
          break // the page is still busy with it; a second try would only measure the first
        }
        samples.push(ms)
      }
    })
  } finally {
    await dispatcher.dispose()
    await services.dispose()
    await host.stop()
  }
  return row('5', `open-to-interactive in Chromium, ${c.label} (${c.sections} sections)`, samples, {
    anchors: { 'documents:open answered by the services in this process': anchor },
    extra: timeouts ? { 'not interactive within': `${limitMs / 1000} s` } : {}
  })
}

/** Benchmark 5 (open in Chromium), `--only open`. */
export const openBenchmark: Benchmark = {
  number: '5',
  id: 'open',
  title: 'open-to-interactive of large documents in Chromium',
  run: async (ctx) => {
    const skip = browserSkipReason()
    if (skip) {
      ctx.log(`open skipped: ${skip}`)
      return [skippedRow('5', 'open-to-interactive in Chromium', skip)]
    }
    return withTempDir('open', async (dir) => {
      const rows: ResultRow[] = []
      for (const c of largeCases(ctx.quick)) {
        const r = await measure(ctx, dir, c)
        if (r) rows.push(r)
      }
      return rows
    })
  }
}
