/**
 * The web host's wire protocol (SPEC A2): JSON text frames on one WebSocket at `/api`.
 *
 *   client → server  {"id": 7, "channel": "sections:list", "payload": {…}}
 *   server → client  {"id": 7, "result": {"ok": true, "value": …}}      the reply to request 7
 *   server → client  {"event": "locks:changed", "payload": {…}}         pushed to every page
 *
 * The frame types live in shared/wire.ts (the renderer's transport already imports them from
 * there); this module re-exports them and adds the server's reader of request frames. It imports
 * types only, so it stays free of runtime dependencies.
 */
import type { EventFrame, ReplyFrame, RequestFrame } from '../../../shared/wire'

export type { EventFrame, ReplyFrame, RequestFrame }

/** Any frame the server sends. */
export type ServerFrame = ReplyFrame | EventFrame

/** The WebSocket's path on the host; anything else is refused at the upgrade. */
export const API_PATH = '/api'

/**
 * Largest frame accepted from a page: 96 MiB. The largest legitimate request is a save (or journal
 * write) of a whole document, and documents may hold 64 MiB (the contract's section text and the
 * share's document cap). JSON escaping adds 1 byte per newline, tab, quote or backslash (about 3 %
 * in prose) and 5 per other control character, so half as much again leaves room for text that is
 * dense with them, while a frame over it can only be something no page sends.
 */
export const MAX_FRAME_BYTES = 96 * 1024 * 1024

/** Longest channel name accepted; contract channels are short `domain:verb` names. */
const MAX_CHANNEL_LENGTH = 200

/** What reading one request frame gives: the request, or why it was refused (with its id if known). */
export type ParsedRequest =
  { ok: true; frame: RequestFrame } | { ok: false; id: number | null; message: string }

/**
 * Reads a client frame without trusting it: anything but `{ id: integer, channel: string,
 * payload?: unknown }` is refused with a message for the reply. A missing payload is undefined
 * (JSON.stringify drops `payload: undefined`, so a request without one arrives without the key).
 */
export function parseRequestFrame(text: string): ParsedRequest {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, id: null, message: 'The request is not valid JSON.' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, id: null, message: 'The request must be a JSON object.' }
  const frame = value as Record<string, unknown>
  const id = typeof frame.id === 'number' && Number.isSafeInteger(frame.id) ? frame.id : null
  if (id === null) return { ok: false, id: null, message: 'The request needs a whole-number "id".' }
  const channel = frame.channel
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > MAX_CHANNEL_LENGTH)
    return { ok: false, id, message: 'The request needs a "channel" name.' }
  return { ok: true, frame: { id, channel, payload: frame.payload } }
}
