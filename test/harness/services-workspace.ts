/**
 * For service tests on a real folder (not used by production code): a fresh workspace folder per
 * test holding the given documents, and instances opened on it with a fake clock, each disposed
 * after the test. Call at the top of a test file.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import { openWorkspace, type AppServices } from '../../electron/services/app-services'
import { DocumentService } from '../../electron/services/documents/document-service'
import type { LockSettings } from '../../electron/services/locks/lock-config'
import { FakeClock } from './fake-clock'
import { testIdentity } from './test-identity'

export function servicesWorkspace(prefix: string, documents: Record<string, string>) {
  let root = ''
  const opened: AppServices[] = []
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), `sectioned-${prefix}-`))
    for (const [name, text] of Object.entries(documents)) await fs.writeFile(path.join(root, name), text)
  })
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.dispose()))
    await fs.rm(root, { recursive: true, force: true })
  })
  return {
    root: () => root,
    /** An instance of `user` on this test's folder (heartbeat 1 s, no idle release, unless `settings` say). */
    async open(
      user: string,
      clock = new FakeClock(),
      settings: Partial<LockSettings> = {}
    ): Promise<AppServices> {
      const s = await openWorkspace({
        folder: root,
        identity: testIdentity(user),
        clock,
        lockSettings: { heartbeatIntervalMs: 1000, idleTimeoutMs: 0, ...settings }
      })
      opened.push(s)
      return s
    }
  }
}

/**
 * A DocumentService over `s`'s own services whose own-write hook calls `note` right before each
 * save's rename into place (what a test looks at, or does, at that moment).
 */
export function documentsNoting(s: AppServices, note: () => void): DocumentService {
  return new DocumentService({
    workspace: s.workspace,
    identity: s.identity,
    locks: s.locks,
    history: s.history,
    clock: s.clock,
    audit: s.audit,
    ownWrites: { note, forget: () => undefined }
  })
}
