/**
 * A private copy of the built app for one test worker. Other engineers' test runs delete and
 * rebuild out/node and out/renderer while this suite runs; a web host started in that gap exits
 * ("renderer is not built") or serves a page whose assets are gone. The bundles are self-contained
 * (esbuild, no externals), so a copy beside a minimal package.json — which is how serve.cjs finds
 * its renderer — runs exactly like the original.
 */
import { execFile } from 'node:child_process'
import { existsSync, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { REPO } from './host-process'

/** Paths of the copied entry points. */
export interface BuildSnapshot {
  serve: string
  cli: string
  remove(): Promise<void>
}

const WAIT_LIMIT_MS = 120_000

/** Asset paths (`/assets/…`) that index.html refers to. */
function assetsOf(indexHtml: string): string[] {
  return [...indexHtml.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => m[1] ?? '')
}

function runsHelp(serve: string): Promise<boolean> {
  return new Promise((resolve) =>
    execFile(process.execPath, [serve, '--help'], { timeout: 30_000 }, (err) => resolve(err === null))
  )
}

async function tryCopy(target: string): Promise<boolean> {
  const out = path.join(REPO, 'out')
  const index = path.join(out, 'renderer', 'index.html')
  const needed = [path.join(out, 'node', 'serve.cjs'), path.join(out, 'node', 'cli.cjs'), index]
  if (!needed.every((f) => existsSync(f))) return false
  await fs.rm(target, { recursive: true, force: true })
  await fs.mkdir(path.join(target, 'out', 'node'), { recursive: true })
  await fs.writeFile(path.join(target, 'package.json'), '{ "name": "sectioned", "private": true }\n')
  try {
    await fs.copyFile(needed[0] ?? '', path.join(target, 'out', 'node', 'serve.cjs'))
    await fs.copyFile(needed[1] ?? '', path.join(target, 'out', 'node', 'cli.cjs'))
    await fs.cp(path.join(out, 'renderer'), path.join(target, 'out', 'renderer'), { recursive: true })
  } catch {
    return false // deleted while copying: a rebuild is under way
  }
  // A copy taken mid-build may miss the assets its index.html names, or hold a half-written bundle.
  const html = await fs.readFile(path.join(target, 'out', 'renderer', 'index.html'), 'utf8')
  const assets = assetsOf(html)
  if (assets.length === 0) return false
  if (!assets.every((a) => existsSync(path.join(target, 'out', 'renderer', a)))) return false
  return runsHelp(path.join(target, 'out', 'node', 'serve.cjs'))
}

/** Copies the current build (waiting out a rebuild in progress) and returns where it is. */
export async function snapshotBuild(): Promise<BuildSnapshot> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-e2e-build-'))
  const deadline = Date.now() + WAIT_LIMIT_MS
  while (!(await tryCopy(dir))) {
    if (Date.now() > deadline) {
      await fs.rm(dir, { recursive: true, force: true })
      throw new Error('out/ is not built: run npx electron-vite build && node scripts/build-node.mjs')
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  return {
    serve: path.join(dir, 'out', 'node', 'serve.cjs'),
    cli: path.join(dir, 'out', 'node', 'cli.cjs'),
    remove: () => fs.rm(dir, { recursive: true, force: true })
  }
}
