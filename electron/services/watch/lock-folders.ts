/**
 * The workspace watcher's lock-folder half (split out of workspace-watcher.ts): reads a lock folder
 * when chokidar reports something in it and reports a change of tenure or state (never a
 * heartbeat), and covers the gaps in which chokidar raises no event at all (see `check`).
 */
import path from 'node:path'
import type { FSWatcher } from 'chokidar'
import { listEntries } from '../core/share-fs'
import type { Clock, Disposable } from '../core/clock'
import { genName, readLockDir, type LockDirState } from '../locks/lock-dir'
import { KeyedDebounce } from './keyed-debounce'
import { classifyPath, type WatchedPath } from './watch-paths'
import type { LocksChangedEvent } from './watcher-types'

export type LockPath = Extract<WatchedPath, { kind: 'lock' }>

/** One acquisition is mkdir + record write + compaction within a few ms; it should be one event. */
const LOCK_QUIET_MS = 20
const LOCK_MAX_WAIT_MS = 100
/**
 * When a lock folder is read half made (no generation yet, or one without its record), it is read
 * again after these delays: its next step may raise no event (see `check`). A claimer that died
 * half way costs five reads.
 */
const LOCK_RECHECK_MS = [50, 150, 400, 1000, 2500]
/**
 * When a folder that holds lock folders appears (a document's first lock makes `locks/sections/<id>`
 * in one go), its lock folders are looked at after these delays: chokidar reads each new level
 * before it watches it, so a lock folder made in that gap raises no event of its own.
 */
const LOCK_PARENT_SCAN_MS = [50, 400]
/** Lock folders read at once while seeding: enough to hide a network drive's latency, few enough to be polite. */
const SEED_CONCURRENCY = 16

/** What the lock folders need of the watcher that owns them. */
export interface LockFolderHost {
  /** The workspace's real path. */
  root(): string
  /** The chokidar watcher now (null while it is replaced, or after dispose). */
  watcher(): FSWatcher | null
  /** True once the owner is disposed: nothing is read, scheduled or reported after that. */
  disposed(): boolean
  /** Runs a read, at most one per key at a time (the owner's SerialRuns). */
  run(key: string, task: () => Promise<void>): void
  emit(event: LocksChangedEvent): void
  /** docKey → document, shared with the owner: records and documents both teach it. */
  readonly docKeys: Map<string, string>
}

export class LockFolders {
  private readonly settle: KeyedDebounce
  /** Last state reported per lock folder; a heartbeat (same tenure) does not change it. */
  private readonly signatures = new Map<string, string>()
  /** Lock folders read half made: how many re-reads each has had, and the next one's timer. */
  private readonly rechecks = new Map<string, { tries: number; timer: Disposable | null }>()
  private readonly parentScans = new Set<Disposable>()
  private readonly sectionIds = new Map<string, string>()

  constructor(
    private readonly clock: Clock,
    private readonly host: LockFolderHost
  ) {
    this.settle = new KeyedDebounce(clock, LOCK_QUIET_MS, LOCK_MAX_WAIT_MS)
  }

  /** chokidar reported something in `lock`'s folder: read it once the burst has settled. */
  onPath(lock: LockPath): void {
    this.settle.schedule(lock.lockDir, () => {
      if (!this.host.disposed()) this.host.run(`lock:${lock.lockDir}`, () => this.check(lock))
    })
  }

  /** Looks at every lock folder of a document's new `locks` folder a little later (LOCK_PARENT_SCAN_MS). */
  scanParent(locks: string): void {
    for (const delay of LOCK_PARENT_SCAN_MS) {
      const timer = this.clock.setTimeout(() => {
        this.parentScans.delete(timer)
        // A folder that cannot be listed now is looked at with its next event, as before.
        if (!this.host.disposed()) this.lookInto(locks).catch(() => undefined)
      }, delay)
      this.parentScans.add(timer)
    }
  }

