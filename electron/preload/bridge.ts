/**
 * The renderer's bridge to the main process, as a pure function of an ipcRenderer-like object so
 * unit tests can drive it with a fake. Only contract channels pass: an unknown request channel is
 * answered here without any IPC, an unknown event name is refused, and listeners receive payloads
 * only — never the IpcRendererEvent (its `sender` would hand the page a live ipcRenderer).
 */
import type { BridgeIpcChannels, SectionedBridge } from '../../shared/bridge'
import { ErrorCode, type Result } from '../../shared/errors'
import { isEventName, isRequestChannel } from './channels'

/** The IPC channels underneath the bridge (spelled out against the shared type, so main agrees). */
export const BRIDGE_IPC: BridgeIpcChannels = { invoke: 'sectioned:invoke', event: 'sectioned:event' }

/** A listener as ipcRenderer calls it: the IPC event first, then the arguments main sent. */
export type IpcListener = (event: unknown, ...args: unknown[]) => void

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: IpcListener): unknown
  removeListener(channel: string, listener: IpcListener): unknown
}

function failure(code: ErrorCode, message: string): Result<never> {
  return { ok: false, error: { code, message } }
}

/** Main always answers with a Result; anything else means a mismatched main process. */
function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false
  if (value.ok === true) return 'value' in value
  return value.ok === false && 'error' in value && typeof value.error === 'object' && value.error !== null
}

/**
 * Builds the object the preload exposes as `window.sectioned`. Events arrive over one IPC
 * listener that is attached while anybody is subscribed (one per subscription would trip
 * Node's MaxListenersExceededWarning once a page subscribes more than ten times).
 */
export function createBridge(ipc: IpcRendererLike): SectionedBridge {
  const subscribers = new Map<string, Set<(payload: unknown) => void>>()
  let count = 0

  const dispatch: IpcListener = (_event, name, payload) => {
    if (typeof name !== 'string') return
    for (const callback of [...(subscribers.get(name) ?? [])]) {
      try {
        callback(payload)
      } catch (err) {
        // One failing subscriber must not starve the others of the same event.
        console.error(`Sectioned: a listener of “${name}” failed`, err)
      }
    }
  }

  return {
    async invoke(channel, payload) {
      if (!isRequestChannel(channel)) {
        return failure(ErrorCode.Validation, `Unknown request “${String(channel).slice(0, 80)}”.`)
      }
      try {
        const result = await ipc.invoke(BRIDGE_IPC.invoke, channel, payload)
        return isResult(result)
          ? result
          : failure(ErrorCode.Io, `The app answered ${channel} in an unexpected shape.`)
      } catch (err) {
        // Uncloneable payloads and a main process without a handler reject; the contract promises a Result.
        const reason = err instanceof Error ? err.message : String(err)
        return failure(ErrorCode.Io, `Could not reach the app for ${channel}: ${reason}`)
      }
    },

    on(event, callback) {
      if (!isEventName(event)) throw new TypeError(`Unknown event “${String(event).slice(0, 80)}”.`)
      if (typeof callback !== 'function') throw new TypeError(`The listener of “${event}” is not a function.`)
      // A fresh wrapper per subscription, so subscribing the same function twice needs two unsubscribes.
      const listener = (payload: unknown) => callback(payload)
      let set = subscribers.get(event)
      if (!set) subscribers.set(event, (set = new Set()))
      set.add(listener)
      if (count++ === 0) ipc.on(BRIDGE_IPC.event, dispatch)

      let subscribed = true
      return () => {
        if (!subscribed) return
        subscribed = false
        set.delete(listener)
        if (set.size === 0) subscribers.delete(event)
        if (--count === 0) ipc.removeListener(BRIDGE_IPC.event, dispatch)
      }
    }
  }
}
