import { createHash } from 'node:crypto'
import path from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import {
  errCode,
  listEntries,
  lstatOrNull,
  readFileOrNull,
  READ_LIMITS,
  realPath,
  ShareFileError
} from '../core/share-fs'
import type { Clock } from '../core/clock'
import { Emitter } from '../core/emitter'
import { HIDDEN_DIR, type Workspace } from '../core/workspace'
import { IndexStore } from '../documents/index-store'
import { renamedFrom } from '../files/doc-move'
import { KeyedDebounce } from './keyed-debounce'
import { RenamePairs } from './rename-pairs'
import { detectMount, type MountInfo } from './mount-type'
import type { OwnWriteRegistry } from './own-writes'
import { SerialRuns } from './serial-runs'
import { chooseWatchMode, formatInterval, type WatchModeChoice, type WatchModeOverride } from './watch-mode'
import { classifyPath, isIgnoredPath, lockParentOf } from './watch-paths'
import { LockFolders, type LockPath } from './lock-folders'

import type { WatcherFactory, WorkspaceWatcherEvents, WorkspaceWatcherOptions } from './watcher-types'

export type {
  DocumentChangedEvent,
  LocksChangedEvent,
  WatcherFactory,
  WorkspaceWatcherEvents,
  WorkspaceWatcherOptions
} from './watcher-types'

/**
 * A writer that saves in place (truncate, then write) raises an event for the empty file first;
 * reading once the file has been quiet this long sees the finished text instead of a blank page.
 */
const DOC_QUIET_MS = 30
/** How often chokidar looks at each file when polling every `intervalMs` (see `open`). */
export const pollEvery = (intervalMs: number) => Math.max(50, Math.round(intervalMs / 2))
const DOC_MAX_WAIT_MS = 150
/** chokidar swallows a second `change` of a path within 50 ms of the first: one re-read after that catches it. */
const RECHECK_MS = 75
/**
 * How long a removal waits for a document with its content to appear (and the other way round) to
 * be called a rename: the two events of a rename come within one settle of each other natively,
 * within one poll when polling (pollEvery is at most half the 1 s default), plus a read each.
 */
const RENAME_WINDOW_MS = 1500
/** Errors an SMB share or a virus scanner returns while a file is briefly busy. */
const TRANSIENT_READ = new Set(['EBUSY', 'EPERM', 'EACCES', 'EAGAIN'])

/**
 * Watches a workspace for other writers (SPEC W1–W3): markdown files anywhere in it (by checksum,
 * telling this instance's own writes from everyone else's) and the section and document lock folders
 * under `.sectioned/docs/<docKey>/locks/`. Native events on local disks, polling on network file
 * systems; `start()` and `dispose()` pair up, and dispose stops every timer, read and handle.
 */
export class WorkspaceWatcher {
  /** Subscribe here; listeners are dropped by dispose. */
  readonly events = new Emitter<WorkspaceWatcherEvents>()
  private readonly ws: Workspace
  private readonly clock: Clock
  private readonly ownWrites: OwnWriteRegistry
  private readonly override: WatchModeOverride
  private readonly pollIntervalMs: number | undefined
  private readonly givenMount: MountInfo | undefined
  private readonly createWatcher: WatcherFactory
  private readonly runs = new SerialRuns((err) => this.report(`Watching failed: ${messageOf(err)}`))
  private root = ''
  private watcher: FSWatcher | null = null
  /** Bumped for every watcher opened and at dispose: events of a replaced watcher are dropped. */
  private generation = 0
  private choice: WatchModeChoice | null = null
  private starting: Promise<void> | null = null
  private fallback: Promise<void> | null = null
  private markReady: () => void = () => undefined
  private disposed = false
  /** Last content reported per document: a sha256, null once reported removed. */
  private readonly known = new Map<string, string | null>()
  private readonly docSettle: KeyedDebounce
  private readonly docRecheck: KeyedDebounce
  private readonly locks: LockFolders
  private readonly docKeys = new Map<string, string>()
  private readonly renames: RenamePairs
  /** Stored section indexes: the content a document had, when it goes before this instance read it. */
  private readonly indexes: IndexStore

