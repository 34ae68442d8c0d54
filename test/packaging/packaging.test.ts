/**
 * Packaging (issue 16): `npm run dist:linux -- --dir` through scripts/dist.mjs and electron-builder,
 * for real, into a temporary folder. Electron's binary cannot be downloaded here, so a stand-in
 * distribution is made: a file carrying the fuse wire every Electron binary carries (the sentinel,
 * version 1, eight fuses), which is all electron-builder's packing and its @electron/fuses step
 * look at. What is checked is what electron-builder.yml selects and does: the files in app.asar,
 * the unpacked search worker, the sample workspace, the fuses flipped, the update feed.
 */
import { execFile } from 'node:child_process'
import { existsSync, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { listPackage } from '@electron/asar'
import { getCurrentFuseWire } from '@electron/fuses'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultWorkerFile } from '../../electron/services/search/search-worker-file'

const run = promisify(execFile)
const root = path.resolve('.')
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
/** Electron's fuse states: '0' disabled, '1' enabled (bytes 0x30 and 0x31). */
const OFF = 0x30
const ON = 0x31

let dir = ''

/** An unpacked "Electron" of the fuse wire alone, as Electron 45 ships it (all fuses on but cookie encryption). */
async function standInElectron(): Promise<string> {
  const dist = path.join(dir, 'electron-dist')
  await fs.mkdir(path.join(dist, 'resources'), { recursive: true })
  const wire = Buffer.concat([
    Buffer.from('#!/bin/sh\n'),
    Buffer.from(SENTINEL),
    Buffer.from([1, 8]),
    Buffer.from('10110001')
  ])
  await fs.writeFile(path.join(dist, 'electron'), wire, { mode: 0o755 })
  await fs.writeFile(path.join(dist, 'LICENSE'), 'stand-in')
  await fs.writeFile(path.join(dist, 'LICENSES.chromium.html'), 'stand-in')
  await fs.writeFile(path.join(dist, 'version'), '45.5.0')
  return dist
}

/** Runs `node scripts/dist.mjs linux --dir` into `out` with `env`; its output lines. */
async function dist(out: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['scripts/dist.mjs', 'linux', '--dir', `-c.directories.output=${out}`],
    {
      cwd: root,
      env: { ...process.env, SECTIONED_DIST_SKIP_BUILD: '1', ...env },
      maxBuffer: 16 * 1024 * 1024
    }
  )
  return stdout
}

beforeAll(async () => {
  for (const built of [
    'out/main/index.js',
    'out/preload/index.js',
    'out/renderer/index.html',
    'out/node/search-worker.cjs'
  ])
    if (!existsSync(path.join(root, built)))
      throw new Error(
        `${built} is missing: build first (npx electron-vite build && node scripts/build-node.mjs)`
      )
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-dist-'))
})

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true })
})

describe('npm run dist:linux -- --dir', () => {
  let app = ''
  let said = ''

  beforeAll(async () => {
    const electronDist = await standInElectron()
    said = await dist(path.join(dir, 'plain'), { ELECTRON_DIST: electronDist, SECTIONED_UPDATE_URL: '' })
    app = path.join(dir, 'plain', 'linux-unpacked')
  }, 180_000)

  it('packs the bundles the app runs and its runtime modules, nothing else', () => {
    const files = listPackage(path.join(app, 'resources', 'app.asar'), { isPack: false }).map((f) =>
      f.replace(/\\/g, '/')
    )
    for (const f of [
      '/package.json',
      '/out/main/index.js',
      '/out/preload/index.js',
      '/out/renderer/index.html'
    ])
      expect(files).toContain(f)
    // The runtime dependencies (what out/main imports) are there; the page's packages are not.
    for (const m of ['chokidar', 'markdown-it', 'minisearch', 'zod', 'electron-updater'])
      expect(files).toContain(`/node_modules/${m}/package.json`)
    for (const m of [
      'react',
      'react-dom',
      'codemirror',
      '@codemirror/view',
      'dompurify',
      'zustand',
      'ws',
      'electron'
    ])
      expect(files).not.toContain(`/node_modules/${m}/package.json`)
    // No CLI, web host, bench or test bundles, no sourcemaps, no sources.
    const outNode = files.filter((f) => f.startsWith('/out/node/'))
    expect(outNode).toEqual(['/out/node/search-worker.cjs'])
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([])
    expect(files.filter((f) => /^\/(electron|renderer|shared|bench|test|e2e|scripts)\//.test(f))).toEqual([])
  })

  it('unpacks the search worker where the app looks for it, and ships the sample workspace', () => {
    const unpacked = path.join(app, 'resources', 'app.asar.unpacked', 'out', 'node', 'search-worker.cjs')
    expect(existsSync(unpacked)).toBe(true)
    expect(defaultWorkerFile(path.join(app, 'resources', 'app.asar', 'out', 'main'))).toBe(unpacked)
    expect(existsSync(path.join(app, 'resources', 'sample-workspace', 'Welcome.md'))).toBe(true)
  })

  it('flips the fuses: no run-as-node, NODE_OPTIONS, inspect or file:// privileges; asar integrity and asar-only on', async () => {
    const wire = await getCurrentFuseWire(path.join(app, 'sectioned'))
    expect(wire).toMatchObject({
      version: '1',
      0: OFF, // RunAsNode
      1: ON, // EnableCookieEncryption
      2: OFF, // EnableNodeOptionsEnvironmentVariable
      3: OFF, // EnableNodeCliInspectArguments
      4: ON, // EnableEmbeddedAsarIntegrityValidation
      5: ON, // OnlyLoadAppFromAsar
      6: OFF, // LoadBrowserProcessSpecificV8Snapshot
      7: OFF // GrantFileProtocolExtraPrivileges (the page comes from app://)
    })
  })

  it('says there is no update feed, and writes none into the app', () => {
    expect(said).toContain('dist: updates: no SECTIONED_UPDATE_URL')
    expect(existsSync(path.join(app, 'resources', 'app-update.yml'))).toBe(false)
  })
})

describe('the update feed comes from the environment', () => {
  it('SECTIONED_UPDATE_URL becomes the app’s feed; an http:// one is refused before anything is built', async () => {
    const electronDist = path.join(dir, 'electron-dist')
    if (!existsSync(electronDist)) await standInElectron()
    const feed = 'https://updates.example.invalid/sectioned/'
    const said = await dist(path.join(dir, 'feed'), {
      ELECTRON_DIST: electronDist,
      SECTIONED_UPDATE_URL: feed
    })
    expect(said).toContain(`dist: updates: the app follows ${feed}`)
    const yml = await fs.readFile(
      path.join(dir, 'feed', 'linux-unpacked', 'resources', 'app-update.yml'),
      'utf8'
    )
    expect(yml).toContain('provider: generic')
    expect(yml).toContain(`url: ${feed}`)
    const refused = await dist(path.join(dir, 'http'), {
      SECTIONED_UPDATE_URL: 'http://plain.example.invalid/'
    }).then(
      () => null,
      (err: { code?: number; stderr?: string }) => err
    )
    expect(refused?.code).toBe(2)
    expect(refused?.stderr).toContain('must be an https:// address')
    expect(existsSync(path.join(dir, 'http'))).toBe(false)
  }, 180_000)
})
