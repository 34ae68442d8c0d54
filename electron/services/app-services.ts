import { NotFoundError } from '../../shared/errors'
import type { Identity } from '../../shared/types'
import { AuditLog } from './audit/audit-log'
import { clockFromEnv, type Clock, type Disposable } from './core/clock'
import { createIdentity } from './core/identity'
import { ensureDir, isFolder } from './core/share-fs'
import { Workspace } from './core/workspace'
import { DocumentService } from './documents/document-service'
import { KnownGoodIndexes } from './documents/known-good-indexes'
import { RenameAdopter } from './files/adopt-renames'
import { HistoryStore } from './history/history-store'
import { JournalStore } from './journal/journal-store'
import { errorText, silentLog, type Log } from './log/log'
import { cleanupLeftovers } from './locks/lock-admin'
import type { LockSettings } from './locks/lock-config'
import { LockService } from './locks/lock-service'
import { Metrics } from './metrics/metrics'
import { publishSnapshot, removeSnapshot } from './metrics/metrics-store'
import { StructureOps } from './documents/structure-ops'
import { FileOps } from './files/file-ops'
import { EditRequests } from './requests/edit-requests'
import { OwnWriteRegistry } from './watch/own-writes'
import type { WatchModeOverride } from './watch/watch-mode'
import { detectMount } from './watch/mount-type'
import { WorkspaceWatcher } from './watch/workspace-watcher'
import { SearchService } from './search/search-service'
import { PresenceService } from './presence/presence-service'

/** Longer than the ~1 s that sshfs was seen serving a torn read of another mount's save. */
const NETWORK_SETTLE_MS = 2_000

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
  /**
   * Watch the workspace for other writers (SPEC W1–W3): the app and the web host do, one-shot CLI
   * commands do not. `mode` `auto` polls on network file systems.
   */
  watch?: { mode?: WatchModeOverride; pollIntervalMs?: number }
  /**
   * The local journal of unsaved text, on this machine (never in the shared folder): Electron passes
   * `<userData>/journal`, the web host `<config dir>/journal`; the CLI none (no journal).
   */
  journalDir?: string
  /**
   * Where this machine remembers the stored indexes it checked (known-good-indexes.ts): Electron's
   * userData, the web host's config folder; none (a parse to check each, once per run) for the CLI.
   */
  knownGoodIndexesFile?: string
  /** The host's diagnostics log: failed releases, heartbeats, broadcasts and clean-ups (default: none). */
  log?: Log
  /** The search index's worker bundle; null: index in this thread; absent: the bundle beside this one. */
  searchWorker?: string | null
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
  /** Delete and move sections under the document lock. */
  structure: StructureOps
  /** Create, rename or move, trash and restore, duplicate documents; make folders. */
  files: FileOps
  /** Edit requests between writers. */
  requests: EditRequests
  /** Contents this instance wrote, so the watcher does not report them as external changes. */
  ownWrites: OwnWriteRegistry
  /** The local journal of unsaved text; null when this host keeps none (the CLI). */
  journal: JournalStore | null
  /** The workspace watcher, started, when `watch` was asked for. */
  watcher: WorkspaceWatcher | null
  /** Full-text search over the workspace (built on first use). */
  search: SearchService
  /** Who has which document open: this instance's presence record and everyone else's (started with `start` and `watch`). */
  presence: PresenceService
  /** The host's diagnostics log (the services write to it; it outlives them: the host closes it). */
  log: Log
  /** Stops everything in reverse order of start: releases locks, flushes the audit trail. */
  dispose(): Promise<void>
}

/**
 * The composition root: builds the services in dependency order, starts them, and returns one
 * `dispose` that shuts them down in reverse. The Electron main process, the web host and the CLI
 * all open a workspace through here.
 */
