/**
 * For the dispatcher's tests (not used by production code): a fresh workspace folder holding one
 * document per test, instances on it with a dispatcher each, disposed after the test; and the
 * Result helpers `ok` and `fail`.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import type { Result } from '../../shared/errors'
import { openWorkspace, type AppServices } from '../../electron/services/app-services'
import { FakeClock } from './fake-clock'
import { testIdentity } from './test-identity'
import { createDispatcher, type OwnedDispatcher } from '../../electron/services/api/dispatcher'
import type { ContractEvent } from '../../electron/services/api/dispatcher-types'

/** The document every test starts with, and its text. */
export const DOC = 'plan.md'
export const TEXT = 'Intro\n\n# Budget\n\nMoney\n\n## Risks\n\nSome\n'

/** The value of a Result that must be ok. */
export function ok<T = Record<string, unknown>>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`)
  return r.value as T
}

/** The error of a Result that must have failed. */
export function fail(r: Result<unknown>) {
  if (r.ok) throw new Error('expected a failure')
  return r.error
}

/**
 * Registers the per-test workspace (call at the top of a test file). `root()` is this test's
 * folder; `open(user)` starts an instance there with a dispatcher, recording its events.
 */
export function dispatcherWorkspace() {
  let root = ''
  const opened: { s: AppServices; d: OwnedDispatcher }[] = []
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-api-'))
    await fs.writeFile(path.join(root, DOC), TEXT)
  })
  afterEach(async () => {
    for (const { s, d } of opened.splice(0)) {
      await d.dispose()
      await s.dispose()
    }
    await fs.rm(root, { recursive: true, force: true })
  })
  return {
    root: () => root,
    async open(user: string, clock = new FakeClock()) {
      const s = await openWorkspace({
        folder: root,
        identity: testIdentity(user),
        clock,
        lockSettings: { heartbeatIntervalMs: 1000, idleTimeoutMs: 0 }
      })
      const d = createDispatcher(s)
      opened.push({ s, d })
      const events: ContractEvent[] = []
      d.onEvent((e) => events.push(e))
      return { s, d, events }
    },
    /** Records an instance opened another way (so it is disposed after the test too). */
    track(s: AppServices, d: OwnedDispatcher) {
      opened.push({ s, d })
    }
  }
}
