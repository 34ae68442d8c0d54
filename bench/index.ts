/**
 * The benchmark suite (`npm run bench`, `npm run bench -- --quick`): runs each benchmark with its
 * anchors side by side, prints a Markdown table and writes bench/results.json. Timing never fails
 * the run; a crashed benchmark or a broken invariant (double grant, lost save) does (exit 1).
 */
import path from 'node:path'
import { parseBenchArgs, USAGE } from './args'
import { largeDocsBenchmark } from './bench-large-docs'
import { lockBenchmark } from './bench-lock'
import { contentionBenchmark } from './bench-contention'
import { openBenchmark } from './bench-open'
import { propagationBenchmark } from './bench-propagation'
import { saveBenchmark } from './bench-save'
import { searchBenchmark } from './bench-search'
import { takeoverBenchmark } from './bench-takeover'
import { typingBenchmark } from './bench-typing'
import { webPropagationBenchmark } from './bench-web-propagation'
import { Skipped, type Benchmark, type BenchContext } from './context'
import { REPO_ROOT } from './processes'
import { failedRow, machineInfo, skippedRow, writeResults, type ResultRow } from './results'
import { formatTable } from './table'
import { BASELINE_FILE, readResults, writeBaseline, writeContentionChart } from './contention-chart'

const SUITE: Benchmark[] = [
  lockBenchmark,
  contentionBenchmark,
  saveBenchmark,
  propagationBenchmark,
  webPropagationBenchmark,
  largeDocsBenchmark,
  openBenchmark,
  typingBenchmark,
  takeoverBenchmark,
  searchBenchmark
]

async function runOne(b: Benchmark, ctx: BenchContext): Promise<ResultRow[]> {
  const started = performance.now()
  ctx.log(`— ${b.number} ${b.title}`)
  try {
    return await b.run(ctx)
  } catch (err) {
    if (err instanceof Skipped) {
      ctx.log(`${b.id} skipped: ${err.message}`)
      return [skippedRow(b.number, b.title, err.message)]
    }
    ctx.log(`${b.id} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    return [failedRow(b.number, b.title, err)]
  } finally {
    ctx.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`)
  }
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2))
  if (args.help) {
    process.stdout.write(`${USAGE}\n  ids: ${SUITE.map((b) => b.id).join(', ')}\n`)
    return 0
  }
  if (args.baselineFrom) {
    const counts = writeBaseline(args.baselineFrom, args.baselineCommit)
    process.stdout.write(
      `stored the contention curve of ${args.baselineFrom} (${counts} writer counts) in ${BASELINE_FILE}\n`
    )
    return counts >= 2 ? 0 : 1
  }
  if (args.chartFrom) {
    const { machine, results } = readResults(args.chartFrom)
    const chart = await writeContentionChart(results, machine)
    process.stdout.write(
      chart ? `contention chart: ${chart}\n` : `no contention curve in ${args.chartFrom}\n`
    )
    return chart ? 0 : 1
  }
  const unknown = args.only.filter((id) => !SUITE.some((b) => b.id === id))
  if (unknown.length) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')} — ${USAGE}\n`)
    return 2
  }
  const machine = machineInfo(args.quick ? 'quick' : 'full')
  const ctx: BenchContext = {
    quick: args.quick,
    writers: args.writers,
    windows: args.windows,
    groupCommit: args.groupCommit,
    log: (m) => process.stderr.write(`${m}\n`)
  }
  const rows: ResultRow[] = []
  for (const b of SUITE) {
    if (args.only.length === 0 || args.only.includes(b.id)) rows.push(...(await runOne(b, ctx)))
  }
  const out = path.join(REPO_ROOT, 'bench', 'results.json')
  writeResults(out, machine, rows)
  process.stdout.write(
    `\nSectioned benchmarks — ${machine.mode} run, ${machine.date.slice(0, 10)}, ${machine.cores} cores ` +
      `(${machine.cpuModel}), node ${machine.node}, load average ${machine.loadAverage} at the start. ` +
      `Times in ms.\n\n${formatTable(rows)}\n\nwritten to ${out}\n`
  )
  const chart = await writeContentionChart(rows, machine)
  if (chart) process.stdout.write(`contention chart: ${chart}\n`)
  const broken = rows.some((r) => r.failed || r.targets.some((t) => t.invariant && !t.met))
  return broken ? 1 : 0
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 2
  }
)
