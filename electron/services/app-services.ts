import { promises as fs } from 'node:fs'
import { NotFoundError } from '../../shared/errors'
import type { Identity } from '../../shared/types'
import { AuditLog } from './audit/audit-log'
import { clockFromEnv, type Clock, type Disposable } from './core/clock'
import { createIdentity } from './core/identity'
import { Workspace } from './core/workspace'
import { DocumentService } from './documents/document-service'
import { HistoryStore } from './history/history-store'
import { cleanupLeftovers } from './locks/lock-admin'
import type { LockSettings } from './locks/lock-config'
import { LockService } from './locks/lock-service'
import { Metrics } from './metrics/metrics'
import { publishSnapshot, removeSnapshot } from './metrics/metrics-store'

/** How to open a workspace. */
export interface OpenWorkspaceOptions {
  folder: string
  user?: string
  identity?: Identity
  clock?: Clock
  lockSettings?: Partial<LockSettings>
  /** Start heartbeats, idle checks and metrics publishing (default true; one-shot CLI reads pass false). */
  start?: boolean
  /** Release this writer's leftovers from an earlier run that ended (SPEC L6; default true when starting). */
  cleanup?: boolean
  /** Read-only use (CLI inspection): never writes derived data such as the section index. */
  readOnly?: boolean
}

/** The services of one app instance on one workspace, wired together. */
export interface AppServices {
  workspace: Workspace
  identity: Identity
  clock: Clock
  audit: AuditLog
  metrics: Metrics
  locks: LockService
  history: HistoryStore
  documents: DocumentService
  /** Stops everything in reverse order of start: releases locks, flushes the audit trail. */
  dispose(): Promise<void>
}

/**
 * The composition root: builds the services in dependency order, starts them, and returns one
 * `dispose` that shuts them down in reverse. The Electron main process, the web host and the CLI
 * all open a workspace through here.
 */
export async function openWorkspace(opts: OpenWorkspaceOptions): Promise<AppServices> {
  const stat = await fs.stat(opts.folder).catch(() => null)
  if (!stat?.isDirectory()) throw new NotFoundError(`The workspace folder “${opts.folder}” does not exist.`)
  const workspace = new Workspace(opts.folder)
  const clock = opts.clock ?? clockFromEnv()
  const identity = opts.identity ?? createIdentity({ user: opts.user })
  const audit = new AuditLog(workspace, identity, clock)
  const metrics = new Metrics(clock)
  const locks = new LockService({ workspace, identity, clock, settings: opts.lockSettings, audit, metrics })
  const history = new HistoryStore(workspace, clock)
  const documents = new DocumentService({
    workspace,
    identity,
    locks,
    history,
    clock,
    audit,
    metrics,
    persistIndexOnRead: !opts.readOnly
  })
  const started: Disposable[] = []
  let publishing: Promise<void> = Promise.resolve()
  const start = opts.start ?? true
  if (opts.cleanup ?? start) {
    await cleanupLeftovers(locks, workspace)
    await documents.removeStaleTempFiles()
  }
  if (start) {
    locks.start()
    // The latest publish is kept so dispose can wait for it: a write after dispose would leak.
    const publish = () =>
      (publishing = publishSnapshot(workspace, identity, metrics.snapshot(), clock).then(
        () => undefined,
        () => undefined
      ))
    started.push(clock.setInterval(publish, locks.settings.heartbeatIntervalMs))
    void publish()
  }
  return {
    workspace,
    identity,
    clock,
    audit,
    metrics,
    locks,
    history,
    documents,
    async dispose() {
      for (const d of started.reverse()) d.dispose()
      await publishing
      await locks.dispose()
      // Snapshots describe running instances; a stopped one removes its own (else they pile up per run).
      if (start) await removeSnapshot(workspace, identity.instanceId).catch(() => undefined)
      await audit.dispose()
    }
  }
}