export async function openWorkspace(opts: OpenWorkspaceOptions): Promise<AppServices> {
  if (!(await isFolder(opts.folder)))
    throw new NotFoundError(`The workspace folder “${opts.folder}” does not exist.`)
  // The mount first, without blocking the thread (macOS and Windows run a tool for it): the
  // workspace's registration below then finds the table read (see detectMountSync).
  const mount = await detectMount(opts.folder).catch(() => null)
  const workspace = new Workspace(opts.folder)
  const clock = opts.clock ?? clockFromEnv()
  const log = opts.log ?? silentLog
  /** A clean-up that failed is left for the next start (or staleness) to finish: a line, not an error. */
  const cleanupFailed = (what: string) => (err: unknown) => log.warn(what, { error: errorText(err) })
  const identity = opts.identity ?? createIdentity({ user: opts.user })
  const audit = new AuditLog(workspace, identity, clock)
  const metrics = new Metrics(clock)
  // On a network drive a read may come through a stale cache for a moment (see DocumentService),
  // and native events do not show other machines' changes (write-mutex waiters poll instead).
  const network = mount?.network ?? false
  const locks = new LockService({
    workspace,
    identity,
    clock,
    settings: opts.lockSettings,
    audit,
    metrics,
    nativeEvents: !network,
    log
  })
  const history = new HistoryStore(workspace, clock)
  const ownWrites = new OwnWriteRegistry(clock)
  const knownGood = opts.knownGoodIndexesFile
    ? new KnownGoodIndexes(opts.knownGoodIndexesFile, workspace.root, clock)
    : undefined
  const documents = new DocumentService({
    knownGoodIndexes: knownGood,
    ownWrites,
    settleMs: network ? NETWORK_SETTLE_MS : 0,
    workspace,
    identity,
    locks,
    history,
    clock,
    audit,
    metrics,
    persistIndexOnRead: !opts.readOnly
  })
  const structure = new StructureOps({
    workspace,
    identity,
    clock,
    locks,
    history,
    documents,
    audit
  })
  const files = new FileOps({ workspace, identity, clock, locks, documents, ownWrites, audit })
  const requests = new EditRequests(workspace, identity, clock, log)
  const journal = opts.journalDir
    ? new JournalStore({ dir: opts.journalDir, root: workspace.root, clock, user: identity.user })
    : null
  const presence = new PresenceService({
    workspace,
    identity,
    clock,
    heartbeatIntervalMs: locks.settings.heartbeatIntervalMs,
    staleAfterBeats: locks.settings.staleAfterBeats,
    log
  })
  const started: Disposable[] = []
  let publishing: Promise<void> = Promise.resolve()
  const start = opts.start ?? true
  if (opts.cleanup ?? start) {
    await cleanupLeftovers(locks, workspace)
    await documents.removeStaleTempFiles()
    // A rename, delete or restore that an ended process left half done is finished (or undone).
    await files.recoverMoves().catch(cleanupFailed('an unfinished file move could not be finished'))
    await requests.removeOld().catch(cleanupFailed('old edit requests could not be removed'))
  }
  if (start) {
    locks.start()
    // The latest publish is kept so dispose can wait for it: a write after dispose would leak.
    const publish = () =>
      (publishing = publishSnapshot(workspace, identity, metrics.snapshot(), clock).then(
        () => undefined,
        cleanupFailed('the metrics snapshot could not be published; tried again at the next beat')
      ))
    started.push(clock.setInterval(publish, locks.settings.heartbeatIntervalMs))
    started.push(
      files.startRecovery(
        locks.settings.heartbeatIntervalMs,
        cleanupFailed('an unfinished file move could not be finished; tried again at the next beat')
      )
    )
    void publish()
  }
  const watcher = opts.watch ? new WorkspaceWatcher({ workspace, clock, ownWrites, ...opts.watch }) : null
  const search = new SearchService({
    root: workspace.root,
    listDocuments: () => documents.listDocuments(),
    watcher: watcher?.events ?? null,
    workerFile: opts.searchWorker,
    log,
    clock
  })
  // A rename made outside the app: the document's history follows it (any instance that saw it;
  // the document locks let one do it). Windows are told by the dispatcher.
  const adopter = new RenameAdopter(files, clock, (from, to, err) =>
    cleanupFailed(`the history of “${from}” could not follow it to “${to}”; it stays under the old name`)(err)
  )
  const renamedOutside = watcher?.events.on('document-renamed', ({ from, to, sha256 }) =>
    adopter.adopt(from, to, sha256)
  )
  const presenceSeen = watcher?.events.on('presence-changed', () => void presence.rescan())
  const dispose = async () => {
    renamedOutside?.dispose()
    presenceSeen?.dispose()
    // The watcher goes first: no change is reported while the rest shuts down.
    await watcher?.dispose()
    // Its record goes at once: the others see this instance leave without waiting for staleness.
    await presence.dispose()
    await search.dispose()
    // A window's last keystrokes, journalled as it closed, land before the process goes.
    await journal?.idle()
    for (const d of started.reverse()) d.dispose()
    await publishing
    await files.idle()
    await adopter.dispose()
    await locks.dispose()
    // Snapshots describe running instances; a stopped one removes its own (else they pile up per run).
    if (start)
      await removeSnapshot(workspace, identity.instanceId).catch(
        cleanupFailed('this instance’s metrics snapshot could not be removed')
      )
    await audit.dispose()
    await knownGood?.dispose()
  }
  try {
    if (watcher) {
      // Made before watching starts: a request file landing in a folder created a moment earlier
      // can slip past a native watcher that is still adding the folder.
      await ensureDir(workspace.requestsDir).catch(
        cleanupFailed('the edit requests folder could not be made; a request may be seen late')
      )
      await ensureDir(workspace.presenceDir).catch(
        cleanupFailed('the presence folder could not be made; another writer may be seen late')
      )
      await watcher.start()
    }
    // Presence is where windows are: only hosts with windows (they watch) keep a record. After the
    // watcher, so a record that appears while it starts is looked at by this first scan.
    if (start && watcher) await presence.start()
  } catch (err) {
    await dispose()
    throw err
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
    structure,
    files,
    requests,
    ownWrites,
    journal,
    watcher,
    search,
    presence,
    log,
    dispose
  }
}