  constructor(opts: WorkspaceWatcherOptions) {
    this.ws = opts.workspace
    this.clock = opts.clock
    this.ownWrites = opts.ownWrites
    this.override = opts.mode ?? 'auto'
    this.pollIntervalMs = opts.pollIntervalMs
    this.givenMount = opts.mount
    this.createWatcher = opts.createWatcher ?? watch
    this.docSettle = new KeyedDebounce(this.clock, DOC_QUIET_MS, DOC_MAX_WAIT_MS)
    this.docRecheck = new KeyedDebounce(this.clock, RECHECK_MS, Number.POSITIVE_INFINITY)
    this.locks = new LockFolders(this.clock, {
      root: () => this.root,
      watcher: () => this.watcher,
      disposed: () => this.disposed,
      run: (key, task) => this.runs.request(key, task),
      emit: (event) => this.events.emit('locks-changed', event),
      docKeys: this.docKeys
    })
    this.indexes = new IndexStore(this.ws)
    this.renames = new RenamePairs(this.clock, RENAME_WINDOW_MS, {
      removed: (document) => {
        if (!this.disposed) this.events.emit('document-removed', { document })
      },
      renamed: (from, to, sha256) => {
        if (!this.disposed) this.events.emit('document-renamed', { from, to, sha256 })
      }
    })
  }

  /** How the workspace is watched now (null before start). */
  get mode(): WatchModeChoice | null {
    return this.choice
  }

  /** Starts watching; resolves once the initial scan is done, so any later change is reported. */
  start(): Promise<void> {
    this.starting ??= this.doStart()
    return this.starting
  }

  private async doStart(): Promise<void> {
    this.root = await realPath(this.ws.root)
    const mount = this.givenMount ?? (await detectMount(this.root))
    if (this.disposed) return
    const ready = new Promise<void>((resolve) => (this.markReady = resolve))
    this.open(chooseWatchMode(mount, this.override, this.pollIntervalMs))
    await ready
    if (!this.disposed) await this.seed()
  }

