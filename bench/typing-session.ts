/**
 * The writer of the typing benchmark at work in Chromium: the app's page (web host) and the plain
 * CodeMirror 6 anchor page side by side in one browser, both with the same document. Typing goes in
 * rounds of blocks — plain (the anchor page), quiet (the app, A idle), busy (the app, A saving a
 * section every CHURN_MS) — so all three see the same machine. Every sample is keystroke-to-paint
 * (page-probes.ts).
 */
import type { Page } from '@playwright/test'
import { openAnchorDocument, type AnchorServer } from './anchor-page'
import type { ActorClient } from './actor-client'
import { appEditorBox, openDocument, pageSettled } from './browser'
import type { BenchContext } from './context'
import { installProbes, takeLongTasks, takePaints } from './page-probes'
import type { EditTarget } from './real-docs'
import { epochNow, sleep } from './timing'

/** Another writer's save every 2 s. */
export const CHURN_MS = 2_000
/** A fast typist: a key every 100–140 ms. */
const KEY_GAP_MS = 100
/** The renderer saves 2 s after the last keystroke. */
const AUTOSAVE_AFTER_MS = 2_000
/** After the busy block, shorter than the autosave delay: lets A's last save land first. */
const BETWEEN_BLOCKS_MS = 1_000
/** How long a keystroke may take to be painted before it counts as not painted. */
export const PAINT_LIMIT_MS = 30_000
/** How long the autosave measurement may take (a page can stay blocked far longer). */
export const AUTOSAVE_LIMIT_MS = 15_000
/** No new round starts after this long: the benchmark stays near a minute per document. */
const ROUNDS_BUDGET_MS = 40_000

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
async function collect(page: Page, into: number[], sent: SentKeys): Promise<number> {
  const painted = await takePaints(page, sent.sentAt.length, PAINT_LIMIT_MS)
  await Promise.all(sent.presses)
  into.push(...painted.map((at, k) => at - sent.sentAt[k]))
  return sent.sentAt.length - painted.length
}

/** Keystroke-to-paint samples (ms) and main-thread blocks over 50 ms (long tasks) of one kind of block. */
export interface Series {
  samples: number[]
  longTasks: number[]
}

/** A block of typing into `into`; returns how many keystrokes were not painted in time. */
async function block(page: Page, keys: number, into: Series): Promise<number> {
  await takeLongTasks(page)
  const unpainted = await collect(page, into.samples, await sendKeys(page, keys))
  into.longTasks.push(...(await takeLongTasks(page)))
  return unpainted
}

/** The locator of the whole line `text` in a CodeMirror page. */
function lineOf(page: Page, text: string) {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)
  return page.locator('.cm-line', { hasText: exact })
}

/** Takes the lock on a section the way a writer does: click into it and type. */
async function startEditing(page: Page, target: EditTarget): Promise<void> {
  await lineOf(page, target.line).click()
  await page.keyboard.press('End')
  await page.keyboard.type(' ')
  await page
    .locator(`[data-testid="badge-${target.sectionId}"]`, { hasText: 'You' })
    .waitFor({ timeout: 30_000 })
}

/** The same place in the plain CodeMirror page: the cursor at the end of the same line. */
async function startPlainEditing(page: Page, target: EditTarget): Promise<void> {
  await lineOf(page, target.line).click()
  await page.keyboard.press('End')
  await page.keyboard.type(' ')
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

/** What the writer's session yielded. */
export interface Session {
  /** The app with A idle, the plain CodeMirror page, the app while A saves. */
  quiet: Series
  plain: Series
  busy: Series
  unpainted: number
  remoteSaves: number
  /** Longest block after each round's autosave (full run); null when longer than AUTOSAVE_LIMIT_MS. */
  autosaves: (number | null)[]
}

/** Where the session works: the app, the anchor page, instance A, the document and what to type into. */
export interface Stage {
  appUrl: string
  anchorServer: AnchorServer
  a: ActorClient
  doc: string
  firstLine: string
  target: EditTarget
}

/**
 * The writer at work: opens the document in both pages, then types round after round — into the
 * plain CodeMirror page while the app's page is calm (not typed into yet, or its autosave done),
 * into the app with A idle, into the app while A saves; in the full run they then pause once per
 * round and the app's autosave is measured. Without that pause the app never autosaves in a block.
 */
export async function write(ctx: BenchContext, app: Page, plainPage: Page, stage: Stage): Promise<Session> {
  const rounds = ctx.quick ? 1 : 3
  const keys = ctx.quick ? 10 : 30
  const series = (): Series => ({ samples: [], longTasks: [] })
  const session: Session = {
    quiet: series(),
    plain: series(),
    busy: series(),
    unpainted: 0,
    remoteSaves: 0,
    autosaves: []
  }
  const { a, doc, target } = stage
  await openDocument(app, stage.appUrl, doc, stage.firstLine)
  await openAnchorDocument(
    plainPage,
    stage.anchorServer.url(doc, await appEditorBox(app)),
    doc,
    stage.firstLine
  )
  await startPlainEditing(plainPage, target)
  await installProbes(plainPage)
  ctx.log(`typing: up to ${rounds} rounds of plain CodeMirror, quiet and busy blocks of ${keys} keystrokes`)
  const start = performance.now()
  for (let r = 0; r < rounds && (r === 0 || performance.now() - start < ROUNDS_BUDGET_MS); r++) {
    session.unpainted += await block(plainPage, keys, session.plain)
    if (r === 0) {
      await startEditing(app, target)
      await installProbes(app) // at once: the writer goes on typing before autosave's 2 s are up
    }
    session.unpainted += await block(app, keys, session.quiet)
    await a.churn(doc, CHURN_MS, target.others)
    await takeLongTasks(app)
    const sent = await sendKeys(app, keys)
    session.remoteSaves += (await a.calm()).saves ?? 0
    session.unpainted += await collect(app, session.busy.samples, sent)
    session.busy.longTasks.push(...(await takeLongTasks(app)))
    ctx.log(`typing: round ${r + 1} done after ${((performance.now() - start) / 1000).toFixed(1)} s`)
    if (ctx.quick) continue
    await sleep(BETWEEN_BLOCKS_MS) // A's last save lands before the autosave is timed
    session.autosaves.push(await autosaveBlock(app))
    if (session.autosaves.at(-1) === null) break // the page is still blocked: later rounds would measure that
  }
  return session
}
