import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ResultRow } from './results'

/** What every benchmark gets: the run's size and a place to say what it is doing. */
export interface BenchContext {
  /** CI-sized run (`--quick`): fewer samples, smaller documents, shorter runs. */
  quick: boolean
  /** Numbers of processes for the contention runs (`--writers`); empty: the default for the mode. */
  writers: number[]
  /** Writers per contention process (`--windows`, default 1). */
  windows: number
  /** False with `--no-group-commit`. */
  groupCommit: boolean
  /** One progress line on stderr (the table goes to stdout). */
  log(message: string): void
}

/** One benchmark of the suite: its number in the issue, an id to select it by (`--only`), and its run. */
export interface Benchmark {
  number: string
  id: string
  title: string
  run(ctx: BenchContext): Promise<ResultRow[]>
}

/** Runs `fn` with a fresh temporary folder that is removed afterwards. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `sectioned-bench-${prefix}-`))
  try {
    return await fn(dir)
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

/** Thrown by a benchmark that cannot run here after all (Chromium would not start…): a skip, not a failure. */
export class Skipped extends Error {}
