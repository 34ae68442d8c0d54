import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** The bundled CLI and lock worker (built by vitest's globalSetup). */
export const CLI = path.join(root, 'out/node/cli.cjs')
export const LOCK_WORKER = path.join(root, 'out/node/lock-worker.cjs')
export const SAVE_WORKER = path.join(root, 'out/node/save-worker.cjs')

/** What a finished process printed and how it exited. */
export interface Finished {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** A spawned process whose output is collected; every one is killed by `killAll` after each test. */
export class Proc {
  stdout = ''
  stderr = ''
  readonly done: Promise<Finished>

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()))
    this.done = new Promise((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }))
    )
  }

  /** Resolves when stdout contains `text`; rejects if the process ends first or after `ms`. */
  async waitFor(text: string, ms = 20_000): Promise<void> {
    const start = Date.now()
    while (!this.stdout.includes(text)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`process ended before printing “${text}”: ${this.stderr || this.stdout}`)
      }
      if (Date.now() - start > ms) throw new Error(`timed out waiting for “${text}”; stderr: ${this.stderr}`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }
}

const live = new Set<ChildProcess>()

/** Starts `node <script> ...args` with extra environment variables. */
export function start(script: string, args: string[], env: Record<string, string> = {}, cwd?: string): Proc {
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    env: { ...process.env, SECTIONED_DEBUG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  live.add(child)
  child.on('close', () => live.delete(child))
  return new Proc(child)
}

/** Runs the CLI to completion. */
export function cli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Finished> {
  return start(CLI, args, env, cwd).done
}

/** Kills every process a test left running (also when it failed). */
export function killAll(): void {
  for (const c of live) {
    if (c.signalCode === null && c.exitCode === null) {
      try {
        c.kill('SIGCONT')
        c.kill('SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  live.clear()
}
