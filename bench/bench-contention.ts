/**
 * Benchmark 2: many app instances (separate processes) on the sections of one document, each
 * acquiring, saving and releasing in a loop for a fixed time. Reports acquire latency, save
 * throughput, and proves the two invariants: no lock granted twice, no reported save lost.
 *
 * Its anchor is the same number of processes on the same document doing the plainest protected
 * save (`worker-contend-plain.ts`: proper-lockfile on the whole document, read, replace one section,
 * write-file-atomic, unlock), run as separate rounds interleaved with the subject's, the order
 * rotating, so that both meet the same neighbours.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { openWorkspace } from '../electron/services/app-services'
import { withTempDir, type Benchmark, type BenchContext } from './context'
import { sectionedDoc } from './docs'
import { lostSaves } from './lost-saves'
import { bundle, LineProcess } from './processes'
import { below, mustBeZero, row, type ResultRow } from './results'
import { emptyReport, type ContenderReport } from './worker-contend'
import { emptyPlainReport, plainLostSaves, type PlainReport } from './worker-contend-plain'

/** SPEC §2: lock acquisition under 100 ms; 50 editors and 100 locks per document. */
const ACQUIRE_TARGET_MS = 100
const SECTIONS = 100

async function startContenders(
  ctx: BenchContext,
  n: number,
  args: (i: number) => string[]
): Promise<LineProcess[]> {
  const worker = bundle('bench-worker')
  const procs = Array.from({ length: n }, (_, i) => new LineProcess(worker, args(i)))
  const started = performance.now()
  try {
    await Promise.all(procs.map((p) => p.message('ready', 60_000)))
  } catch (err) {
    await Promise.all(procs.map((p) => p.stop()))
    throw err
  }
  ctx.log(
    `contention: ${n} ${args(0)[0]} processes ready in ${((performance.now() - started) / 1000).toFixed(1)} s`
  )
  return procs
}

function merge(reports: ContenderReport[]): ContenderReport {
  const all = emptyReport()
  for (const r of reports) {
    all.attempts.push(...r.attempts)
    all.waits.push(...r.waits)
    all.saveTimes.push(...r.saveTimes)
    all.saves.push(...r.saves)
    all.refusals += r.refusals
    all.gaveUp += r.gaveUp
    all.doubleGrants += r.doubleGrants
    all.writes += r.writes
    all.writtenSaves += r.writtenSaves
    for (const [code, k] of Object.entries(r.errors)) all.errors[code] = (all.errors[code] ?? 0) + k
  }
  return all
}

function mergePlain(reports: PlainReport[]): PlainReport {
  const all = emptyPlainReport()
  for (const r of reports) {
    all.attempts.push(...r.attempts)
    all.saveTimes.push(...r.saveTimes)
    all.saves.push(...r.saves)
    all.refusals += r.refusals
    all.doubleGrants += r.doubleGrants
    for (const [code, k] of Object.entries(r.errors)) all.errors[code] = (all.errors[code] ?? 0) + k
  }
  return all
}

function errorList(errors: Record<string, number>): string {
  return (
    Object.entries(errors)
      .map(([code, k]) => `${code} ${k}`)
      .join(', ') || 'none'
  )
}

/** Writes the document and the markers' folder into a round's fresh folder; returns the markers' folder. */
async function prepare(dir: string): Promise<string> {
  await fs.writeFile(path.join(dir, 'doc.md'), sectionedDoc(SECTIONS, 2))
  // Hidden folders are not documents: the markers live beside the document without being part of it.
  const markers = path.join(dir, '.markers')
  await fs.mkdir(markers)
  return markers
}

/** Lets started processes loop for `seconds`, then collects their reports and stops them. */
async function go<T>(procs: LineProcess[], seconds: number): Promise<T[]> {
  try {
    for (const p of procs) p.send(`go ${seconds * 1000}`)
    return await Promise.all(procs.map((p) => p.message<T>('done', seconds * 1000 + 120_000)))
  } finally {
    await Promise.all(procs.map((p) => p.stop()))
  }
}

interface Round<T> {
  report: T
  lost: number
}

/** One round of the app: `writers` writers in processes of `ctx.windows` windows. */
async function subjectRound(
  ctx: BenchContext,
  dir: string,
  writers: number,
  seconds: number
): Promise<Round<ContenderReport>> {
  const windows = ctx.windows
  const markers = await prepare(dir)
  // Index the document once, so the workers start from the same stored section ids.
  const setup = await openWorkspace({ folder: dir, user: 'setup', start: false })
  await setup.documents.read('doc.md')
  await setup.dispose()
  const procs = await startContenders(ctx, Math.ceil(writers / windows), (i) => [
    'contend',
    dir,
    'doc.md',
    String(SECTIONS),
    markers,
    String(i + 1),
    String(windows),
    ctx.groupCommit ? 'group' : 'one-by-one'
  ])
  const report = merge(await go<ContenderReport>(procs, seconds))
  ctx.log(`contention: ${report.saves.length} saves reported; checking history and the file`)
  return { report, lost: await lostSaves(dir, 'doc.md', report.saves) }
}

