import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { NodeProcess } from '../test/harness/node-process'

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
 * A bench worker (or the CLI, or the web host) speaking in lines: commands go to its stdin with
 * `send`, stdout lines are awaited with `waitForLine`/`message`, and `stop()` ends it (SIGTERM, then
 * SIGKILL). The process harness of the tests and e2e (test/harness/node-process.ts).
 */
export class LineProcess extends NodeProcess {
  constructor(
    script: string,
    args: string[],
    opts: { env?: Record<string, string>; nodeArgs?: string[] } = {}
  ) {
    super(script, args, { ...opts, stdin: true })
  }
}
