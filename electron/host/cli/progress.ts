/**
 * Progress and Ctrl+C for long administrative work (`verify`, `verify --repair`, `prune`): one
 * updating line on stderr when it is a terminal, and a stop between documents on the first
 * Ctrl+C (a second one ends the process at once).
 */
import { escapeControl } from '../../../shared/escape-control'
import type { CliIo } from './context'

/** One updating line on a terminal; nothing when the CLI's stderr is not one. */
export class ProgressLine {
  private last = 0
  private shown = false

  constructor(
    private readonly io: CliIo,
    private readonly label: string
  ) {}

  /** Shows `done/total` and the item just done, at most ten times a second (and always the last). */
  update(done: number, total: number, current: string): void {
    if (!this.io.progress) return
    const now = performance.now()
    if (done < total && now - this.last < 100) return
    this.last = now
    const name = escapeControl(current)
    const item = name.length > 50 ? `…${name.slice(-49)}` : name
    this.io.progress(`${this.label}: ${done}/${total} documents  ${item}`)
    this.shown = true
  }

  /** Clears the line (before the summary is printed). */
  clear(): void {
    if (this.shown) this.io.progress?.('')
    this.shown = false
  }
}

/** A Ctrl+C watch for one long command. */
export interface Interrupt {
  /** True once Ctrl+C (SIGINT) or SIGTERM was received. */
  readonly stopped: boolean
  /** Stops watching (the default handling of the signals returns). */
  dispose(): void
}

/**
 * Watches SIGINT and SIGTERM while a long command runs: the first asks it to stop between
 * documents (work already done is kept), a second ends the process at once with `exitCode`.
 */
export function watchInterrupt(io: CliIo, exitCode: number): Interrupt {
  let stopped = false
  const onSignal = () => {
    if (stopped) process.exit(exitCode)
    stopped = true
    io.progress?.('')
    io.err('sectioned: stopping after the current document (Ctrl+C again to stop at once)…\n')
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    get stopped() {
      return stopped
    },
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