/** One round of the anchor: `writers` processes saving the plainest protected way. */
async function anchorRound(
  ctx: BenchContext,
  dir: string,
  writers: number,
  seconds: number
): Promise<Round<PlainReport>> {
  const markers = await prepare(dir)
  const procs = await startContenders(ctx, writers, (i) => [
    'contend-plain',
    dir,
    'doc.md',
    String(SECTIONS),
    markers,
    String(i + 1)
  ])
  const report = mergePlain(await go<PlainReport>(procs, seconds))
  ctx.log(`contention: ${report.saves.length} plain saves reported; checking the file`)
  return { report, lost: plainLostSaves(await fs.readFile(path.join(dir, 'doc.md'), 'utf8'), report.saves) }
}

/**
 * `rounds` rounds of the app and of the anchor with `writers` writers, alternating, the order
 * rotating from round to round (`offset` picks who starts).
 */
async function run(ctx: BenchContext, writers: number, rounds: number, offset: number): Promise<ResultRow[]> {
  const processes = Math.ceil(writers / ctx.windows)
  const seconds = ctx.quick ? 3 : 15
  const subject: Round<ContenderReport>[] = []
  const anchor: Round<PlainReport>[] = []
  for (let r = 0; r < rounds; r++) {
    const order = (r + offset) % 2 === 0 ? ['subject', 'anchor'] : ['anchor', 'subject']
    for (const who of order) {
      if (who === 'subject')
        subject.push(await withTempDir('contention', (dir) => subjectRound(ctx, dir, writers, seconds)))
      else
        anchor.push(await withTempDir('contention-plain', (dir) => anchorRound(ctx, dir, writers, seconds)))
    }
  }
  const all = merge(subject.map((x) => x.report))
  const plain = mergePlain(anchor.map((x) => x.report))
  const lost = subject.reduce((k, x) => k + x.lost, 0)
  const plainLost = anchor.reduce((k, x) => k + x.lost, 0)
  const perSecond = all.saves.length / (seconds * rounds)
  const plainPerSecond = plain.saves.length / (seconds * rounds)
  // Rows with several windows per process name them (the curve chart draws one window per process).
  const shape = {
    processes,
    ...(ctx.windows > 1 ? { 'windows per process': ctx.windows } : {}),
    ...(ctx.groupCommit ? {} : { 'group commit': 'off' }),
    sections: SECTIONS,
    seconds,
    ...(rounds > 1 ? { rounds } : {})
  }
  return [
    row('2', 'contention: acquire attempt (granted or refused)', all.attempts, {
      anchors: { 'plain: one proper-lockfile lock attempt on the whole document': plain.attempts },
      extra: { ...shape, refusals: all.refusals, 'anchor refusals': plain.refusals },
      targets: [below('p95', ACQUIRE_TARGET_MS, all.attempts)]
    }),
    // Not held to the 100 ms target: it includes waiting for another writer's save to finish.
    row('2', 'contention: acquire until granted (waiting out holders)', all.waits, {
      extra: { 'still waiting when the time was up': all.gaveUp }
    }),
    row('2', 'contention: save (write mutex + save)', all.saveTimes, {
      anchors: { 'plain: lock (waiting) + read + replace + write-file-atomic + unlock': plain.saveTimes },
      extra: {
        'saves/s': perSecond,
        'anchor saves/s': plainPerSecond,
        'saves/s ÷ anchor': plainPerSecond > 0 ? perSecond / plainPerSecond : 0,
        'saves per write': all.writes > 0 ? all.writtenSaves / all.writes : 0,
        'other errors': errorList(all.errors),
        // The anchor's own invariants are reported, not required: proper-lockfile is not the subject.
        'anchor double grants': plain.doubleGrants,
        'anchor lost saves': plainLost,
        'anchor errors': errorList(plain.errors)
      },
      targets: [mustBeZero('double grants', all.doubleGrants), mustBeZero('lost saves', lost)]
    })
  ]
}

/** Benchmark 2, `--only contention`. */
export const contentionBenchmark: Benchmark = {
  number: '2',
  id: 'contention',
  title: 'contention: processes × 100 sections of one document, beside plain proper-lockfile saves',
  run: async (ctx) => {
    const rows: ResultRow[] = []
    const counts = ctx.writers.length ? ctx.writers : [ctx.quick ? 8 : 50]
    // Quick: one round of each (the anchor's costs 3 s); full: two of each, the order rotating.
    for (const [k, n] of counts.entries()) rows.push(...(await run(ctx, n, ctx.quick ? 1 : 2, k)))
    return rows
  }
}
