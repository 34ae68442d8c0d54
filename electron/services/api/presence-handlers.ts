/**
 * The contract's `presence:*` handlers: a window tells where its cursor is (presence:set), and
 * asks who else is present (presence:list). Changes reach every window as `presence:changed`,
 * sent by the dispatcher from the presence service's events.
 */
import type { AppServices } from '../app-services'
import type { Handlers } from './handlers'

/** The handlers of the `presence:*` channels. */
export function createPresenceHandlers(s: AppServices): Pick<Handlers, 'presence:list' | 'presence:set'> {
  return {
    'presence:list': async () => ({ others: s.presence.others() }),
    'presence:set': async (req, ctx) => {
      const document = req.document === null ? null : s.workspace.resolveDocument(req.document).rel
      s.presence.set(
        ctx.clientId,
        document === null ? null : { document, sectionId: req.sectionId, heading: req.heading }
      )
      return { ok: true as const }
    }
  }
}
