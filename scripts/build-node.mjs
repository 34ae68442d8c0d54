// Bundles the pure-Node entry points (admin CLI, the lock worker used by multi-process tests, the
// web host, the benchmark suite and its worker) into out/node/*.cjs so they start fast with plain `node`, without a TypeScript loader.
import { build } from 'esbuild'
import { existsSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const entryPoints = {
  cli: path.join(root, 'electron/host/cli/main.ts'),
  'lock-worker': path.join(root, 'test/harness/lock-worker.ts'),
  'save-worker': path.join(root, 'test/harness/save-worker.ts'),
  bench: path.join(root, 'bench/index.ts'),
  'bench-worker': path.join(root, 'bench/worker.ts'),
  serve: path.join(root, 'electron/host/web/serve.ts')
}

async function bundle() {
  // An entry whose source is not there yet (work in progress) is skipped rather than failing the rest.
  const present = Object.fromEntries(Object.entries(entryPoints).filter(([, file]) => existsSync(file)))
  await build({
    entryPoints: present,
    outdir: path.join(root, 'out/node'),
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    // The benchmark's chart renders SVG only; see bench/vega-canvas-none.ts.
    alias: { 'vega-canvas': path.join(root, 'bench/vega-canvas-none.ts') },
    logLevel: 'warning'
  })
}

/**
 * vitest's globalSetup: rebuilds the bundles so multi-process tests never run a stale one. A build
 * failure is reported but does not stop unit tests; the tests that spawn the bundles then fail on
 * the missing file (the old bundle is removed first).
 */
export default async function buildForTests() {
  rmSync(path.join(root, 'out/node'), { recursive: true, force: true })
  try {
    await bundle()
  } catch (err) {
    console.warn(`build-node: bundles not built (${err instanceof Error ? err.message.split('\n')[0] : err})`)
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await bundle()
