/**
 * Binds the IPC contract to Electron: one `ipcMain.handle` for every request channel, one event
 * channel to every window. Requests are served only when they come from the top frame of one of
 * our windows showing the app's own page; the dispatcher then validates them against the contract.
 * Electron objects come in as parameters so unit tests can hand in fakes.
 */
import type { BridgeIpcChannels } from '../../shared/bridge'
import { ErrorCode, toErrorValue, type Result } from '../../shared/errors'
import type { Dispatcher } from '../services/api/dispatcher-types'
import { consoleLog, errorText, type Log } from '../services/log/log'

/** The IPC channels of the bridge (spelled out against the shared type, so the preload agrees). */
export const MAIN_IPC: BridgeIpcChannels = { invoke: 'sectioned:invoke', event: 'sectioned:event' }

/** What a request from anywhere but the app's own page gets. */
export const REFUSED: Result<never> = Object.freeze({
  ok: false,
  error: Object.freeze({
    code: ErrorCode.Validation,
    message: 'Refused: the request did not come from the app’s own page.'
  })
})

/** The part of Electron's IpcMainInvokeEvent the sender check reads. */
export interface InvokeEventLike {
  readonly sender: { readonly id: number }
  /** Null once the frame navigated away or was destroyed. */
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null
}

/** The part of Electron's ipcMain the binding uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void
  removeHandler(channel: string): void
}

/** The part of a window's WebContents the binding uses: events go out, page lifetime comes in. */
export interface ClientWebContents {
  readonly id: number
  isDestroyed(): boolean
  getURL(): string
  send(channel: string, ...args: unknown[]): void
  on(event: 'destroyed' | 'render-process-gone' | 'did-navigate', listener: () => void): unknown
  removeListener(event: 'destroyed' | 'render-process-gone' | 'did-navigate', listener: () => void): unknown
}

/** The live binding: add each window when it is created; dispose on quit. */
export interface IpcBinding {
  /** Sends the window contract events and releases its locks when its page goes away. */
  addWindow(webContents: ClientWebContents): void
  /** Removes the handler, the event subscription and the window listeners; waits for pending releases. */
  dispose(): Promise<void>
}

const PAGE_LIFETIME = ['destroyed', 'render-process-gone', 'did-navigate'] as const

/**
 * Registers the `sectioned:invoke` handler and forwards the dispatcher's events to every added
 * window. `isTrustedUrl` decides whether the sending frame shows the app's page. A window is one
 * client (clientId = its webContents id); when its page is gone — window closed, renderer crashed,
 * page reloaded — the locks it took are released (SPEC L6). Refusals are logged once, not per request;
 * an event a window could not be sent and a release that failed leave a warning in `log`.
 */
export function bindIpc(
  ipcMain: IpcMainLike,
  dispatcher: Dispatcher,
  isTrustedUrl: (url: string) => boolean,
  log: Log = consoleLog
): IpcBinding {
  const windows = new Map<number, { contents: ClientWebContents; detach: () => void }>()
  const pending = new Set<Promise<void>>()
  let loggedRefusal = false

  /** Why the sender is not the app's page, or null when it is. */
  function senderProblem(event: InvokeEventLike): string | null {
    try {
      if (!windows.has(event.sender.id)) return 'it was not sent by one of the app’s windows'
      const frame = event.senderFrame
      if (!frame) return 'the sending frame is gone'
      if (frame.parent !== null) return 'it was sent from a frame inside the page'
      if (!isTrustedUrl(frame.url)) return `it was sent from ${frame.url.slice(0, 200)}`
      return null
    } catch {
      // Touching a disposed frame throws in Electron; a sender we cannot inspect is not trusted.
      return 'the sending frame could not be inspected'
    }
  }

  ipcMain.handle(MAIN_IPC.invoke, async (event, channel, payload) => {
    const problem = senderProblem(event)
    if (problem) {
      if (!loggedRefusal) {
        loggedRefusal = true
        log.warn(`refused an IPC request: ${problem}. Further refusals are not logged.`)
      }
      return REFUSED
    }
    if (typeof channel !== 'string') {
      return { ok: false, error: { code: ErrorCode.Validation, message: 'A request must name its channel.' } }
    }
    try {
      return await dispatcher.call(channel, payload, { clientId: String(event.sender.id) })
    } catch (err) {
      // The dispatcher answers with Results, but a thrown error must not leave the page with a bare rejection.
      return { ok: false, error: toErrorValue(err) }
    }
  })

  const subscription = dispatcher.onEvent(({ name, payload, forClient }) => {
    for (const { contents } of windows.values()) {
      try {
        if (!contents.isDestroyed() && isTrustedUrl(contents.getURL())) {
          // The window's own view where it differs per window (its client id is its webContents id).
          contents.send(MAIN_IPC.event, name, forClient ? forClient(String(contents.id)) : payload)
        }
      } catch (err) {
        // A window torn down between the check and the send: it gets nothing, the others still do.
        log.warn('an event could not be sent to a window', {
          event: name,
          window: contents.id,
          error: errorText(err)
        })
      }
    }
  })

  function release(clientId: string): void {
    const p = dispatcher.clientClosed(clientId).catch((err: unknown) =>
      log.warn('the locks of a closed window could not be released', {
        window: clientId,
        error: errorText(err)
      })
    )
    pending.add(p)
    void p.finally(() => pending.delete(p))
  }

  return {
    addWindow(contents) {
      const id = contents.id
      if (windows.has(id)) return
      // A reload or a crash loses the page's state, so its locks go as they would with the window.
      const pageGone = () => release(String(id))
      const destroyed = () => {
        windows.get(id)?.detach()
        windows.delete(id)
        pageGone()
      }
      const listeners = { destroyed, 'render-process-gone': pageGone, 'did-navigate': pageGone }
      for (const name of PAGE_LIFETIME) contents.on(name, listeners[name])
      const detach = () => {
        try {
          for (const name of PAGE_LIFETIME) contents.removeListener(name, listeners[name])
        } catch {
          // Already destroyed: its listeners went with it.
        }
      }
      windows.set(id, { contents, detach })
    },

    async dispose() {
      ipcMain.removeHandler(MAIN_IPC.invoke)
      subscription.dispose()
      for (const { detach } of windows.values()) detach()
      windows.clear()
      await Promise.all([...pending])
    }
  }
}
