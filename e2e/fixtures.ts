/**
 * The multi-instance fixture: one temporary directory per test holding the shared folder
 * (`workspace/`) and one config folder per instance (`config/<n>-<user>/`: settings and the local
 * journal of unsaved text), any number of app instances on the folder — each a separate web-host
 * process with its own writer name, instance id, config folder and (optionally) host identity —
 * and any number of windows (pages) on each. An instance whose process was killed can be restarted
 * on the same port, token and config folder: its open windows reconnect by themselves. Teardown
 * runs also when the test fails or times out: pages close, every process is continued if stopped,
 * terminated, killed after a grace period, and the directory is removed.
 */
import { execFile } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test as base, type BrowserContext, type Page, type TestInfo } from '@playwright/test'
import type { AuditEntry } from '../electron/services/audit/audit-event'
import { snapshotBuild, type BuildSnapshot } from './build-snapshot'
import { startHost, type HostOptions, type HostProcess } from './host-process'
import { openDocument } from './writer'

/** One app instance and its windows. */
export interface Instance {
  /** The instance's current web-host process (a new one after `restart`). */
  readonly host: HostProcess
  readonly pages: Page[]
  /**
   * Its `SECTIONED_CONFIG_DIR`, inside the test's temporary directory: `settings.json`, and the
   * local journal of unsaved text under `journal/`. Kept across `restart`; pass it as
   * `start({ configDir })` to start another instance on it.
   */
  readonly configDir: string
  /** Opens one more window of this instance on `document` and waits until it shows `readyText`. */
  open(document: string, readyText: string): Promise<Page>
  /**
   * After `host.kill()` (or `host.stop()`): starts a new web-host process on the same folder, port,
   * token and config folder and resolves once it printed the same URL. The open windows are not
   * touched: they reconnect by themselves. Throws while the current process is still running.
   */
  restart(): Promise<HostProcess>
}

/** A CLI run's outcome. */
export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** The shared folder and the instances on it. */
export interface Sectioned {
  /** The temporary workspace folder (removed after the test). */
  readonly folder: string
  /** The test's temporary directory: `workspace/` (= `folder`) and `config/` (removed after the test). */
  readonly root: string
  /** Writes documents into the folder (paths relative to it). */
  files(files: Record<string, string>): Promise<void>
  /**
   * Starts an instance; windows are opened with `open`. Without `opts.configDir` it gets a fresh
   * config folder of its own.
   */
  start(opts: HostOptions): Promise<Instance>
  /** A file of the folder, byte for byte. */
  read(rel: string): Promise<Buffer>
  /** Every audit line of every instance (`.sectioned/audit/*.jsonl`), in file then line order. */
  audit(): Promise<AuditEntry[]>
  /** Runs the admin CLI (the build's cli.cjs) with `args`. */
  cli(...args: string[]): Promise<CliResult>
  /** Screenshots a page and attaches it to the report under `name`. */
  shot(page: Page, name: string): Promise<void>
}

async function readAudit(folder: string): Promise<AuditEntry[]> {
  const dir = path.join(folder, '.sectioned', 'audit')
  const names = (await fs.readdir(dir).catch(() => [])).filter((n) => n.endsWith('.jsonl')).sort()
  const entries: AuditEntry[] = []
  for (const name of names) {
    const text = await fs.readFile(path.join(dir, name), 'utf8')
    for (const line of text.split('\n')) {
      // A line being appended right now may be incomplete; it is read again on the next poll.
      if (!line.trim()) continue
      try {
        entries.push(JSON.parse(line) as AuditEntry)
      } catch {
        continue
      }
    }
  }
  return entries
}

