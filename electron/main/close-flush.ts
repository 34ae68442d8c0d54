/**
 * Closing a window that may hold unsaved text: main asks its page to save and journal it (the
 * `app:flush` event) and closes the window once the page answers with `app:flushed`, or after
 * {@link FLUSH_TIMEOUT_MS} — a hung or crashed page must not keep the window open; its text is in
 * the journal anyway, at most ~300 ms old. Quitting asks every window the same way. Electron objects
 * and timers come in as parameters, so unit tests drive it with fakes.
 */
import type { EventName, EventOf } from '../../shared/contract'
import { MAIN_IPC } from './ipc'

/** How long a page gets to save and journal before its window closes anyway. */
export const FLUSH_TIMEOUT_MS = 3_000

/** The part of Electron's close event the guard uses. */
export interface PreventableCloseEvent {
  preventDefault(): void
}

/** The part of a BrowserWindow the guard uses. */
export interface ClosableWindow {
  on(event: 'close', listener: (event: PreventableCloseEvent) => void): unknown
  close(): void
  isDestroyed(): boolean
}

/** The part of a WebContents `sendFlush` uses. */
export interface FlushTarget {
  isDestroyed(): boolean
  send(channel: string, ...args: unknown[]): void
}

/** Runs `fn` after `ms`; returns a cancel function. */
export type Schedule = (fn: () => void, ms: number) => () => void

/** A window's flush handshake. */
export interface CloseFlush {
  /** Asks the page to flush when it may have unsaved text; resolves when it answered or the time ran out. */
  flush(): Promise<void>
  /** The page called `app:flushed`. */
  flushed(): void
}

/** Sends `app:flush` to one window's page only (the dispatcher's events go to every window). */
export function sendFlush(contents: FlushTarget): void {
  const name: EventName = 'app:flush'
  const payload: EventOf<'app:flush'> = { reason: 'close' }
  try {
    if (!contents.isDestroyed()) contents.send(MAIN_IPC.event, name, payload)
  } catch {
    // Torn down between the check and the send: the timeout closes the window.
  }
}

/**
 * Guards a window's `close`: while `needsFlush()` (the window holds a lock, the only way to have
 * unsaved text) the first close is held, the page is asked to flush, and the window is closed again
 * when it answered or after the timeout. Closes clicked meanwhile are held too; the final close passes.
 */
export function guardClose(opts: {
  window: ClosableWindow
  send: () => void
  needsFlush: () => boolean
  schedule?: Schedule
  timeoutMs?: number
}): CloseFlush {
  const schedule: Schedule =
    opts.schedule ??
    ((fn, ms) => {
      const t = setTimeout(fn, ms)
      return () => clearTimeout(t)
    })
  let pending: { done: () => void; promise: Promise<void> } | null = null
  let closing = false

  function flush(): Promise<void> {
    if (pending) return pending.promise
    if (!opts.needsFlush()) return Promise.resolve()
    let resolve: () => void = () => undefined
    const promise = new Promise<void>((r) => (resolve = r))
    const cancel = schedule(() => done(), opts.timeoutMs ?? FLUSH_TIMEOUT_MS)
    const done = () => {
      cancel()
      pending = null
      resolve()
    }
    pending = { done, promise }
    opts.send()
    return promise
  }

  opts.window.on('close', (event) => {
    if (closing || (!pending && !opts.needsFlush())) return
    event.preventDefault()
    if (pending) return
    void flush().then(() => {
      closing = true
      if (!opts.window.isDestroyed()) opts.window.close()
    })
  })

  return { flush, flushed: () => pending?.done() }
}