  /** Stops watching: closes the chokidar watcher, cancels timers, waits for reads in flight, drops listeners. */
  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    this.generation++
    this.markReady()
    this.docSettle.dispose()
    this.docRecheck.dispose()
    this.locks.dispose()
    this.renames.dispose()
    await this.fallback
    await this.watcher?.close()
    this.watcher = null
    await this.starting?.catch(() => undefined)
    await this.runs.idle()
    this.events.clear()
  }

  private open(choice: WatchModeChoice): void {
    const generation = ++this.generation
    const current = () => generation === this.generation
    this.choice = choice
    this.events.emit('mode', choice)
    const w = this.createWatcher(this.root, {
      ignoreInitial: true,
      usePolling: choice.mode === 'polling',
      // Looked at twice per interval: a change lands at a random point of chokidar's poll cycle, so
      // polling at the interval itself reported it after up to one interval plus the settling (p95
      // 513 ms at 500 ms). At half the interval a save reaches the windows within the interval.
      interval: pollEvery(choice.intervalMs),
      binaryInterval: pollEvery(choice.intervalMs),
      // The root is a real path already; links inside could lead outside the workspace.
      followSymlinks: false,
      ignorePermissionErrors: true,
      ignored: (p, stats) => isIgnoredPath(this.rel(p), stats)
    })
    this.watcher = w
    w.on('all', (event, p) => {
      if (current()) this.onPath(event, p)
    })
    w.on('error', (err) => {
      if (current()) this.onWatcherError(err)
    })
    w.on('ready', () => {
      if (current()) this.markReady()
    })
  }

  private rel(p: string): string {
    return path.relative(this.root, p).split(path.sep).join('/')
  }

  private onPath(event: string, p: string): void {
    if (this.disposed) return
    const what = classifyPath(this.rel(p))
    if (what?.kind === 'lock') this.locks.onPath(what)
    else if (what?.kind === 'request' && (event === 'add' || event === 'change')) {
      this.events.emit('request-changed', { id: what.id })
    } else if (what?.kind === 'presence' && (event === 'add' || event === 'change' || event === 'unlink')) {
      this.events.emit('presence-changed', { instanceId: what.instanceId })
    } else if (what?.kind === 'document' && (event === 'add' || event === 'change' || event === 'unlink')) {
      this.checkDocumentSoon(what.document)
    } else if ((event === 'addDir' || event === 'unlinkDir') && isDocumentFolder(this.rel(p))) {
      this.events.emit('folders-changed', { folder: this.rel(p) })
    }
    const locks = event === 'addDir' ? lockParentOf(this.rel(p)) : null
    if (locks !== null) this.locks.scanParent(locks)
    if (event === 'addDir' && isDocumentFolder(this.rel(p))) {
      // A document moved into a folder made a moment earlier (files:rename into a new folder) can
      // land before the native watch of that folder is in place and raise no event: look inside.
      const folder = this.rel(p)
      this.docSettle.schedule(`\0dir:${folder}`, () => {
        if (!this.disposed) this.runs.request(`dir:${folder}`, () => this.scanFolder(folder))
      })
    }
  }

  /** Checks every document in a new folder (and its folders) as if each had raised an event. */
  private async scanFolder(folder: string): Promise<void> {
    for (const e of (await listEntries(path.join(this.root, ...folder.split('/')))) ?? []) {
      const rel = `${folder}/${e.name}`
      if (this.disposed || isIgnoredPath(rel, e) || !isDocumentFolder(rel)) continue
      if (e.isDirectory()) await this.scanFolder(rel)
      else if (e.isFile() && !this.known.has(rel)) this.checkDocumentSoon(rel)
    }
  }

  private checkDocumentSoon(document: string): void {
    const check = () => {
      if (!this.disposed) this.runs.request(`doc:${document}`, () => this.checkDocument(document))
    }
    this.docSettle.schedule(document, check)
    this.docRecheck.schedule(document, check)
  }

  /** Reads the file and reports it when its checksum differs from what was last reported. */
  private async checkDocument(document: string): Promise<void> {
    const file = path.join(this.root, ...document.split('/'))
    let buf: Buffer | null
    try {
      buf = await readFileOrNull(file, READ_LIMITS.document)
      // Still being written (size moved on since the read): its next event or the re-check reports it.
      if (buf && (await lstatOrNull(file))?.size !== buf.length) return
    } catch (err) {
      // A link, a pipe, a huge file named like a document: not a document; opening it says why.
      if (err instanceof ShareFileError && err.sysCode === undefined) return
      const code = errCode(err) ?? ''
      // A share that is busy for a moment is read again by the re-check; a folder named x.md is no document.
      if (code === 'EISDIR' || TRANSIENT_READ.has(code)) return
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err
      buf = null
    }
    if (this.disposed) return
    const before = this.known.get(document)
    if (buf === null) {
      if (before === null) return
      this.known.set(document, null)
      // Never read since the start: its content is what its stored index describes, if anything.
      const last = before ?? (await this.indexes.read(document).catch(() => null))?.fileSha256 ?? null
      // Held back a moment: a document with this content appearing makes it a rename.
      if (!this.disposed) this.renames.removed(document, last)
      return
    }
    const sha256 = createHash('sha256').update(buf).digest('hex')
    if (before === sha256) return
    this.known.set(document, sha256)
    this.docKeys.set(this.ws.docKey(document), document)
    const external = !this.ownWrites.isOwn(document, sha256)
    // This instance's own renames are announced by whoever made them (file-handlers.ts).
    if ((before === undefined || before === null) && external) {
      const from = await renamedFrom(this.ws, document, sha256)
      if (this.disposed) return
      this.renames.appearedWith(document, sha256, from)
    }
    this.events.emit('document-changed', { document, sha256, external })
  }

  /** After the initial scan: remembers which document each docKey belongs to, and seeds the lock folders. */
  private async seed(): Promise<void> {
    const lockDirs: LockPath[] = []
    for (const [dir, names] of Object.entries(this.watcher?.getWatched() ?? {})) {
      for (const name of names) {
        const rel = this.rel(path.join(dir, name))
        const what = classifyPath(rel)
        if (what?.kind === 'document') this.docKeys.set(this.ws.docKey(what.document), what.document)
        else if (what?.kind === 'lock' && what.lockDir === rel) lockDirs.push(what)
      }
    }
    await this.locks.seed(lockDirs)
  }

  private onWatcherError(err: unknown): void {
    const code = errCode(err)
    if (this.choice?.mode === 'native' && (code === 'ENOSPC' || code === 'EMFILE')) {
      this.fallback ??= this.fallBackToPolling(code)
      return
    }
    this.report(`Watching ${this.root} failed: ${messageOf(err)}`)
  }

  /** Native watching hit a system limit: close it (freeing its handles) and poll instead. */
  private async fallBackToPolling(code: string): Promise<void> {
    const limit = code === 'ENOSPC' ? 'watched folders (inotify watches)' : 'open files'
    const intervalMs = this.choice?.intervalMs ?? 1000
    const every = `polling every ${formatInterval(intervalMs)}`
    this.report(`The system's limit on ${limit} was reached (${code}); watching by ${every} instead.`)
    const old = this.watcher
    this.generation++
    // No `add` may reach the closing watcher meanwhile (chokidar's add reopens a closed one).
    this.watcher = null
    await old?.close()
    if (this.disposed) return
    this.open({
      mode: 'polling',
      intervalMs,
      reason: `${every}: the system's limit on ${limit} was reached`,
      synced: this.choice?.synced ?? null
    })
  }

  private report(message: string): void {
    if (!this.disposed) this.events.emit('error', { message })
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** A folder of documents (not the app's hidden folder, nor one the watcher ignores). */
function isDocumentFolder(rel: string): boolean {
  return rel !== '' && rel.split('/')[0] !== HIDDEN_DIR && !isIgnoredPath(rel)
}
