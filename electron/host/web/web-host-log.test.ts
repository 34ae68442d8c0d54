/** What the web host leaves in its log: a dropped event, a page whose locks could not be released. */
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { Result } from '../../../shared/errors'
import type { CallContext, ContractEvent, Dispatcher } from '../../services/api/dispatcher-types'
import type { Disposable } from '../../services/core/clock'
import { MemoryLog } from '../../../test/harness/memory-log'
import { startWebHost, type WebHost } from './web-host'

/** A dispatcher whose releases fail (a share gone away), and whose events the test sends. */
class FailingDispatcher implements Dispatcher {
  private readonly listeners = new Set<(e: ContractEvent) => void>()

  async call(_channel: string, _payload: unknown, ctx: CallContext): Promise<Result<unknown>> {
    return { ok: true, value: ctx.clientId }
  }

  onEvent(listener: (e: ContractEvent) => void): Disposable {
    this.listeners.add(listener)
    return { dispose: () => void this.listeners.delete(listener) }
  }

  async clientClosed(): Promise<void> {
    throw new Error('EIO: the share went away')
  }

  emit(e: ContractEvent): void {
    for (const l of this.listeners) l(e)
  }
}

const hosts: WebHost[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()))
})

async function setup() {
  const log = new MemoryLog()
  const dispatcher = new FailingDispatcher()
  const host = await startWebHost({ dispatcher, staticDir: null, log })
  hosts.push(host)
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, {
    origin: `http://127.0.0.1:${host.port}`
  })
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  return { log, dispatcher, host, ws }
}

describe('web host: the log', () => {
  it('an event that cannot be sent leaves a warning naming it', async () => {
    const { log, dispatcher, ws } = await setup()
    // A payload JSON cannot carry (a bug in a service): nobody gets it, the log says so.
    dispatcher.emit({ name: 'document:changed', payload: { size: 1n } })
    expect(log.at('warn')).toEqual([
      {
        level: 'warn',
        message: 'an event could not be sent to the pages',
        fields: { event: 'document:changed', error: expect.stringContaining('BigInt') }
      }
    ])
    ws.terminate()
  })

  it('a page whose locks could not be released leaves a warning, and the host still closes', async () => {
    const { log, host, ws } = await setup()
    const closed = new Promise((resolve) => ws.once('close', resolve))
    ws.close()
    await closed
    await host.close() // waits for the release it started
    expect(log.at('warn')).toEqual([
      {
        level: 'warn',
        message: 'the locks of a closed page could not be released',
        fields: { page: expect.any(String), error: 'EIO: the share went away' }
      }
    ])
  })
})
