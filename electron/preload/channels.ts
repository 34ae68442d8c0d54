/**
 * The names of the contract's request and event channels, without the contract's zod schemas.
 *
 * Why a second list: a sandboxed preload can `require` nothing but 'electron' and a few Node
 * built-ins, and electron-vite leaves `dependencies` such as zod as `require()` calls — importing
 * shared/contract.ts here would break the preload at load time. The `satisfies` clauses make the
 * compiler reject any channel that is missing or extra, and channels.test.ts checks the lists against
 * `isChannel` and `events` at run time, so the two cannot drift.
 */
import type { Channel, EventName } from '../../shared/contract'

/** Every request channel of the contract, as a set of keys (exported for the parity test). */
export const REQUEST_CHANNELS = Object.freeze({
  'workspace:info': true,
  'workspace:status': true,
  'documents:list': true,
  'documents:open': true,
  'documents:changes': true,
  'locks:list': true,
  'locks:acquire': true,
  'locks:release': true,
  'locks:touch': true,
  'sections:save': true,
  'sections:delete': true,
  'sections:move': true,
  'requests:send': true,
  'requests:pending': true,
  'requests:answer': true,
  'settings:get': true,
  'settings:set': true,
  'places:get': true,
  'places:remember': true,
  'history:list': true,
  'history:deleted': true,
  'history:restore': true,
  'drafts:list': true,
  'drafts:discard': true,
  'journal:write': true,
  'journal:list': true,
  'journal:discard': true,
  'search:query': true,
  'files:create': true,
  'files:mkdir': true,
  'files:rename': true,
  'files:trash': true,
  'files:trash-list': true,
  'files:restore': true,
  'files:duplicate': true,
  'files:asset': true,
  'files:save-image': true,
  'export:formats': true,
  'export:convert': true,
  'export:pdf': true,
  'presence:list': true,
  'presence:set': true,
  'app:flushed': true,
  'app:notify': true
} as const satisfies Record<Channel, true>)

/** Every event of the contract, as a set of keys (exported for the parity test). */
export const EVENT_NAMES = Object.freeze({
  'locks:changed': true,
  'document:changed': true,
  'lock:lost': true,
  'lock:idle-warning': true,
  'lock:idle-released': true,
  'document:removed': true,
  'document:renamed': true,
  'folders:changed': true,
  'watch:mode': true,
  'workspace:problem': true,
  'edit:requested': true,
  'edit:answered': true,
  'presence:changed': true,
  'app:flush': true,
  'app:notification-clicked': true
} as const satisfies Record<EventName, true>)

/** True when `name` is a request channel of the contract (the same answer as `isChannel`). */
export function isRequestChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(REQUEST_CHANNELS, name)
}

/** True when `name` is an event channel of the contract (a key of `events`). */
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(EVENT_NAMES, name)
}
