/**
 * Where the search worker's bundle is: beside the running bundle (out/node/cli.cjs and serve.cjs)
 * or in out/node beside out/main (the app). Not the share: the app's own files (eslint.config.js).
 */
import { existsSync } from 'node:fs'
import path from 'node:path'

/** The bundled search worker next to this code, or null (TypeScript sources under test, an asar archive). */
export function defaultWorkerFile(): string | null {
  const here = typeof __dirname === 'string' ? __dirname : null
  if (!here) return null
  for (const f of [path.join(here, 'search-worker.cjs'), path.join(here, '../node/search-worker.cjs')])
    // A worker cannot start from inside an asar archive; the caller indexes in its own thread then.
    if (existsSync(f) && !f.includes(`.asar${path.sep}`)) return f
  return null
}
