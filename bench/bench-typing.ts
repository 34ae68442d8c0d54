/**
 * Benchmark 5 (browser): keystroke-to-paint in Chromium while instance A (a separate process)
 * saves other sections of the same large document. Typing alternates in blocks between quiet
 * (the anchor: A idle) and busy (A saving a section every CHURN_MS), so both see the same machine.
 * The writer types on without the 2 s pause that triggers autosave; at the end (full run) they
 * pause once, and the longest main-thread block that autosave causes is reported as well.
 */
import type { Page } from '@playwright/test'
import { openWorkspace } from '../electron/services/app-services'
import { ActorClient } from './actor-client'
import { largeCases, writeLargeDoc } from './bench-large-docs'
import { browserSkipReason, openDocument, pageSettled, startWebHost, withPage } from './browser'
import { withTempDir, type Benchmark, type BenchContext } from './context'
import { installProbes, takeLongTasks, takePaints } from './page-probes'
import { row, skippedRow, type ResultRow } from './results'
import { epochNow, sleep } from './timing'

/** Another writer's save every 2 s. */
const CHURN_MS = 2_000
/** A fast typist: a key every 100–140 ms. */
const KEY_GAP_MS = 100
/** The renderer saves 2 s after the last keystroke. */
const AUTOSAVE_AFTER_MS = 2_000
/** Between blocks, shorter than the autosave delay: lets A's last save land first. */
const BETWEEN_BLOCKS_MS = 1_000
const PAINT_LIMIT_MS = 30_000
/** How long the autosave measurement may take (a page can stay blocked far longer). */
const AUTOSAVE_LIMIT_MS = 15_000
/** No new block starts after this long: the benchmark stays under a minute on a busy machine. */
const BLOCKS_BUDGET_MS = 30_000

/** Keystrokes sent at a typist's pace, whether or not the page keeps up (a key is not held back). */
interface SentKeys {
  sentAt: number[]
  presses: Promise<void>[]
}

async function sendKeys(page: Page, keys: number): Promise<SentKeys> {
  const sent: SentKeys = { sentAt: [], presses: [] }
  for (let k = 0; k < keys; k++) {
    sent.sentAt.push(epochNow())
    sent.presses.push(page.keyboard.press('x'))
    await sleep(KEY_GAP_MS + Math.random() * 40)
  }
  return sent
}

/** Samples from the moment each key was sent (waiting for a busy page counts) to the paint after it. */
class Samples {
  readonly quiet: number[] = []
  readonly busy: number[] = []
  unpainted = 0

  constructor(private readonly page: Page) {}

  async collect(into: number[], sent: SentKeys): Promise<void> {
    const painted = await takePaints(this.page, sent.sentAt.length, PAINT_LIMIT_MS)
    await Promise.all(sent.presses)
    into.push(...painted.map((at, k) => at - sent.sentAt[k]))
    this.unpainted += sent.sentAt.length - painted.length
  }
}

/** Takes the lock on a section the way a writer does: click into it and type. */
async function startEditing(page: Page, sectionId: string): Promise<void> {
  await page.locator('.cm-line', { hasText: /^- item 1$/ }).click()
  await page.keyboard.press('End')
  await page.keyboard.type(' ')
  await page.locator(`[data-testid="badge-${sectionId}"]`, { hasText: 'You' }).waitFor({ timeout: 30_000 })
}

async function sectionIds(dir: string, doc: string): Promise<string[]> {
  const setup = await openWorkspace({ folder: dir, user: 'setup', start: false })
  try {
    return (await setup.documents.read(doc)).sections.map((s) => s.id)
  } finally {
    await setup.dispose()
  }
}

/**
 * The writer stops typing: the longest main-thread block from the autosave until the page is calm,
 * or null when the page has not come back within AUTOSAVE_LIMIT_MS (a long task is only reported
 * once it ends, and a blocked page cannot even be asked).
 */
async function autosaveBlock(page: Page): Promise<number | null> {
  await takeLongTasks(page)
  await sleep(AUTOSAVE_AFTER_MS)
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), AUTOSAVE_LIMIT_MS)))
  const settled = (async () => {
    await pageSettled(page, AUTOSAVE_LIMIT_MS)
    return Math.max(0, ...(await takeLongTasks(page)))
  })()
  try {
    return await Promise.race([settled, late])
  } finally {
    clearTimeout(timer)
  }
}

