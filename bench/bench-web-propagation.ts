/**
 * Benchmark 4 (browser): instance A (a separate process) takes a lock or saves; how long until a
 * Chromium page of instance B's web host shows it — the badge in the outline, the text in the
 * editor. The anchor is the same change arriving as a dispatcher event in an instance of this
 * process (the service's share of the path, without WebSocket and rendering).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { events as contractEvents } from '../shared/contract'
import { createDispatcher, type OwnedDispatcher } from '../electron/services/api/dispatcher'
import type { ContractEvent } from '../electron/services/api/dispatcher-types'
import { openWorkspace } from '../electron/services/app-services'
import { ActorClient } from './actor-client'
import { browserSkipReason, openDocument, seenInPage, startWebHost, withPage } from './browser'
import { withTempDir, type Benchmark, type BenchContext } from './context'
import { sectionedDoc } from './docs'
import { firstEvent } from './observe'
import { below, row, skippedRow, type ResultRow } from './results'
import { sleep } from './timing'

const DOC = 'doc.md'
const SECTION = 'section-3'
const BADGE = `[data-testid="badge-${SECTION}"]`
/** SPEC W2: below 250 ms on a local disk. */
const TARGET_MS = 250
const TIMEOUT_MS = 10_000

interface Samples {
  badge: number[]
  text: number[]
  badgeAnchor: number[]
  textAnchor: number[]
  missed: number
}

function dispatcherSaw(d: OwnedDispatcher, accept: (e: ContractEvent) => boolean): Promise<number | null> {
  return firstEvent<ContractEvent>((l) => d.onEvent(l), accept, TIMEOUT_MS)
}

function lockShown(e: ContractEvent): boolean {
  if (e.name !== 'locks:changed') return false
  const parsed = contractEvents['locks:changed'].safeParse(e.payload)
  return parsed.success && parsed.data.locks.some((l) => l.sectionId === SECTION)
}

function saveShown(e: ContractEvent): boolean {
  return e.name === 'document:changed'
}

async function sample(
  page: Page,
  d: OwnedDispatcher,
  a: ActorClient,
  i: number,
  out: Samples
): Promise<void> {
  const add = (into: number[], at: number | null, from: number) =>
    at === null ? out.missed++ : into.push(at - from)
  const badge = seenInPage(page, BADGE, 'ann')
  const badgeAnchor = dispatcherSaw(d, lockShown)
  const locked = await a.lock(DOC, SECTION)
  add(out.badge, await badge, locked.startedAt)
  add(out.badgeAnchor, await badgeAnchor, locked.startedAt)
  await sleep(Math.random() * 50)
  const text = seenInPage(page, '.cm-content', `Remote edit ${i}.`)
  const textAnchor = dispatcherSaw(d, saveShown)
  const saved = await a.save(DOC, SECTION, i)
  add(out.text, await text, saved.startedAt)
  add(out.textAnchor, await textAnchor, saved.startedAt)
  const gone = seenInPage(page, BADGE, 'ann', false)
  await a.release(DOC, SECTION)
  await gone
  await sleep(Math.random() * 50)
}

async function measure(ctx: BenchContext, dir: string): Promise<ResultRow[]> {
  const n = ctx.quick ? 5 : 20
  const host = await startWebHost(dir, 'bob')
  const a = await ActorClient.start(dir, 'ann')
  const anchor = await openWorkspace({ folder: dir, user: 'carol', watch: { mode: 'native' } })
  const d = createDispatcher(anchor)
  const out: Samples = { badge: [], text: [], badgeAnchor: [], textAnchor: [], missed: 0 }
  try {
    await d.call('documents:open', { document: DOC }, { clientId: 'anchor' })
    // The browser closes first: a web host waits for its pages' connections when it stops.
    await withPage(async (page) => {
      await openDocument(page, host.url, DOC, 'Preamble that nobody edits.')
      ctx.log(`web propagation: ${n} lock and save samples into a Chromium page`)
      for (let i = 0; i < n; i++) await sample(page, d, a, i, out)
    })
  } finally {
    await d.dispose()
    await anchor.dispose()
    await a.stop()
    await host.stop()
  }
  const anchorName = "the same change as a dispatcher event (another instance's services)"
  return [
    row('4', 'A takes a lock → badge in B’s Chromium page (web host, native)', out.badge, {
      anchors: { [anchorName]: out.badgeAnchor },
      extra: { 'samples missed (both rows)': out.missed },
      targets: [below('p95', TARGET_MS, out.badge)]
    }),
    row('4', 'A saves a section → text in B’s Chromium page (web host, native)', out.text, {
      anchors: { [anchorName]: out.textAnchor },
      targets: [below('p95', TARGET_MS, out.text)]
    })
  ]
}

/** Benchmark 4 (browser), `--only web-propagation`. */
export const webPropagationBenchmark: Benchmark = {
  number: '4',
  id: 'web-propagation',
  title: 'propagation from instance A into a Chromium page of instance B',
  run: async (ctx) => {
    const skip = browserSkipReason()
    if (skip) {
      ctx.log(`web-propagation skipped: ${skip}`)
      return [skippedRow('4', 'A takes a lock / saves → B’s Chromium page', skip)]
    }
    return withTempDir('web-propagation', async (dir) => {
      await fs.writeFile(path.join(dir, DOC), sectionedDoc(20, 2))
      return measure(ctx, dir)
    })
  }
}
