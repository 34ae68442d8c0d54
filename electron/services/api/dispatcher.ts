import {
  contract,
  isChannel,
  type Channel,
  type EventName,
  type EventOf,
  type ValidRequestOf
} from '../../../shared/contract'
import { ErrorCode, toErrorValue, type Result } from '../../../shared/errors'
import type { AppServices } from '../app-services'
import type { Disposable } from '../core/clock'
import { Emitter } from '../core/emitter'
import { errorText } from '../log/log'
import type { EditRequest } from '../requests/edit-requests'
import { ClientLocks } from './client-locks'
import type { CallContext, ContractEvent, Dispatcher } from './dispatcher-types'
import type { SettingsChange } from './settings-handlers'
import { createHandlers, lockViews, requestView, viewsForClient, type Handlers } from './handlers'

/** A dispatcher that also owns its subscriptions to the services. */
export interface OwnedDispatcher extends Dispatcher {
  /** True while the window holds a lock — the only case in which it can have unsaved text. */
  holdsLocks(clientId: string): boolean
  dispose(): Promise<void>
}

/** How a transport wires the dispatcher to its host. */
export interface DispatcherOptions {
  /** The host's settings file; absent: this host keeps no settings. */
  settingsFile?: string
  /** A window called `app:flushed` (Electron closes it then); the web host passes nothing. */
  onFlushed?: (clientId: string) => void
  /** Shows an OS notification for a window (Electron); the web host passes nothing (the page shows its own). */
  onNotify?: (notice: ValidRequestOf<'app:notify'>, clientId: string) => boolean
  /** A window stored settings (Electron applies the spell checker's language); the web host passes nothing. */
  onSettingsChanged?: (changes: SettingsChange) => void
  /** Prints a window to PDF (Electron); the web host passes nothing (the page uses the browser's print). */
  onPrintToPdf?: (clientId: string) => Promise<Uint8Array | null>
}

/**
 * Binds the contract to the services once; both transports (Electron IPC, the web host's socket)
 * call through it. Every request is validated against the contract's schema before a handler sees
 * it, and every outcome is a Result with a stable error code — never a thrown error. Other
 * instances' changes arrive through the workspace watcher (`s.watcher`); this instance's own lock
 * changes and saves are announced at once by the handlers.
 */
