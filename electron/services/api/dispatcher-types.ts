import type { Result } from '../../../shared/errors'
import type { Disposable } from '../core/clock'

/** Who is calling: one renderer window (Electron) or one browser page (web host). */
export interface CallContext {
  /** Stable for the life of one window/page; locks taken through the API belong to it. */
  clientId: string
}

/** An event pushed from the services to every client. `name` is a contract event channel. */
export interface ContractEvent {
  name: string
  payload: unknown
  /**
   * The payload as one window sees it, when that differs per window (a lock is "mine" in the window
   * that took it, "mine elsewhere" in this instance's other windows). Transports send this instead
   * of `payload`; other listeners take the instance-neutral `payload`.
   */
  forClient?: (clientId: string) => unknown
}

/**
 * The transport-neutral face of the services: every request of the IPC contract goes through
 * `call`, which validates the payload against the contract's schema and answers with a Result
 * (never throws). Both transports — Electron's ipcMain and the web host's WebSocket — bind to it.
 */
export interface Dispatcher {
  call(channel: string, payload: unknown, ctx: CallContext): Promise<Result<unknown>>
  /** Subscribes to contract events (lock changes, saves, lost locks, watcher mode…). */
  onEvent(listener: (event: ContractEvent) => void): Disposable
  /**
   * A client (window/page) went away: once the calls it sent before are answered (a save sent as the
   * window closed lands first), release the locks it held. Its later calls wait until this is done.
   */
  clientClosed(clientId: string): Promise<void>
}
