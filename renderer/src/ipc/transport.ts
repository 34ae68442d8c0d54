import type { Result } from '../../../shared/errors'

/** How the renderer reaches the services: Electron's preload bridge or the web host's socket. */
export interface Transport {
  readonly kind: 'electron' | 'web'
  invoke(channel: string, payload: unknown): Promise<Result<unknown>>
  /** Subscribes to a contract event; returns an unsubscribe. */
  on(event: string, callback: (payload: unknown) => void): () => void
  /** Connection state changes (the web socket can drop and reconnect). */
  onStatus(callback: (status: ConnectionStatus) => void): () => void
}

/** Whether the services can be reached right now. */
export type ConnectionStatus = 'connecting' | 'open' | 'closed'
