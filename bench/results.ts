import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { ratioOf, summarize, type Stats } from './stats'

/** An anchor measured side by side with a subject in the same run. */
export interface AnchorResult {
  name: string
  stats: Stats | null
  /** Subject median ÷ anchor median. */
  ratio: number | null
}

/** A spec target a row is checked against; a missed target is reported, never a failure. */
export interface Target {
  text: string
  met: boolean
  /** A correctness invariant (double grants, lost saves) rather than a speed target: missing it fails the run. */
  invariant?: boolean
}

/** One line of the results: a measured series, or a benchmark that could not run here. */
export interface ResultRow {
  benchmark: string
  name: string
  stats: Stats | null
  anchors: AnchorResult[]
  /** Throughput, counts, memory… whatever the benchmark reports besides latency. */
  extra: Record<string, number | string>
  targets: Target[]
  /** Why it did not run (no Chromium, no built renderer…); set only for skipped rows. */
  skipped?: string
  /** Why it crashed; set only for failed rows. */
  failed?: string
}

/** Builds a row from raw samples and named anchor samples. */
export function row(
  benchmark: string,
  name: string,
  samples: readonly number[],
  opts: {
    anchors?: Record<string, readonly number[]>
    extra?: Record<string, number | string>
    targets?: Target[]
  } = {}
): ResultRow {
  const stats = summarize(samples)
  return {
    benchmark,
    name,
    stats,
    anchors: Object.entries(opts.anchors ?? {}).map(([anchorName, anchorSamples]) => {
      const anchorStats = summarize(anchorSamples)
      return { name: anchorName, stats: anchorStats, ratio: ratioOf(stats, anchorStats) }
    }),
    extra: opts.extra ?? {},
    targets: opts.targets ?? []
  }
}

/** A row for a benchmark that was skipped, with the reason. */
export function skippedRow(benchmark: string, name: string, reason: string): ResultRow {
  return { benchmark, name, stats: null, anchors: [], extra: {}, targets: [], skipped: reason }
}

/** A row for a benchmark that crashed: reported, and it fails the run (a broken benchmark measures nothing). */
export function failedRow(benchmark: string, name: string, err: unknown): ResultRow {
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err)
  return { benchmark, name, stats: null, anchors: [], extra: {}, targets: [], failed: message }
}

/** An invariant that must hold exactly (0 double grants, 0 lost saves). */
export function mustBeZero(what: string, count: number): Target {
  return { text: `${what} = 0`, met: count === 0, invariant: true }
}

/** Where and how the run happened. */
export interface MachineInfo {
  cores: number
  cpuModel: string
  memoryGiB: number
  node: string
  platform: string
  date: string
  mode: 'quick' | 'full'
  /** 1-minute load average when the run started: how busy the (shared) machine was. */
  loadAverage: number
}

/** Describes this machine and run. */
export function machineInfo(mode: MachineInfo['mode']): MachineInfo {
  const cpus = os.cpus()
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    date: new Date().toISOString(),
    mode,
    loadAverage: Number(os.loadavg()[0].toFixed(2))
  }
}

/** Writes the machine description and every row as JSON. */
export function writeResults(file: string, machine: MachineInfo, rows: readonly ResultRow[]): void {
  writeFileSync(file, `${JSON.stringify({ machine, results: rows }, null, 2)}\n`)
}

/** A "below a limit" target for one statistic of a series (missed when there are no samples). */
export function below(stat: keyof Omit<Stats, 'n'>, limitMs: number, samples: readonly number[]): Target {
  const stats = summarize(samples)
  return { text: `${stat} < ${limitMs} ms`, met: stats !== null && stats[stat] < limitMs }
}

/**
 * An "at most `factor` times the anchor" target on one statistic of two series (`[name, samples]`),
 * e.g. typing's quiet p95 ≤ 2× plain CodeMirror's p95; the text carries the measured ratio, and it
 * is missed when either series has no samples.
 */
export function withinTarget(
  stat: keyof Omit<Stats, 'n'>,
  factor: number,
  [subjectName, subject]: [string, readonly number[]],
  [anchorName, anchor]: [string, readonly number[]]
): Target {
  const s = summarize(subject)
  const a = summarize(anchor)
  const ratio = s && a && a[stat] > 0 ? s[stat] / a[stat] : null
  const measured = ratio === null ? 'not measured' : `×${ratio.toPrecision(2)}`
  return {
    text: `${subjectName} ${stat} ≤ ${factor}× ${anchorName}'s (${measured})`,
    met: ratio !== null && ratio <= factor
  }
}
