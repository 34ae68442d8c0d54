// Bundles the pure-Node entry points (admin CLI, and the test worker used by multi-process tests)
// into out/node/*.cjs so they start fast with plain `node`, without a TypeScript loader.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
await build({
  entryPoints: {
    cli: path.join(root, 'electron/host/cli/main.ts')
  },
  outdir: path.join(root, 'out/node'),
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning'
})