function runCli(cli: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

async function attachOutputs(testInfo: TestInfo, hosts: HostProcess[]): Promise<void> {
  for (const [i, h] of hosts.entries()) {
    await testInfo.attach(`web host ${i + 1} (${h.user}) output`, {
      body: h.output(),
      contentType: 'text/plain'
    })
  }
}

/** How long a restart waits for the killed process's port to be free again. */
const PORT_FREE_LIMIT_MS = 5_000

/** Starts a host, trying again while its fixed port is still taken (a process just killed). */
async function startOnPort(serve: string, folder: string, opts: HostOptions): Promise<HostProcess> {
  const deadline = Date.now() + PORT_FREE_LIMIT_MS
  for (;;) {
    try {
      return await startHost(serve, folder, opts)
    } catch (err) {
      if (!/EADDRINUSE/.test(String(err)) || Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** `test` with the `sectioned` fixture (and the worker's private copy of the build it runs). */
export const test = base.extend<{ sectioned: Sectioned }, { build: BuildSnapshot }>({
  build: [
    // eslint-disable-next-line no-empty-pattern -- Playwright's signature for a fixture without dependencies
    async ({}, use) => {
      const build = await snapshotBuild()
      try {
        await use(build)
      } finally {
        await build.remove()
      }
    },
    { scope: 'worker', timeout: 150_000 }
  ],
  sectioned: [
    async ({ browser, build }, use, testInfo) => {
      const root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-e2e-'))
      const folder = path.join(root, 'workspace')
      await fs.mkdir(folder)
      const hosts: HostProcess[] = []
      const contexts: BrowserContext[] = []
      let started = 0
      const sectioned: Sectioned = {
        folder,
        root,
        async files(files) {
          for (const [name, text] of Object.entries(files)) {
            await fs.mkdir(path.dirname(path.join(folder, name)), { recursive: true })
            await fs.writeFile(path.join(folder, name), text)
          }
        },
        async start(opts) {
          const configDir =
            opts.configDir ?? path.join(root, 'config', `${++started}-${opts.user.replace(/[^\w.-]/g, '_')}`)
          await fs.mkdir(configDir, { recursive: true })
          let host = await startHost(build.serve, folder, { ...opts, configDir })
          hosts.push(host)
          // Windows of one instance share a browser context, as windows of one app share a session.
          const context = await browser.newContext()
          contexts.push(context)
          const pages: Page[] = []
          return {
            get host() {
              return host
            },
            pages,
            configDir,
            async open(document, readyText) {
              const page = await context.newPage()
              pages.push(page)
              await openDocument(page, host.url, document, readyText)
              return page
            },
            async restart() {
              if (!host.exited())
                throw new Error(
                  `restart() follows kill() or stop(): the web host of ${host.user} (pid ${host.pid}) is still running`
                )
              const again = await startOnPort(build.serve, folder, {
                ...opts,
                configDir,
                port: host.port,
                token: host.token
              })
              hosts.push(again)
              if (again.url !== host.url)
                throw new Error(`the restarted web host printed ${again.url}, not ${host.url}`)
              host = again
              return again
            }
          }
        },
        read: (rel) => fs.readFile(path.join(folder, rel)),
        audit: () => readAudit(folder),
        cli: (...args) => runCli(build.cli, args),
        async shot(page, name) {
          const file = testInfo.outputPath(`${name}.png`)
          await page.screenshot({ path: file })
          await testInfo.attach(name, { path: file, contentType: 'image/png' })
        }
      }
      try {
        await use(sectioned)
      } finally {
        if (testInfo.status !== testInfo.expectedStatus) await attachOutputs(testInfo, hosts)
        // Pages first, so they do not keep reconnecting to hosts that are going away.
        await Promise.all(contexts.map((c) => c.close().catch(() => undefined)))
        await Promise.all(hosts.map((h) => h.stop()))
        await fs.rm(root, { recursive: true, force: true })
      }
    },
    // Teardown (up to 5 s SIGTERM grace per host, in parallel) gets its own time, not the test's.
    { timeout: 60_000 }
  ]
})

/**
 * Puts `text` into the folder as `document`, starts one instance per user (at once) and opens one
 * window of each on it, in `users` order, each ready once it shows `ready`.
 */
export async function writersOn(
  sectioned: Sectioned,
  document: string,
  text: string,
  users: string[],
  ready: string
): Promise<{ instances: Instance[]; pages: Page[] }> {
  await sectioned.files({ [document]: text })
  const instances = await Promise.all(users.map((user) => sectioned.start({ user })))
  const pages: Page[] = []
  for (const instance of instances) pages.push(await instance.open(document, ready))
  return { instances, pages }
}

export { expect } from '@playwright/test'
