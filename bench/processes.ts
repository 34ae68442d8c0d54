import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'

/** The repository root: the bench bundle runs as out/node/bench.cjs. */
export const REPO_ROOT = path.resolve(path.dirname(process.argv[1] ?? '.'), '..', '..')

/**
 * Path of a Node bundle (`cli`, `serve`, `bench-worker`) in out/node. vitest's globalSetup deletes
 * and rebuilds the app's bundles whenever someone runs the tests, so a missing bundle is rebuilt
 * here first.
 */
export function bundle(name: string): string {
  const file = path.join(REPO_ROOT, 'out', 'node', `${name}.cjs`)
  for (let attempt = 0; attempt < 3 && !existsSync(file); attempt++) {
    spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-node.mjs'), 'app', 'bench'], {
      stdio: 'ignore'
    })
  }
  if (!existsSync(file)) throw new Error(`${file} is missing and could not be built`)
  return file
}

/**
 * A child Node process speaking in lines: commands go to its stdin, every stdout line is kept and
 * can be awaited. `stop()` ends it (SIGTERM, then SIGKILL) and is safe to call twice.
 */
export class LineProcess {
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  private readonly lines: string[] = []
  private waiters: (() => void)[] = []
  private stderr = ''
  private partial = ''

  constructor(
    script: string,
    args: string[],
    opts: { env?: Record<string, string>; nodeArgs?: string[] } = {}
  ) {
    this.child = spawn(process.execPath, [...(opts.nodeArgs ?? []), script, ...args], {
      env: { ...process.env, SECTIONED_DEBUG: '', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    this.child.stdout?.on('data', (d: Buffer) => this.onData(d.toString()))
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)))
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code) => {
        this.wake()
        resolve(code)
      })
    )
  }

  /** Sends one command line. */
  send(line: string): void {
    this.child.stdin?.write(`${line}\n`)
  }

  /** Waits for (and consumes) the first line that `match` accepts; throws on exit or after `ms`. */
  async waitFor<T>(match: (line: string) => T | undefined, ms = 30_000): Promise<T> {
    const deadline = Date.now() + ms
    for (;;) {
      for (let i = 0; i < this.lines.length; i++) {
        const found = match(this.lines[i])
        if (found !== undefined) {
          this.lines.splice(i, 1)
          return found
        }
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`process ended (${this.child.exitCode ?? this.child.signalCode}): ${this.stderr}`)
      }
      if (Date.now() > deadline) throw new Error(`no answer within ${ms} ms; stderr: ${this.stderr}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()))
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Waits for the next JSON line whose `type` is `type` (the workers' messages; see worker-io.ts). */
  message<T>(type: string, ms?: number): Promise<T> {
    return this.waitFor((line) => {
      const msg = parseMessage(line)
      return msg?.type === type ? (msg as T) : undefined
    }, ms)
  }

  /** Ends the process: SIGTERM, and SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    await this.exited
    clearTimeout(timer)
  }

  private onData(text: string): void {
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
