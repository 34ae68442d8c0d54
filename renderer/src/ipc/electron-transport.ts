import type { SectionedBridge } from '../../../shared/bridge'
import type { ConnectionStatus, Transport } from './transport'

/**
 * Electron's preload bridge (`window.sectioned`) as a transport. The main process lives as long as
 * the window, so the connection is always open.
 */
export function createElectronTransport(bridge: SectionedBridge): Transport {
  return {
    kind: 'electron',
    invoke: (channel, payload) => bridge.invoke(channel, payload),
    on: (event, callback) => bridge.on(event, callback),
    onStatus(callback: (status: ConnectionStatus) => void) {
      callback('open')
      return () => undefined
    }
  }
}

/** The bridge the preload exposed, if this renderer runs inside Electron. */
export function findBridge(win: Window): SectionedBridge | null {
  const candidate = (win as Window & { sectioned?: unknown }).sectioned
  if (typeof candidate !== 'object' || candidate === null) return null
  const b = candidate as Partial<SectionedBridge>
  return typeof b.invoke === 'function' && typeof b.on === 'function' ? (b as SectionedBridge) : null
}
