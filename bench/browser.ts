import { existsSync, promises as fs } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from '@playwright/test'
import { Skipped } from './context'
import { bundle, LineProcess, REPO_ROOT } from './processes'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium'

type Playwright = typeof import('@playwright/test')

const CHROMIUM = CHROMIUM_PATH

/**
 * Playwright, loaded from the repository's node_modules at run time: esbuild cannot bundle it (it
 * reads its own package.json beside itself), and the bundle keeps starting where it is missing.
 */
function playwright(): Playwright {
  return createRequire(path.join(REPO_ROOT, 'package.json'))('@playwright/test') as Playwright
}

/** Why the browser benchmarks cannot run here (no Chromium, renderer not built), or null when they can. */
export function browserSkipReason(): string | null {
  try {
    playwright()
  } catch {
    return '@playwright/test is not installed'
  }
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`
  if (!existsSync(path.join(REPO_ROOT, 'out', 'renderer', 'index.html')))
    return 'the renderer is not built (npx electron-vite build)'
  return null
}

/** Starts Debian's Chromium (or CHROMIUM_PATH) headless; one that will not start is a skip, not a failure. */
export async function launchChromium(): Promise<Browser> {
  try {
    return await playwright().chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  } catch (err) {
    throw new Skipped(
      `Chromium did not start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`
    )
  }
}

/** A web host process (instance B as a browser sees it) and its URL. */
export interface WebHost {
  url: string
  stop(): Promise<void>
}

/** Starts `serve.cjs` on `folder` for `user`, with settings of its own (never the user's). */
export async function startWebHost(folder: string, user: string): Promise<WebHost> {
  const config = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-bench-config-'))
  const proc = new LineProcess(bundle('serve'), ['--folder', folder, '--user', user], {
    env: { SECTIONED_CONFIG_DIR: config }
  })
  const stop = async () => {
    await proc.stop()
    await fs.rm(config, { recursive: true, force: true })
  }
  try {
    const url = await proc.waitForLine((line) => /Sectioned is running: (\S+)/.exec(line)?.[1])
    return { url, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** Opens the app at `url` and the document `doc` in it, and waits until its text is shown. */
export async function openDocument(page: Page, url: string, doc: string, firstLine: string): Promise<void> {
  await page.goto(url)
  await page.getByRole('button', { name: doc, exact: true }).click()
  await page.locator('.cm-content', { hasText: firstLine }).waitFor({ timeout: 60_000 })
}

/** The size (px) of the app's editor area: the plain CodeMirror anchor page is given the same. */
export interface EditorBox {
  width: number
  height: number
}

/**
 * The app's editor area in `page` (`main.editor`: the editor with its toolbar, there before a
 * document is open too), or null without one.
 */
export function appEditorBox(page: Page): Promise<EditorBox | null> {
  return page.evaluate(() => {
    const box = document.querySelector('main.editor')?.getBoundingClientRect()
    return box ? { width: Math.round(box.width), height: Math.round(box.height) } : null
  })
}

/**
 * In the page: resolves with the epoch time (ms) of the first animation frame at which `selector`
 * matches an element whose text includes `text` (or, with `present` false, no longer does).
 * Polling on requestAnimationFrame times what a writer can see; Playwright's waits back off.
 */
export function seenInPage(
  page: Page,
  selector: string,
  text: string,
  present = true,
  timeoutMs = 10_000
): Promise<number | null> {
  return page.evaluate(
    ({ selector, text, present, timeoutMs }) =>
      new Promise<number | null>((resolve) => {
        const start = performance.now()
        const tick = () => {
          const shown = [...document.querySelectorAll(selector)].some((e) => e.textContent?.includes(text))
          if (shown === present) resolve(performance.timeOrigin + performance.now())
          else if (performance.now() - start > timeoutMs) resolve(null)
          else requestAnimationFrame(tick)
        }
        tick()
      }),
    { selector, text, present, timeoutMs }
  )
}

/** Runs `fn` with a fresh browser page, closing page and browser afterwards. */
export function withPage<T>(fn: (page: Page) => Promise<T>): Promise<T> {
  return withPages(1, ([page]) => fn(page))
}

/** Runs `fn` with `count` pages (tabs) of one fresh browser, closing them and the browser afterwards. */
export async function withPages<T>(count: number, fn: (pages: Page[]) => Promise<T>): Promise<T> {
  const browser = await launchChromium()
  try {
    const pages: Page[] = []
    for (let i = 0; i < count; i++)
      pages.push(await browser.newPage({ viewport: { width: 1280, height: 900 } }))
    return await fn(pages)
  } finally {
    await browser.close()
  }
}

/**
 * Resolves once the page has drawn frames without a long gap for a while (its main thread has
 * caught up with whatever it was doing), or after `limitMs`.
 */
export async function pageSettled(page: Page, limitMs: number, quietMs = 500): Promise<void> {
  await page.evaluate(
    ({ quietMs, limitMs }) =>
      new Promise<void>((resolve) => {
        const start = performance.now()
        let last = start
        let calmSince = start
        const frame = (now: number) => {
          if (now - last > 100) calmSince = now
          last = now
          if (now - calmSince >= quietMs || now - start >= limitMs) resolve()
          else requestAnimationFrame(frame)
        }
        requestAnimationFrame(frame)
      }),
    { quietMs, limitMs }
  )
}
