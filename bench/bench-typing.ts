/**
 * Benchmark 5 (browser): keystroke-to-paint in Chromium while instance A (a separate process)
 * saves other sections of the same large document. Anchors: the same typing with A idle (quiet),
 * and the same keystrokes typed into the plain CodeMirror 6 page (bench/anchor) with the same
 * document — see typing-session.ts for how the blocks alternate. Documents: the generated 1 MB one,
 * and (full run) real markdown from node_modules of about 1 and 5 MB.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { openWorkspace } from '../electron/services/app-services'
import { ActorClient } from './actor-client'
import { buildAnchorPage, startAnchorServer, type AnchorServer } from './anchor-page'
import { browserDocs, type BrowserDoc } from './browser-docs'
import { browserSkipReason, startWebHost, withPages } from './browser'
import { withTempDir, type Benchmark, type BenchContext } from './context'
import { pickEditTarget, type EditTarget } from './real-docs'
import { row, skippedRow, withinTarget, type ResultRow } from './results'
import { AUTOSAVE_LIMIT_MS, CHURN_MS, PAINT_LIMIT_MS, write, type Session } from './typing-session'

/** Targets: the app typing quietly within 2× plain CodeMirror, and while A saves within 1.5× quiet (p95). */
const QUIET_VS_PLAIN = 2
const BUSY_VS_QUIET = 1.5

/** The documents typed into: the generated 1 MB one, and the real ones in the full run. */
function typingDocs(quick: boolean): BrowserDoc[] {
  return browserDocs(quick).filter((d) => d.kind === 'real' || d.bytes <= 1024 * 1024)
}

/**
 * Where the writer takes a section: in the generated document the line `- item 1` of section 1
 * (A saves sections 2–7); in a real one a plain line picked from the services' sections.
 */
async function editTarget(dir: string, doc: string, d: BrowserDoc): Promise<[EditTarget, number]> {
  const setup = await openWorkspace({ folder: dir, user: 'setup', start: false })
  try {
    const { sections } = await setup.documents.read(doc)
    if (d.kind === 'real') {
      const text = await fs.readFile(path.join(dir, doc), 'utf8')
      return [pickEditTarget(text, sections), sections.length]
    }
    const ids = sections.map((s) => s.id)
    return [{ sectionId: ids[1], line: '- item 1', others: ids.slice(2, 8) }, sections.length]
  } finally {
    await setup.dispose()
  }
}

/** The longest block after an autosave, for the notes (nothing when none was measured). */
function autosaveNote(autosaves: readonly (number | null)[]): Record<string, number | string> {
  if (autosaves.length === 0) return {}
  const worst = autosaves.includes(null)
    ? `> ${AUTOSAVE_LIMIT_MS / 1000} s`
    : Math.max(0, ...autosaves.filter((ms) => ms !== null))
  return { [`longest task after an autosave (worst of ${autosaves.length}) ms`]: worst }
}

function rowOf(d: BrowserDoc, about: string, s: Session): ResultRow {
  const name = d.kind === 'real' ? `${d.label}: ${about}` : d.label
  const longest = (tasks: readonly number[]) => Math.round(Math.max(0, ...tasks))
  return row('5', `keystroke-to-paint in Chromium while A saves other sections (${name})`, s.busy.samples, {
    anchors: {
      'the same typing with no remote saves': s.quiet.samples,
      'the same keystrokes in plain CodeMirror 6, same document': s.plain.samples
    },
    extra: {
      'remote saves': s.remoteSaves,
      'longest task while A saved ms': longest(s.busy.longTasks),
      'long tasks while A saved': s.busy.longTasks.length,
      'longest task while quiet ms': longest(s.quiet.longTasks),
      'longest task in plain CodeMirror ms': longest(s.plain.longTasks),
      'A saves every': `${CHURN_MS} ms`,
      [`keystrokes not painted within ${PAINT_LIMIT_MS / 1000} s`]: s.unpainted,
      ...autosaveNote(s.autosaves)
    },
    targets: [
      withinTarget(
        'p95',
        QUIET_VS_PLAIN,
        ['quiet', s.quiet.samples],
        ['plain CodeMirror 6', s.plain.samples]
      ),
      withinTarget('p95', BUSY_VS_QUIET, ['busy', s.busy.samples], ['quiet', s.quiet.samples])
    ]
  })
}

async function measure(ctx: BenchContext, dir: string, d: BrowserDoc, anchorServer: AnchorServer) {
  const { name: doc, about } = await d.write(dir)
  const [target, sections] = await editTarget(dir, doc, d)
  ctx.log(`typing: the ${d.label} document, ${sections} sections; the writer types after “${target.line}”`)
  const host = await startWebHost(dir, 'bob')
  let a: ActorClient | undefined
  let session: Session
  try {
    a = await ActorClient.start(dir, 'ann')
    const stage = { appUrl: host.url, anchorServer, a, doc, firstLine: d.firstLine, target }
    // The browser closes first: a web host waits for its pages' connections when it stops.
    session = await withPages(2, ([app, plain]) => write(ctx, app, plain, stage))
  } finally {
    await a?.stop()
    await host.stop() // also when A did not start: a web host left running would keep the run alive
  }
  return rowOf(d, `${about}, ${sections} sections`, session)
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
    await buildAnchorPage(ctx.log)
    return withTempDir('typing', async (dir) => {
      const anchorServer = await startAnchorServer(dir)
      try {
        const rows: ResultRow[] = []
        for (const d of typingDocs(ctx.quick)) rows.push(await measure(ctx, dir, d, anchorServer))
        return rows
      } finally {
        await anchorServer.stop()
      }
    })
  }
}
