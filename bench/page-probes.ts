import type { Page } from '@playwright/test'

/** What the probes keep in the page. */
interface PageLog {
  __benchPaints?: number[]
  __benchLongTasks?: number[]
}

/**
 * Installs two probes in the page: for every keydown, the epoch time of the first frame painted
 * after it (requestAnimationFrame runs just before a paint; a task queued from it runs just after);
 * and the duration of every long task (main thread blocked for more than 50 ms).
 */
export async function installProbes(page: Page): Promise<void> {
  await page.evaluate(() => {
    const paints: number[] = []
    const longTasks: number[] = []
    Object.assign(window as Window & PageLog, { __benchPaints: paints, __benchLongTasks: longTasks })
    const stamp = () =>
      requestAnimationFrame(() =>
        setTimeout(() => paints.push(performance.timeOrigin + performance.now()), 0)
      )
    window.addEventListener('keydown', stamp, { capture: true })
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longTasks.push(entry.duration)
    }).observe({ type: 'longtask' })
  })
}

/** Waits (up to `limitMs`) until `count` paints are logged, then takes them out of the page's log. */
export async function takePaints(page: Page, count: number, limitMs: number): Promise<number[]> {
  await page
    .waitForFunction((n) => ((window as Window & PageLog).__benchPaints?.length ?? 0) >= n, count, {
      timeout: limitMs
    })
    .catch(() => undefined) // the caller counts the keystrokes that were not painted in time
  return page.evaluate(() => (window as Window & PageLog).__benchPaints?.splice(0) ?? [])
}

/** Takes the long tasks logged so far out of the page's log (durations in ms). */
export function takeLongTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as Window & PageLog).__benchLongTasks?.splice(0) ?? [])
}