export function createDispatcher(s: AppServices, opts: DispatcherOptions = {}): OwnedDispatcher {
  const emitter = new Emitter<{ event: ContractEvent }>()
  const clientLocks = new ClientLocks()
  const emit = <E extends EventName>(name: E, payload: EventOf<E>) => emitter.emit('event', { name, payload })
  /** Documents windows opened, by docKey: a lock folder seen before its record names its document. */
  const opened = new Map<string, string>()
  /** Last checksum announced per document: the watcher's sighting of an own save is not repeated. */
  const announced = new Map<string, string>()

  /**
   * Lock views differ per window (mine / mine elsewhere): the locks are read once, and each window
   * gets its own view of them (`forClient`), so it need not ask again with `locks:list`.
   */
  const lockReads = new Map<string, number>()
  const changed = (document: string) => {
    const n = (lockReads.get(document) ?? 0) + 1
    lockReads.set(document, n)
    void lockViews(s, clientLocks, document, '')
      .then((locks) =>
        // Reads can finish out of order: only the latest one asked for is sent.
        lockReads.get(document) !== n
          ? undefined
          : emitter.emit('event', {
              name: 'locks:changed',
              payload: { document, locks } satisfies EventOf<'locks:changed'>,
              forClient: (clientId) =>
                ({
                  document,
                  locks: viewsForClient(s, clientLocks, locks, clientId)
                }) satisfies EventOf<'locks:changed'>
            })
      )
      .catch((err: unknown) =>
        // The windows keep the lock badges they had until the next change reads the locks again.
        s.log.warn('the locks of a document could not be read; its windows were not told', {
          document,
          error: errorText(err)
        })
      )
  }
  const documentChanged = (document: string, fileSha256: string, external: boolean) => {
    if (announced.get(document) === fileSha256) return
    announced.set(document, fileSha256)
    emit('document:changed', { document, fileSha256, external })
  }
  const handlers: Handlers = createHandlers(s, clientLocks, {
    settingsFile: opts.settingsFile ?? null,
    changed,
    opened: (document, sha) => {
      opened.set(s.workspace.docKey(document), document)
      if (!announced.has(document)) announced.set(document, sha)
    },
    // Own saves are recognised by checksum, not timing; windows still refresh on them. The search
    // index reads the document again now rather than after the watcher's debounce.
    saved: (document, sha) => {
      s.search.changed(document)
      documentChanged(document, sha, false)
    },
    flushed: (clientId) => opts.onFlushed?.(clientId),
    notify: (notice, clientId) => opts.onNotify?.(notice, clientId) ?? false,
    settingsChanged: (changes) => opts.onSettingsChanged?.(changes),
    printToPdf: async (clientId) => (opts.onPrintToPdf ? opts.onPrintToPdf(clientId) : null),
    removed: (document) => {
      announced.delete(document)
      emit('document:removed', { document })
    },
    renamed: (from, to) => emit('document:renamed', { from, to })
  })
  /** Calls each client has in flight: a closing client's locks wait for them (a save sent as the window closed). */
  const inFlight = new Map<string, Set<Promise<unknown>>>()
  /** Clients being closed: their next calls (Electron reuses a window's id after a reload) wait for it. */
  const closing = new Map<string, Promise<void>>()

  function track(clientId: string, p: Promise<unknown>): void {
    let calls = inFlight.get(clientId)
    if (!calls) inFlight.set(clientId, (calls = new Set()))
    calls.add(p)
    const done = () => {
      calls.delete(p)
      if (calls.size === 0 && inFlight.get(clientId) === calls) inFlight.delete(clientId)
    }
    p.then(done, done)
  }

  async function closeClient(clientId: string, previous: Promise<void> | undefined): Promise<void> {
    await previous?.catch(() => undefined)
    // Only the calls sent before the close: later ones (a reloaded page) wait in `call` until it is done.
    const calls = inFlight.get(clientId)
    if (calls) await Promise.allSettled([...calls])
    s.presence.clientClosed(clientId)
    for (const held of clientLocks.ofClient(clientId)) {
      clientLocks.forget(held.handle)
      await s.locks.releaseLogged(held.handle, 'window closed')
      changed(held.handle.document)
    }
  }

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
    }),
    s.presence.events.on('changed', ({ others }) => emit('presence:changed', { others })),
    ...watcherSubscriptions()
  ]

  function watcherSubscriptions(): Disposable[] {
    const w = s.watcher
    if (!w) return []
    return [
      w.events.on('document-changed', ({ document, sha256, external }) =>
        documentChanged(document, sha256, external)
      ),
      w.events.on('document-removed', ({ document }) => {
        announced.delete(document)
        emit('document:removed', { document })
      }),
      // Renamed or moved by another instance or outside the app: windows on it follow.
      w.events.on('document-renamed', ({ from, to }) => {
        announced.delete(from)
        emit('document:renamed', { from, to })
      }),
      w.events.on('locks-changed', ({ document, docKey }) => {
        const doc = document ?? opened.get(docKey)
        if (doc) changed(doc)
      }),
      w.events.on('folders-changed', ({ folder }) => emit('folders:changed', { folder })),
      w.events.on('mode', (mode) => emit('watch:mode', mode)),
      w.events.on('error', ({ message }) => emit('workspace:problem', { message })),
      w.events.on(
        'request-changed',
        ({ id }) =>
          void requestChanged(id).catch((err: unknown) =>
            s.log.warn('an edit request could not be read; its windows were not told', {
              request: id,
              error: errorText(err)
            })
          )
      )
    ]
  }

  /** An edit request file appeared or changed: show it to the holder, or the answer to the requester. */
  async function requestChanged(id: string): Promise<void> {
    const r: EditRequest | null = await s.requests.read(id)
    if (!r) return
    const me = s.identity.instanceId
    if (r.answer === null && r.to.instanceId === me) emit('edit:requested', requestView(r))
    else if (r.answer !== null && r.from.instanceId === me) {
      await s.requests.remove(id)
      const { document, sectionId, heading } = r
      emit('edit:answered', { id, document, sectionId, heading, answer: r.answer.answer, by: r.answer.by })
    }
  }

  async function call(channel: string, payload: unknown, ctx: CallContext): Promise<Result<unknown>> {
    const closingNow = closing.get(ctx.clientId)
    if (closingNow) await closingNow
    const result = dispatch(channel, payload, ctx)
    track(ctx.clientId, result)
    return result
  }

  async function dispatch(channel: string, payload: unknown, ctx: CallContext): Promise<Result<unknown>> {
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
    clientClosed(clientId) {
      const run = closeClient(clientId, closing.get(clientId))
      closing.set(clientId, run)
      const done = () => {
        if (closing.get(clientId) === run) closing.delete(clientId)
      }
      run.then(done, done)
      return run
    },
    holdsLocks: (clientId) => clientLocks.ofClient(clientId).length > 0,
    async dispose() {
      for (const d of subscriptions) d.dispose()
      emitter.clear()
    }
  }
}

/** The channels of the contract (for transports that list what they accept). */
export const channels = Object.keys(contract) as Channel[]
