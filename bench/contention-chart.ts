/**
 * The contention curve as a chart: acquire and save latency percentiles, and saves per second,
 * against the number of writer processes, for this run and for the build before the fair write
 * queue (`contention-before.json`, measured with the same benchmark). Drawn by Vega-Lite, compiled
 * to Vega and rendered to SVG headless (no browser, no canvas), beside bench/README.md.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { compile, type TopLevelSpec } from 'vega-lite'
import { parse, View } from 'vega'
import { REPO_ROOT } from './processes'
import type { MachineInfo, ResultRow } from './results'

/** One value of the chart. */
export interface CurvePoint {
  /** Which build: "before" or "after". */
  build: string
  writers: number
  /** What is measured, e.g. "save p95". */
  measure: string
  value: number
}

/** What `contention-before.json` holds. */
interface Baseline {
  measured: string
  commit: string
  machine: string
  points: CurvePoint[]
}

const ATTEMPT = 'contention: acquire attempt (granted or refused)'
const SAVE = 'contention: save (write mutex + save)'

/** The chart's values from a run's contention rows (one pair of rows per number of processes). */
export function curvePoints(rows: readonly ResultRow[], build: string): CurvePoint[] {
  const out: CurvePoint[] = []
  // A run's rows come in order; its save row names no process count, its attempt row before it does.
  let writers = Number.NaN
  for (const r of rows) {
    // Runs with several writers per process (`--windows`) are another curve: not drawn here.
    if (r.extra.processes !== undefined)
      writers = r.extra['windows per process'] === undefined ? Number(r.extra.processes) : Number.NaN
    if (!r.stats || !Number.isFinite(writers)) continue
    if (r.name === ATTEMPT) {
      out.push({ build, writers, measure: 'acquire attempt p95', value: r.stats.p95 })
      out.push({ build, writers, measure: 'acquire attempt p99', value: r.stats.p99 })
    } else if (r.name === SAVE) {
      out.push({ build, writers, measure: 'save median', value: r.stats.median })
      out.push({ build, writers, measure: 'save p95', value: r.stats.p95 })
      const perSecond = Number(r.extra['saves/s'])
      if (Number.isFinite(perSecond)) out.push({ build, writers, measure: 'saves/s', value: perSecond })
    }
  }
  return out
}

/** The numbers of processes a run measured (the chart needs at least two). */
export function writerCounts(points: readonly CurvePoint[]): number[] {
  return [...new Set(points.map((p) => p.writers))].sort((a, b) => a - b)
}

/** The stored baseline (the build before the write queue), or null when the file is missing. */
export function readBaseline(file: string): { points: CurvePoint[]; caption: string } | null {
  try {
    const b = JSON.parse(readFileSync(file, 'utf8')) as Baseline
    return { points: b.points, caption: `before: ${b.commit}, ${b.measured}, ${b.machine}` }
  } catch {
    return null
  }
}

/** The Vega-Lite spec: latencies (log scale) on the left, saves per second on the right. */
export function chartSpec(points: readonly CurvePoint[], title: string[]): TopLevelSpec {
  const latency = points.filter((p) => p.measure !== 'saves/s')
  const throughput = points.filter((p) => p.measure === 'saves/s')
  const x = {
    field: 'writers',
    type: 'quantitative' as const,
    title: 'writer processes',
    scale: { type: 'log' as const, domain: [8, 128] },
    axis: { values: writerCounts(points) }
  }
  const dash = {
    field: 'build',
    type: 'nominal' as const,
    title: 'build',
    sort: ['before', 'after'],
    legend: null, // said in the title: a legend of symbols cannot show a dash
    scale: {
      domain: ['before', 'after'],
      range: [
        [4, 3],
        [1, 0]
      ]
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title },
    config: { font: 'sans-serif', view: { stroke: null } },
    hconcat: [
      {
        width: 420,
        height: 300,
        title: 'latency (ms, log scale)',
        data: { values: latency },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: 'ms', scale: { type: 'log' } },
          color: { field: 'measure', type: 'nominal', title: 'measure' },
          strokeDash: dash,
          detail: { field: 'build' }
        }
      },
      {
        width: 300,
        height: 300,
        title: 'saves per second (whole document)',
        data: { values: throughput },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: 'saves/s' },
          strokeDash: dash
        }
      }
    ]
  }
}

/** Renders the chart to an SVG document. */
export async function renderChart(points: readonly CurvePoint[], title: string[]): Promise<string> {
  const vega = compile(chartSpec(points, title)).spec
  const view = new View(parse(vega), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** Where the chart and its baseline live. */
export const CHART_FILE = path.join(REPO_ROOT, 'bench', 'contention.svg')
export const BASELINE_FILE = path.join(REPO_ROOT, 'bench', 'contention-before.json')

/**
 * After a run that measured the contention curve (two or more `--writers`), draws it with the
 * baseline into `contention.svg`; returns the file written, or null when there was no curve.
 */
export async function writeContentionChart(
  rows: readonly ResultRow[],
  machine: MachineInfo
): Promise<string | null> {
  const after = curvePoints(rows, 'after')
  if (writerCounts(after).length < 2) return null
  const base = readBaseline(BASELINE_FILE)
  const title = [
    'Contention: N processes × 100 sections of one document (acquire, save, release in a loop, 15 s)',
    `after: this build, ${machine.date.slice(0, 10)}, ${machine.cores} cores (${machine.cpuModel}), node ${machine.node}`,
    base ? base.caption : 'before: no baseline file (bench/contention-before.json)',
    'dashed lines: before · solid lines: after'
  ]
  writeFileSync(CHART_FILE, await renderChart([...(base?.points ?? []), ...after], title))
  return CHART_FILE
}

/**
 * `--baseline-from <results.json>`: stores the contention curve of another build's run (its
 * bench/results.json) as the chart's "before" (see bench/README.md for how it was measured).
 */
export function writeBaseline(resultsFile: string, commit: string): number {
  const { machine, results } = readResults(resultsFile)
  const points = curvePoints(results, 'before')
  const baseline: Baseline = {
    measured: machine.date.slice(0, 10),
    commit,
    machine: `${machine.cores} cores (${machine.cpuModel}), node ${machine.node}`,
    points
  }
  writeFileSync(BASELINE_FILE, `${JSON.stringify(baseline, null, 2)}\n`)
  return writerCounts(points).length
}

/** A run's bench/results.json as `writeResults` wrote it. */
export function readResults(file: string): { machine: MachineInfo; results: ResultRow[] } {
  return JSON.parse(readFileSync(file, 'utf8')) as { machine: MachineInfo; results: ResultRow[] }
}
