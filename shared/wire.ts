/**
 * Frames of the web host's WebSocket (SPEC A2): the same contract as Electron IPC, as JSON text.
 * Client → server: a request. Server → client: the reply to a request (matched by id) or an event.
 */
import type { Result } from './errors'

/** A request from the page. */
export interface RequestFrame {
  id: number
  channel: string
  payload: unknown
}

/** The answer to one request. `id` is null when the request frame itself was unreadable. */
export interface ReplyFrame {
  id: number | null
  result: Result<unknown>
}

/** An event pushed to every connected page. */
export interface EventFrame {
  event: string
  payload: unknown
}
