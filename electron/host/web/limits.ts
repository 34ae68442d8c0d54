/**
 * The web host's resource limits: how many sockets it keeps, how much a page may have in flight,
 * and how long a request may take to arrive. A page that goes past one loses its own connection;
 * the host and the other pages carry on. Tests pass smaller values to reach them quickly.
 */
import { MAX_FRAME_BYTES } from './protocol'

/** The limits of one web host (every field in bytes, sockets or milliseconds). */
export interface WebHostLimits {
  /**
   * Open TCP sockets at once, page requests and API sockets together (an API socket is an upgraded
   * HTTP socket, so one count covers both). Past it a new socket is closed as soon as it is
   * accepted, before any byte is read: the host stays far below the process's file limit.
   */
  maxConnections: number
  /** Largest WebSocket message accepted (ws's `maxPayload`); a larger one closes its socket with 1009. */
  maxFrameBytes: number
  /**
   * Bytes of one socket's requests received but not yet answered, and of its replies and events
   * not yet taken by the page. Past it that socket is closed with 1008 and a reason.
   */
  maxInFlightBytes: number
  /** Largest event frame pushed to the pages; a larger one is replaced by a short notice. */
  maxEventBytes: number
  /** Time for a request's headers to arrive (Node's `server.headersTimeout`). */
  headersTimeoutMs: number
  /** Time for a whole request to arrive (Node's `server.requestTimeout`); API sockets are not bound by it. */
  requestTimeoutMs: number
}

/**
 * The defaults. 64 sockets: a writer has a few tabs, each with one API socket and a handful of
 * page requests (EMFILE was reached at 512 descriptors). Two largest frames in flight: a page may
 * save its largest section while the journal write of the same text is still being answered.
 */
export const DEFAULT_LIMITS: Readonly<WebHostLimits> = {
  maxConnections: 64,
  maxFrameBytes: MAX_FRAME_BYTES,
  maxInFlightBytes: 2 * MAX_FRAME_BYTES,
  maxEventBytes: 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000
}

/** The defaults with `overrides` applied; every value must be a positive whole number. */
export function resolveLimits(overrides: Partial<WebHostLimits> = {}): WebHostLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides }
  for (const [name, value] of Object.entries(limits))
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new Error(`The web host's limit ${name} must be a positive whole number (got ${value}).`)
  if (limits.maxInFlightBytes < limits.maxFrameBytes)
    throw new Error("The web host's maxInFlightBytes must be at least maxFrameBytes.")
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    throw new Error("The web host's headersTimeoutMs must not exceed requestTimeoutMs.")
  return limits
}
