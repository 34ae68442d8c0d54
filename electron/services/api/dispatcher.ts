import { contract, isChannel, type Channel, type EventName, type EventOf } from '../../../shared/contract'
import { ErrorCode, toErrorValue, type Result } from '../../../shared/errors'
import type { AppServices } from '../app-services'
import type { Disposable } from '../core/clock'
import { Emitter } from '../core/emitter'
import { ClientLocks } from './client-locks'
import type { CallContext, ContractEvent, Dispatcher } from './dispatcher-types'
import { createHandlers, lockViews, type Handlers } from './handlers'
import { OpenDocumentsPoller } from './open-documents-poller'

/** A dispatcher that also owns its subscriptions to the services. */
export interface OwnedDispatcher extends Dispatcher {
  dispose(): Promise<void>
}

/**
 * Binds the contract to the services once; both transports (Electron IPC, the web host's socket)
 * call through it. Every request is validated against the contract's schema before a handler sees
 * it, and every outcome is a Result with a stable error code — never a thrown error.
 */
export function createDispatcher(s: AppServices): OwnedDispatcher {
  const emitter = new Emitter<{ event: ContractEvent }>()
  const clientLocks = new ClientLocks()
  const emit = <E extends EventName>(name: E, payload: EventOf<E>) => emitter.emit('event', { name, payload })

  /** Lock views differ per window (mine / mine elsewhere), so the broadcast carries the instance-neutral view. */
  const changed = (document: string) => {
    void lockViews(s, clientLocks, document, '')
      .then((locks) => emit('locks:changed', { document, locks }))
      .catch(() => undefined)
  }
  const ownWrites = new Set<string>()
  const poller = new OpenDocumentsPoller(s, {
    locksChanged: changed,
    documentChanged: (document, fileSha256) =>
      emit('document:changed', { document, fileSha256, external: !ownWrites.has(fileSha256) })
  })
  const handlers: Handlers = createHandlers(s, clientLocks, {
    changed,
    opened: (document, sha) => poller.watch(document, sha),
    saved: (document, sha) => {
      // Own saves are recognised by checksum, not timing; windows still refresh on them.
      ownWrites.add(sha)
      if (ownWrites.size > 256) ownWrites.delete(ownWrites.values().next().value as string)
      emit('document:changed', { document, fileSha256: sha, external: false })
    }
  })

  const subscriptions: Disposable[] = [
    s.locks.events.on('lost', ({ lock, reason, newHolder }) => {
      if (!clientLocks.forget(lock)) return
      emit('lock:lost', {
        document: lock.document,
        sectionId: lock.sectionId,
        reason,
        newHolder: newHolder ?? null
      })
      changed(lock.document)
    }),
    s.locks.events.on('idle-warning', ({ lock, releaseInMs }) => {
      if (clientLocks.byToken(lock.token))
        emit('lock:idle-warning', { document: lock.document, sectionId: lock.sectionId, releaseInMs })
    }),
    s.locks.events.on('idle-released', ({ lock }) => {
      if (!clientLocks.forget(lock)) return
      emit('lock:idle-released', { document: lock.document, sectionId: lock.sectionId })
      changed(lock.document)
    })
  ]

  async function call(channel: string, payload: unknown, ctx: CallContext): Promise<Result<unknown>> {
    if (!isChannel(channel)) {
      return {
        ok: false,
        error: { code: ErrorCode.Validation, message: `Unknown request “${String(channel).slice(0, 80)}”.` }
      }
    }
    const parsed = contract[channel].request.safeParse(payload ?? {})
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue?.path.length ? ` (${issue.path.join('.')})` : ''
      return {
        ok: false,
        error: {
          code: ErrorCode.Validation,
          message: `Invalid request for ${channel}${where}: ${issue?.message ?? 'bad shape'}.`
        }
      }
    }
    try {
      const handler = handlers[channel] as (req: unknown, ctx: CallContext) => Promise<unknown>
      return { ok: true, value: await handler(parsed.data, ctx) }
    } catch (err) {
      return { ok: false, error: toErrorValue(err) }
    }
  }

  return {
    call,
    onEvent: (listener) => emitter.on('event', listener),
    async clientClosed(clientId) {
      for (const held of clientLocks.ofClient(clientId)) {
        clientLocks.forget(held.handle)
        await s.locks.release(held.handle, 'window closed').catch(() => undefined)
        changed(held.handle.document)
      }
    },
    async dispose() {
      await poller.dispose()
      for (const d of subscriptions) d.dispose()
      emitter.clear()
    }
  }
}

/** The channels of the contract (for transports that list what they accept). */
export const channels = Object.keys(contract) as Channel[]
