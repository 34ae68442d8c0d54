import { parseArgs } from 'node:util'

/** What `npm run bench -- …` asked for. */
export interface BenchArgs {
  quick: boolean
  /** Ids of the benchmarks to run; empty = all. */
  only: string[]
  /** `--writers 10,25,50,100`: contention runs with these numbers of processes (default 50; quick 8). */
  writers: number[]
  /**
   * `--windows k`: each contention process runs k writers on one app instance (default 1), as k
   * windows of one app would — their saves queue in one instance and are written together (group
   * commit). `--writers` stays the number of writers; the processes are writers ÷ k, rounded up.
   */
  windows: number
  /** `--no-group-commit`: each instance writes its saves one by one (the control for `--windows`). */
  groupCommit: boolean
  /** `--baseline-from <results.json> --baseline-commit <rev>`: store another build's contention curve as the chart's "before". */
  baselineFrom: string | null
  baselineCommit: string
  /** `--chart-from <results.json>`: draw the contention chart from a run's results again. */
  chartFrom: string | null
  help: boolean
}

/** One line of help. */
export const USAGE =
  'usage: npm run bench -- [--quick] [--only id,id…] [--writers n,n…] [--windows k] [--no-group-commit] [--baseline-from results.json --baseline-commit rev] [--chart-from results.json]'

/** Parses the command line strictly (an unknown option is an error, not ignored). */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      writers: { type: 'string' },
      windows: { type: 'string' },
      'no-group-commit': { type: 'boolean', default: false },
      'baseline-from': { type: 'string' },
      'baseline-commit': { type: 'string' },
      'chart-from': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  const only = (values.only ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean)
  const writers = (values.writers ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
    .map((n) => {
      const k = Number(n)
      if (!Number.isInteger(k) || k < 1 || k > 200)
        throw new Error(`--writers takes whole numbers from 1 to 200, not “${n}”`)
      return k
    })
  const windows = Number(values.windows ?? '1')
  if (!Number.isInteger(windows) || windows < 1 || windows > 20)
    throw new Error(`--windows takes a whole number from 1 to 20, not “${values.windows ?? ''}”`)
  return {
    quick: values.quick ?? false,
    only,
    writers,
    windows,
    groupCommit: !(values['no-group-commit'] ?? false),
    baselineFrom: values['baseline-from'] ?? null,
    baselineCommit: values['baseline-commit'] ?? 'unknown',
    chartFrom: values['chart-from'] ?? null,
    help: values.help ?? false
  }
}
