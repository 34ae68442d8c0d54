/**
 * Scenarios 1 and 2 against two real Electron instances (the app as shipped: main process, preload
 * bridge, sandboxed window), where the Electron binary is installed. Its download is blocked on the
 * build machines, so there the tests are skipped and say why. Needs `electron-vite build` (out/main).
 */
import { _electron, expect, test, type ElectronApplication, type Page } from '@playwright/test'
import { existsSync, promises as fs, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PLAN, TRICKY_PLAN } from './documents'
import { REPO } from './host-process'
import { lockBadgeScenario, parallelSavesScenario } from './scenarios'
import { report } from './timing'

/**
 * The Electron executable, or why there is none — found by the package's `path.txt`, as
 * scripts/electron-binary.mjs does: since Electron 40 `require('electron')` downloads a missing
 * binary (with no time limit) before it answers.
 */
function electronBinary(): { path: string } | { missing: string } {
  const pkg = path.join(REPO, 'node_modules', 'electron')
  let name = ''
  try {
    name = readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim()
  } catch {
    return { missing: 'node_modules/electron has no path.txt (its download never finished)' }
  }
  const binary = path.join(pkg, 'dist', name)
  return existsSync(binary) ? { path: binary } : { missing: `${binary} is not there` }
}

const binary = electronBinary()
const SKIP_REASON = 'skipped: Electron binary not installed'

/** Skips the calling test, with a console line, when there is no Electron binary. */
function needElectron(scenario: string): string {
  if ('path' in binary) return binary.path
  console.log(`[e2e] electron scenario ${scenario}: ${SKIP_REASON} (${binary.missing})`)
  test.skip(true, SKIP_REASON)
  return ''
}

/** Two instances of the desktop app on one temporary folder; everything is closed and removed after. */
async function withTwoApps(
  executablePath: string,
  files: Record<string, string>,
  body: (ctx: { folder: string; ann: Page; bob: Page }) => Promise<void>
): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-e2e-electron-'))
  const folder = path.join(root, 'workspace')
  await fs.mkdir(folder)
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(folder, name), text)
  const apps: ElectronApplication[] = []
  try {
    const launch = async (user: string) => {
      const app = await _electron.launch({
        executablePath,
        args: [REPO, '--no-sandbox', '--folder', folder, '--user', user],
        // Each instance gets its own userData (settings, single-instance lock), as two computers would.
        env: {
          ...process.env,
          XDG_CONFIG_HOME: path.join(root, `config-${user}`),
          ELECTRON_RENDERER_URL: ''
        },
        timeout: 60_000
      })
      apps.push(app)
      const page = await app.firstWindow()
      await page.getByRole('button', { name: 'plan.md' }).click()
      await expect(page.locator('.cm-content')).toContainText('Money is tight.', { timeout: 20_000 })
      return page
    }
    const ann = await launch('ann')
    const bob = await launch('bob')
    await body({ folder, ann, bob })
  } finally {
    for (const app of apps) {
      // close() quits through the app's own shutdown (which releases locks); a hung one is killed.
      const closed = app.close().then(() => true)
      const timedOut = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000))
      if (!(await Promise.race([closed, timedOut]))) app.process().kill('SIGKILL')
    }
    await fs.rm(root, { recursive: true, force: true })
  }
}

test('electron scenario 1: A types in section 1; B shows A’s badge and cannot type there', async () => {
  const executablePath = needElectron('1')
  await withTwoApps(executablePath, { 'plan.md': PLAN }, async ({ ann, bob }) => {
    const times = await lockBadgeScenario(ann, 'ann', [{ name: 'B', page: bob }])
    report('1 (electron)', { 'badge B': times.B ?? NaN })
  })
})

test('electron scenario 2: A and B save different sections at once; both texts everywhere and on disk', async () => {
  const executablePath = needElectron('2')
  await withTwoApps(executablePath, { 'plan.md': TRICKY_PLAN }, async ({ folder, ann, bob }) => {
    const times = await parallelSavesScenario({
      a: ann,
      b: bob,
      observers: [],
      original: TRICKY_PLAN,
      readDocument: () => fs.readFile(path.join(folder, 'plan.md'))
    })
    report(
      '2 (electron)',
      Object.fromEntries(Object.entries(times).map(([k, v]) => [`text ${k}`, v ?? 'n/a (autosave first)']))
    )
  })
})
