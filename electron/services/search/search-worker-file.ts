/**
 * Where the search worker's bundle is: beside the running bundle (out/node/cli.cjs and serve.cjs)
 * or in out/node beside out/main (the app). Not the share: the app's own files (eslint.config.js).
 */
import { existsSync } from 'node:fs'
import path from 'node:path'

/**
 * The bundled search worker next to this code, or null (TypeScript sources under test). A worker
 * cannot start from inside an asar archive: the packaged app unpacks it (electron-builder.yml
 * `asarUnpack`) into `app.asar.unpacked`, and where that copy is missing the caller indexes in its
 * own thread.
 */
export function defaultWorkerFile(
  here: string | null = typeof __dirname === 'string' ? __dirname : null
): string | null {
  if (!here) return null
  const inAsar = `.asar${path.sep}`
  for (const f of [path.join(here, 'search-worker.cjs'), path.join(here, '../node/search-worker.cjs')]) {
    const usable = f.includes(inAsar) ? f.replace(inAsar, `.asar.unpacked${path.sep}`) : f
    if (existsSync(usable)) return usable
  }
  return null
}
