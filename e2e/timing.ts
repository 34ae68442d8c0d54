/**
 * Time-to-visible, measured inside the pages. Playwright's `expect` retries with a backoff of up to
 * a second, far too coarse for a 250 ms promise, so the pages time themselves: a keydown listener
 * stamps when the writer acted, and a requestAnimationFrame loop stamps the first frame in which
 * the expected text is on screen. All pages run on this machine, so their `Date.now()` clocks agree.
 */
import type { Page } from '@playwright/test'

/** Generous: the machine is shared and slow; the measured number is what gets asserted. */
const WAIT_LIMIT_MS = 20_000

interface Stamps {
  __e2eStamps?: Record<string, number>
}

/** Stamps the next keydown in `page` (capture phase, before the editor sees it) under `key`. */
export async function stampNextKeydown(page: Page, key: string): Promise<void> {
  await page.evaluate((k) => {
    const w = window as Window & Stamps
    const stamps = (w.__e2eStamps ??= {})
    delete stamps[k]
    window.addEventListener('keydown', () => (stamps[k] ??= Date.now()), { capture: true, once: true })
  }, key)
}

/**
 * Starts watching `page` for an element matching `selector` whose text includes `text`; the first
 * animation frame in which it is there is stamped under `key`. Start it before the action.
 */
export async function watchForText(page: Page, key: string, selector: string, text: string): Promise<void> {
  await page.evaluate(
    ({ k, selector, text }) => {
      const w = window as Window & Stamps
      const stamps = (w.__e2eStamps ??= {})
      delete stamps[k]
      const frame = () => {
        const hit = [...document.querySelectorAll(selector)].some((el) => el.textContent?.includes(text))
        if (hit) stamps[k] = Date.now()
        else requestAnimationFrame(frame)
      }
      frame()
    },
    { k: key, selector, text }
  )
}

/** Waits (generously) for a stamp and returns it (ms since the epoch, the page's clock). */
export async function stamp(page: Page, key: string, timeoutMs = WAIT_LIMIT_MS): Promise<number> {
  const handle = await page.waitForFunction((k) => (window as Window & Stamps).__e2eStamps?.[k], key, {
    polling: 50,
    timeout: timeoutMs
  })
  const value: unknown = await handle.jsonValue()
  if (typeof value !== 'number') throw new Error(`stamp ${key} is not a time: ${String(value)}`)
  return value
}

/** Milliseconds from the stamp `fromKey` in `from` to the stamp `toKey` in `to`. */
export async function elapsed(from: Page, fromKey: string, to: Page, toKey: string): Promise<number> {
  const [a, b] = await Promise.all([stamp(from, fromKey), stamp(to, toKey)])
  return b - a
}

/** One line per scenario in a fixed format, e.g. `[e2e] scenario 1: badge B 35 ms, C 41 ms`. */
export function report(scenario: string, parts: Record<string, number | string>): string {
  const body = Object.entries(parts)
    .map(([what, v]) => (typeof v === 'number' ? `${what} ${Math.round(v)} ms` : `${what} ${v}`))
    .join(', ')
  const line = `[e2e] scenario ${scenario}: ${body}`
  console.log(line)
  return line
}