/** What the writer's session in the page yielded. */
interface Session {
  samples: Samples
  remoteSaves: number
  /** Main-thread blocks over 50 ms (long tasks) during the quiet and the busy blocks. */
  longTasks: { quiet: number[]; busy: number[] }
  /** Longest block after the final autosave; null when longer than the limit; undefined when not measured. */
  autosave?: number | null
}

/** The writer at work: opens the document, takes section 1 by typing, then types block after block. */
async function write(ctx: BenchContext, page: Page, a: ActorClient, url: string, doc: string, ids: string[]) {
  const blocks = ctx.quick ? 1 : 3
  const keys = ctx.quick ? 10 : 30
  const session: Session = { samples: new Samples(page), remoteSaves: 0, longTasks: { quiet: [], busy: [] } }
  await openDocument(page, url, doc, 'Front text of a long manuscript.')
  await startEditing(page, ids[1])
  await installProbes(page) // at once: the writer goes on typing before autosave's 2 s are up
  ctx.log(`typing: up to ${blocks} quiet and busy blocks of ${keys} keystrokes`)
  const start = performance.now()
  for (let b = 0; b < blocks && (b === 0 || performance.now() - start < BLOCKS_BUDGET_MS); b++) {
    await takeLongTasks(page)
    await session.samples.collect(session.samples.quiet, await sendKeys(page, keys))
    session.longTasks.quiet.push(...(await takeLongTasks(page)))
    await a.churn(doc, CHURN_MS, ids.slice(2, 8))
    const sent = await sendKeys(page, keys)
    session.remoteSaves += (await a.calm()).saves ?? 0
    await session.samples.collect(session.samples.busy, sent)
    session.longTasks.busy.push(...(await takeLongTasks(page)))
    await sleep(BETWEEN_BLOCKS_MS)
    ctx.log(`typing: block ${b + 1} done after ${((performance.now() - start) / 1000).toFixed(1)} s`)
  }
  if (!ctx.quick) session.autosave = await autosaveBlock(page)
  return session
}

async function measure(ctx: BenchContext, dir: string): Promise<ResultRow> {
  const c = largeCases(true)[0]
  const doc = await writeLargeDoc(dir, c)
  const ids = await sectionIds(dir, doc)
  const host = await startWebHost(dir, 'bob')
  const a = await ActorClient.start(dir, 'ann')
  let session: Session
  try {
    // The browser closes first: a web host waits for its pages' connections when it stops.
    session = await withPage((page) => write(ctx, page, a, host.url, doc, ids))
  } finally {
    await a.stop()
    await host.stop()
  }
  const { samples, remoteSaves, autosave, longTasks } = session
  const blocked = autosave === null ? `> ${AUTOSAVE_LIMIT_MS / 1000} s` : autosave
  return row('5', `keystroke-to-paint in Chromium while A saves other sections (${c.label})`, samples.busy, {
    anchors: { 'the same typing with no remote saves': samples.quiet },
    extra: {
      'remote saves': remoteSaves,
      'longest task while A saved ms': Math.round(Math.max(0, ...longTasks.busy)),
      'long tasks while A saved': longTasks.busy.length,
      'longest task while quiet ms': Math.round(Math.max(0, ...longTasks.quiet)),
      'A saves every': `${CHURN_MS} ms`,
      [`keystrokes not painted within ${PAINT_LIMIT_MS / 1000} s`]: samples.unpainted,
      ...(autosave === undefined ? {} : { 'page blocked after one autosave ms': blocked })
    }
  })
}

/** Benchmark 5 (typing in Chromium), `--only typing`. */
export const typingBenchmark: Benchmark = {
  number: '5',
  id: 'typing',
  title: 'keystroke-to-paint in Chromium while other sections update remotely',
  run: async (ctx) => {
    const skip = browserSkipReason()
    if (skip) {
      ctx.log(`typing skipped: ${skip}`)
      return [skippedRow('5', 'keystroke-to-paint in Chromium', skip)]
    }
    return withTempDir('typing', async (dir) => [await measure(ctx, dir)])
  }
}
