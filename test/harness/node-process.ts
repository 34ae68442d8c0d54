/**
 * The one process harness of the tests, the benchmarks and the e2e suite: a child
 * `node [nodeArgs] <script> ...args` (a built bundle in out/node, as a rule) whose output is
 * collected — whole, interleaved, and as stdout lines that can be awaited — and that can be
 * frozen, thawed, killed and stopped whatever its state. Every child still running is killed when
 * this process exits (a crash, Ctrl+C), so a broken run never leaves processes holding locks in
 * /tmp; `killAll` does the same on demand (vitest's afterEach).
 */
import { spawn, type ChildProcess } from 'node:child_process'

/** What a finished process printed and how it exited. */
export interface Finished {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** How to start a process. */
export interface NodeProcessOptions {
  /**
   * Over this process's environment; `undefined` removes a variable. `SECTIONED_DEBUG` is emptied
   * unless given here (its stack traces would change what a child prints).
   */
  env?: Record<string, string | undefined>
  /** Arguments for node itself, before the script (`--cpu-prof`, `--max-old-space-size=…`). */
  nodeArgs?: string[]
  cwd?: string
  /** Pipe stdin, for `send` (a worker that takes commands); otherwise it is closed. */
  stdin?: boolean
}

/** How long `stop` waits after SIGTERM before SIGKILL, and after SIGKILL. */
const STOP_GRACE_MS = 5_000

/**
 * Every child not yet known to have ended: one set per process, however often a test runner
 * evaluates this module afresh, so the exit handler is registered once.
 */
const LIVE = Symbol.for('sectioned.test-harness.live-processes')
const registry = globalThis as { [LIVE]?: Set<ChildProcess> }
const live = registry[LIVE] ?? newRegistry()

function newRegistry(): Set<ChildProcess> {
  const set = new Set<ChildProcess>()
  registry[LIVE] = set
  process.once('exit', () => killAll())
  return set
}

/** Kills every child still running (SIGCONT first: a frozen one is killed all the same). */
export function killAll(): void {
  for (const child of live) {
    if (child.exitCode !== null || child.signalCode !== null) continue
    try {
      child.kill('SIGCONT')
      child.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
  live.clear()
}

/** A running (or frozen, or ended) child Node process. */
export class NodeProcess {
  readonly child: ChildProcess
  /** Resolves once the process has ended and its output is complete. */
  readonly done: Promise<Finished>
  /** Everything it wrote to stdout so far. */
  stdout = ''
  /** Everything it wrote to stderr so far. */
  stderr = ''
  private interleaved = ''
  private readonly lines: string[] = []
  private partial = ''
  private waiters: (() => void)[] = []
  private frozen = false

  constructor(script: string, args: string[], opts: NodeProcessOptions = {}) {
    const env: NodeJS.ProcessEnv = { ...process.env, SECTIONED_DEBUG: '' }
    for (const [name, value] of Object.entries(opts.env ?? {})) {
      if (value === undefined) delete env[name]
      else env[name] = value
    }
    this.child = spawn(process.execPath, [...(opts.nodeArgs ?? []), script, ...args], {
      cwd: opts.cwd,
      env,
      stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe']
    })
    live.add(this.child)
    this.child.stdout?.on('data', (d: Buffer) => this.onStdout(d.toString()))
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString()
      this.interleaved += d.toString()
    })
    // A spawn failure ('error') is followed by 'close': `done` resolves with the message in stderr.
    this.child.on('error', (err) => (this.stderr += err.message))
    this.done = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        live.delete(this.child)
        this.wake()
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr })
      })
    )
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  /** True once the process has exited (for whatever reason). */
  exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null
  }

  /** stdout and stderr in the order they arrived (for a failing test's report). */
  output(): string {
    return this.interleaved
  }

  /** Sends one command line to its stdin (started with `stdin: true`). */
  send(line: string): void {
    this.child.stdin?.write(`${line}\n`)
  }

  /** Resolves when stdout contains `text`; rejects if the process ends first or after `ms`. */
  waitFor(text: string, ms = 20_000): Promise<void> {
    return this.until(() => (this.stdout.includes(text) ? true : undefined), `“${text}”`, ms).then(
      () => undefined
    )
  }

  /** Waits for (and consumes) the first stdout line that `match` accepts; rejects on exit or after `ms`. */
  waitForLine<T>(match: (line: string) => T | undefined, ms = 30_000): Promise<T> {
    return this.until(
      () => {
        for (let i = 0; i < this.lines.length; i++) {
          const found = match(this.lines[i] ?? '')
          if (found !== undefined) {
            this.lines.splice(i, 1)
            return found
          }
        }
        return undefined
      },
      'the line it waited for',
      ms
    )
  }

  /** Waits for the next JSON line whose `type` is `type` (the bench workers' messages). */
  message<T>(type: string, ms?: number): Promise<T> {
    return this.waitForLine((line) => {
      const msg = parseMessage(line)
      return msg?.type === type ? (msg as T) : undefined
    }, ms)
  }

  /** SIGSTOP: frozen — no heartbeats, no answers — but alive. */
  freeze(): void {
    this.child.kill('SIGSTOP')
    this.frozen = true
  }

  /** SIGCONT after `freeze`. */
  thaw(): void {
    this.child.kill('SIGCONT')
    this.frozen = false
  }

  /** SIGKILL, and wait until it is gone: a crash, nothing released. */
  async kill(): Promise<void> {
    if (this.exited()) return
    this.child.kill('SIGKILL')
    this.frozen = false
    await this.endedWithin(STOP_GRACE_MS)
  }

  /**
   * Ends the process whatever its state (idempotent): SIGCONT if frozen (a stopped process cannot
   * act on SIGTERM), SIGTERM so it can release what it holds, SIGKILL after `graceMs`.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (this.exited()) return
    if (this.frozen) this.thaw()
    this.child.kill('SIGTERM')
    if (await this.endedWithin(graceMs)) return
    this.child.kill('SIGKILL')
    await this.endedWithin(STOP_GRACE_MS)
  }

  private endedWithin(ms: number): Promise<boolean> {
    if (this.exited()) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms)
      this.child.once('exit', () => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  /** Resolves with `check()`'s first non-undefined answer, re-checked whenever output arrives. */
  private async until<T>(check: () => T | undefined, what: string, ms: number): Promise<T> {
    const deadline = Date.now() + ms
    for (;;) {
      const found = check()
      if (found !== undefined) return found
      if (this.exited()) {
        const how = this.child.exitCode ?? this.child.signalCode
        throw new Error(`process ended (${how}) before printing ${what}: ${this.stderr || this.stdout}`)
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr: ${this.stderr}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()))
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  private onStdout(text: string): void {
    this.stdout += text
    this.interleaved += text
    const parts = (this.partial + text).split('\n')
    this.partial = parts.pop() ?? ''
    this.lines.push(...parts.filter((l) => l.trim() !== ''))
    this.wake()
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }
}

/** Starts `node <script> ...args`. */
export function startNode(script: string, args: string[], opts: NodeProcessOptions = {}): NodeProcess {
  return new NodeProcess(script, args, opts)
}

/** Runs `node <script> ...args` to completion. */
export function runNode(script: string, args: string[], opts: NodeProcessOptions = {}): Promise<Finished> {
  return startNode(script, args, opts).done
}

/** A worker's JSON message line, or null for any other output. */
function parseMessage(line: string): { type?: unknown } | null {
  if (!line.startsWith('{')) return null
  try {
    const value: unknown = JSON.parse(line)
    return typeof value === 'object' && value !== null ? value : null
  } catch {
    return null
  }
}