  /**
   * After the owner's initial scan: remembers the current state of every lock folder chokidar
   * watched (and which document each belongs to), so the first heartbeat after start is not
   * reported as a change.
   */
  async seed(lockDirs: LockPath[]): Promise<void> {
    const watched = this.host.watcher()?.getWatched() ?? {}
    // Released locks keep their folders, so a long-used workspace has thousands: read a few at a time.
    const worker = async () => {
      for (let lock = lockDirs.pop(); lock && !this.host.disposed(); lock = lockDirs.pop()) {
        const state = await readLockDir(this.abs(lock.lockDir)).catch(() => null)
        if (!state || this.signatures.has(lock.lockDir)) continue
        if (state.kind === 'claiming' || state.kind === 'empty') continue
        this.signatures.set(lock.lockDir, signatureOf(state))
        this.learn(lock, state)
        // The first scan has chokidar's gap too: a generation renamed in meanwhile is not watched.
        this.watchGeneration(this.abs(lock.lockDir), state, watched)
      }
    }
    await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker))
  }

  /** Cancels every timer (the owner waits for its runs in flight). */
  dispose(): void {
    this.settle.dispose()
    for (const r of this.rechecks.values()) r.timer?.dispose()
    this.rechecks.clear()
    for (const t of this.parentScans) t.dispose()
    this.parentScans.clear()
  }

  private abs(rel: string): string {
    return path.join(this.host.root(), ...rel.split('/'))
  }

  /**
   * Reads a lock folder and reports it when its tenure or state changed (not for heartbeats).
   *
   * chokidar reads a new folder before it watches it (handler.js `_handleDir`), so what happens in
   * between raises no event. A first claim makes its lock folder and renames a prepared generation
   * into it a few milliseconds later — inside that gap on a busy machine, the lock is seen only at
   * the holder's next save (what a CI run showed: another window had the badge after 2.7 s, the
   * autosave's time, not ~0.1 s). So a
   * folder read half made is read again a few times, and a lock folder seen held or released for
   * the first time is handed to chokidar once more: it reads it again, now watched, and watches the
   * generation it missed, whose release would otherwise raise no event either.
   */
  private async check(lock: LockPath): Promise<void> {
    const dir = this.abs(lock.lockDir)
    const state = await readLockDir(dir)
    if (this.host.disposed()) return
    if (state.kind === 'claiming' || state.kind === 'empty') {
      this.recheck(lock)
      return
    }
    this.rechecks.get(lock.lockDir)?.timer?.dispose()
    this.rechecks.delete(lock.lockDir)
    const signature = signatureOf(state)
    const before = this.signatures.get(lock.lockDir)
    if (before === signature) return
    this.signatures.set(lock.lockDir, signature)
    if (before === undefined) this.watchGeneration(dir, state)
    this.learn(lock, state)
    const sectionId =
      lock.lockKind === 'document' ? null : (this.sectionIds.get(lock.lockDir) ?? lock.component)
    this.host.emit({
      document: this.host.docKeys.get(lock.docKey) ?? null,
      docKey: lock.docKey,
      sectionId,
      kind: lock.lockKind,
      state: state.kind
    })
  }

  /**
   * Hands a settled lock folder to chokidar once more when it does not watch its top generation
   * (see check): chokidar reads it again, now watched, and watches what it missed. Only for a
   * folder with a generation: `add` of a path that is not there would watch its parent for it.
   */
  private watchGeneration(dir: string, state: LockDirState, watched?: Record<string, string[]>): void {
    if (state.kind !== 'held' && state.kind !== 'released' && state.kind !== 'corrupt') return
    const watcher = this.host.watcher()
    const seen = (watched ?? watcher?.getWatched() ?? {})[dir]
    if (!seen?.includes(genName(state.top))) watcher?.add(dir)
  }

  private async lookInto(locks: string): Promise<void> {
    const list = async (rel: string) =>
      ((await listEntries(this.abs(rel))) ?? []).filter((e) => e.isDirectory()).map((e) => `${rel}/${e.name}`)
    const top = await list(locks)
    const dirs = [...top, ...(top.includes(`${locks}/sections`) ? await list(`${locks}/sections`) : [])]
    const watched = this.host.watcher()?.getWatched() ?? {}
    for (const rel of dirs) {
      const lock = classifyPath(rel)
      if (this.host.disposed() || lock?.kind !== 'lock' || lock.lockDir !== rel) continue
      this.onPath(lock)
      // A lock folder chokidar does not watch (it missed it): handed to it, so its release is seen.
      const dir = this.abs(rel)
      if (!watched[dir]) this.host.watcher()?.add(dir)
    }
  }

  /** Reads a half-made lock folder again later, a bounded number of times (see check). */
  private recheck(lock: LockPath): void {
    const entry = this.rechecks.get(lock.lockDir) ?? { tries: 0, timer: null }
    entry.timer?.dispose()
    const delay = LOCK_RECHECK_MS[entry.tries++]
    // Given up (a claimer that died half way): the folder's next event starts a new series.
    if (delay === undefined) {
      this.rechecks.delete(lock.lockDir)
      return
    }
    this.rechecks.set(lock.lockDir, entry)
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = null
      this.onPath(lock)
    }, delay)
  }

  /** A record names the document and the exact section id (folder names hash unusual ids). */
  private learn(lock: LockPath, state: LockDirState): void {
    if (state.kind !== 'held') return
    this.host.docKeys.set(lock.docKey, state.record.document)
    if (state.record.sectionId !== null) this.sectionIds.set(lock.lockDir, state.record.sectionId)
  }
}

function signatureOf(state: LockDirState): string {
  switch (state.kind) {
    case 'held':
      return `held:${state.top}:${state.record.token}`
    case 'released':
    case 'corrupt':
    case 'claiming':
      return `${state.kind}:${state.top}`
    default:
      return state.kind
  }
}
