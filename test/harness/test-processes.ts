/**
 * The vitest side of the process harness (node-process.ts): the bundled CLI and lock worker, and
 * `start`/`cli` with the environment as a plain record. Every process a test starts is killed by
 * `killAll` in its afterEach (also when it failed).
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { killAll, NodeProcess, type Finished } from './node-process'

export { killAll, type Finished }

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** The bundled CLI and lock worker (built by vitest's globalSetup, scripts/build-node.mjs). */
export const CLI = path.join(root, 'out/node/cli.cjs')
export const LOCK_WORKER = path.join(root, 'out/node/lock-worker.cjs')
export const SAVE_WORKER = path.join(root, 'out/node/save-worker.cjs')
export const MOVE_WORKER = path.join(root, 'out/node/move-worker.cjs')

/** A spawned process whose output is collected. */
export type Proc = NodeProcess

/** Starts `node <script> ...args` with extra environment variables. */
export function start(script: string, args: string[], env: Record<string, string> = {}, cwd?: string): Proc {
  return new NodeProcess(script, args, { env, cwd })
}

/** Runs the CLI to completion. */
export function cli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Finished> {
  return start(CLI, args, env, cwd).done
}
