/**
 * The shape of what Electron's preload exposes to the renderer as `window.sectioned` (types only:
 * the renderer never imports preload code, it only sees this type). The bridge carries exactly the
 * request and event channels of the contract in ./contract; everything else is refused in the
 * preload, and the main process checks the sender and validates every request again.
 */
import type { Result } from './errors'

/**
 * `window.sectioned` in the Electron renderer. `channel` is a plain string on purpose: the bridge
 * checks it at run time (an unknown channel resolves to a VALIDATION Result, never reaches IPC),
 * and the typed, response-validating layer is the renderer's SectionedClient on top of it.
 */
export interface SectionedBridge {
  /** Sends one contract request to the main process; always resolves to a Result, never rejects. */
  invoke(channel: string, payload: unknown): Promise<Result<unknown>>
  /**
   * Subscribes to one contract event (a key of `events` in ./contract); the callback receives the
   * payload only. Returns an unsubscribe function. Throws on any other name: that is a bug, not input.
   */
  on(event: string, callback: (payload: unknown) => void): () => void
}

/** The property of `window` the preload exposes the bridge on. */
export type SectionedBridgeKey = 'sectioned'

/**
 * The two Electron IPC channels the bridge uses underneath (the contract's channels travel as
 * arguments over them). Main and preload each spell them out against this type, so they cannot drift.
 */
export interface BridgeIpcChannels {
  /** `ipcRenderer.invoke(invoke, channel, payload)` → `Result`. */
  invoke: 'sectioned:invoke'
  /** `webContents.send(event, name, payload)` for every contract event. */
  event: 'sectioned:event'
}
