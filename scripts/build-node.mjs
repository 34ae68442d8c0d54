// Bundles the pure-Node entry points into out/node/*.cjs so they start fast with plain `node`,
// without a TypeScript loader. They come in groups, each built by whoever needs it:
//
//   node scripts/build-node.mjs [app] [test] [bench]     (no group: app)
//
// - app: the admin CLI, the web host and the search worker — `npm install` (prepare), `npm run build`, `npm run serve`;
// - test: what only the tests spawn (the lock, save and move workers) — vitest's globalSetup, with app;
// - bench: the benchmark suite and its worker — `npm run bench`, with app.
import { build } from 'esbuild'
import { existsSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outdir = path.join(root, 'out/node')
const groups = {
  app: {
    cli: 'electron/host/cli/main.ts',
    serve: 'electron/host/web/serve.ts',
    // The search index's thread (electron/services/search/search-backend.ts finds it beside these).
    'search-worker': 'electron/services/search/search-worker.ts'
  },
  test: {
    'lock-worker': 'test/harness/lock-worker.ts',
    'save-worker': 'test/harness/save-worker.ts',
    'move-worker': 'test/harness/move-worker.ts'
  },
  bench: {
    bench: 'bench/index.ts',
    'bench-worker': 'bench/worker.ts'
  }
}

/** The entry points of `names` (group names), as esbuild wants them: bundle name → source file. */
function entriesOf(names) {
  const entries = {}
  for (const name of names) {
    const group = groups[name]
    if (!group) throw new Error(`build-node: no group “${name}” (groups: ${Object.keys(groups).join(', ')})`)
    for (const [bundle, file] of Object.entries(group)) entries[bundle] = path.join(root, file)
  }
  return entries
}

async function bundle(names) {
  // An entry whose source is not there yet (work in progress) is skipped rather than failing the rest.
  const present = Object.fromEntries(Object.entries(entriesOf(names)).filter(([, file]) => existsSync(file)))
  await build({
    entryPoints: present,
    outdir,
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
 * vitest's globalSetup: rebuilds the bundles the tests spawn (app and test) so they never run a
 * stale one. A build failure is reported but does not stop unit tests; the tests that spawn the
 * bundles then fail on the missing file (the old bundles are removed first — only these: a
 * benchmark running meanwhile keeps its own).
 */
export default async function buildForTests() {
  const names = ['app', 'test']
  for (const bundleName of Object.keys(entriesOf(names))) {
    for (const ext of ['.cjs', '.cjs.map']) rmSync(path.join(outdir, bundleName + ext), { force: true })
  }
  try {
    await bundle(names)
  } catch (err) {
    console.warn(`build-node: bundles not built (${err instanceof Error ? err.message.split('\n')[0] : err})`)
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2)
  await bundle(names.length > 0 ? names : ['app'])
}
