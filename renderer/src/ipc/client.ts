import {
  contract,
  events,
  type Channel,
  type EventName,
  type EventOf,
  type RequestOf,
  type ResponseOf
} from '../../../shared/contract'
import { ErrorCode, type Result } from '../../../shared/errors'
import type { ConnectionStatus, Transport } from './transport'

/**
 * The renderer's only way to the services. Typed from the contract; it checks every response and
 * event against the contract's schema too, so a value is typed because it was validated — no
 * casts at call sites, and a mismatched main process shows up as an error, not as a broken screen.
 */
export class SectionedClient {
  constructor(private readonly transport: Transport) {}

  get transportKind(): 'electron' | 'web' {
    return this.transport.kind
  }

  /** Sends a request; always resolves to a Result. */
  async call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>> {
    const result = await this.transport.invoke(channel, request)
    if (!result.ok) return result
    const parsed = contract[channel].response.safeParse(result.value)
    if (!parsed.success) {
      return {
        ok: false,
        error: { code: ErrorCode.Io, message: `The app answered ${channel} in an unexpected shape.` }
      }
    }
    return { ok: true, value: parsed.data as ResponseOf<C> }
  }

  /** Subscribes to an event; payloads that do not match the contract are dropped. */
  on<E extends EventName>(event: E, callback: (payload: EventOf<E>) => void): () => void {
    return this.transport.on(event, (payload) => {
      const parsed = events[event].safeParse(payload)
      if (parsed.success) callback(parsed.data as EventOf<E>)
    })
  }

  /** Connection state of the transport. */
  onStatus(callback: (status: ConnectionStatus) => void): () => void {
    return this.transport.onStatus(callback)
  }
}
