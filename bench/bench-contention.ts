/**
 * Benchmark 2: many app instances (separate processes) on the sections of one document, each
 * acquiring, saving and releasing in a loop for a fixed time. Reports acquire latency, save
 * throughput, and proves the two invariants: no lock granted twice, no reported save lost.
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

/** SPEC §2: lock acquisition under 100 ms; 50 editors and 100 locks per document. */
const ACQUIRE_TARGET_MS = 100
const SECTIONS = 100

async function startContenders(
  ctx: BenchContext,
  dir: string,
  markers: string,
  n: number,
  windows: number,
  groupCommit: boolean
): Promise<LineProcess[]> {
  const worker = bundle('bench-worker')
  const procs = Array.from(
    { length: n },
    (_, i) =>
      new LineProcess(worker, [
        'contend',
        dir,
        'doc.md',
        String(SECTIONS),
        markers,
        String(i + 1),
        String(windows),
        groupCommit ? 'group' : 'one-by-one'
      ])
  )
  const started = performance.now()
  try {
    await Promise.all(procs.map((p) => p.message('ready', 60_000)))
  } catch (err) {
    await Promise.all(procs.map((p) => p.stop()))
    throw err
  }
  ctx.log(`contention: ${n} processes ready in ${((performance.now() - started) / 1000).toFixed(1)} s`)
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

async function run(ctx: BenchContext, dir: string, writers: number): Promise<ResultRow[]> {
  const windows = ctx.windows
  const processes = Math.ceil(writers / windows)
  const seconds = ctx.quick ? 3 : 15
  await fs.writeFile(path.join(dir, 'doc.md'), sectionedDoc(SECTIONS, 2))
  // Hidden folders are not documents: the markers live beside the document without being part of it.
  const markers = path.join(dir, '.markers')
  await fs.mkdir(markers)
  // Index the document once, so the workers start from the same stored section ids.
  const setup = await openWorkspace({ folder: dir, user: 'setup', start: false })
  await setup.documents.read('doc.md')
  await setup.dispose()

  const procs = await startContenders(ctx, dir, markers, processes, windows, ctx.groupCommit)
  let reports: ContenderReport[]
  try {
    for (const p of procs) p.send(`go ${seconds * 1000}`)
    reports = await Promise.all(
      procs.map((p) => p.message<ContenderReport>('done', seconds * 1000 + 120_000))
    )
  } finally {
    await Promise.all(procs.map((p) => p.stop()))
  }
  const all = merge(reports)
  ctx.log(`contention: ${all.saves.length} saves reported; checking history and the file`)
  const lost = await lostSaves(dir, 'doc.md', all.saves)
  const errors =
    Object.entries(all.errors)
      .map(([code, k]) => `${code} ${k}`)
      .join(', ') || 'none'
  // Rows with several windows per process name them (the curve chart draws one window per process).
  const shape = {
    processes,
    ...(windows > 1 ? { 'windows per process': windows } : {}),
    ...(ctx.groupCommit ? {} : { 'group commit': 'off' }),
    sections: SECTIONS,
    seconds
  }
  return [
    row('2', 'contention: acquire attempt (granted or refused)', all.attempts, {
      extra: { ...shape, refusals: all.refusals },
      targets: [below('p95', ACQUIRE_TARGET_MS, all.attempts)]
    }),
    // Not held to the 100 ms target: it includes waiting for another writer's save to finish.
    row('2', 'contention: acquire until granted (waiting out holders)', all.waits, {
      extra: { 'still waiting when the time was up': all.gaveUp }
    }),
    row('2', 'contention: save (write mutex + save)', all.saveTimes, {
      extra: {
        'saves/s': all.saves.length / seconds,
        'saves per write': all.writes > 0 ? all.writtenSaves / all.writes : 0,
        'other errors': errors
      },
      targets: [mustBeZero('double grants', all.doubleGrants), mustBeZero('lost saves', lost)]
    })
  ]
}

/** Benchmark 2, `--only contention`. */
export const contentionBenchmark: Benchmark = {
  number: '2',
  id: 'contention',
  title: 'contention: processes × 100 sections of one document',
  run: async (ctx) => {
    const rows: ResultRow[] = []
    for (const n of ctx.writers.length ? ctx.writers : [ctx.quick ? 8 : 50])
      rows.push(...(await withTempDir('contention', (dir) => run(ctx, dir, n))))
    return rows
  }
}
