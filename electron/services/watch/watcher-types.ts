/**
 * The workspace watcher's events and options (workspace-watcher.ts re-exports them): what other
 * modules listen to, kept apart from how the watcher finds it out.
 */
import type { ChokidarOptions, FSWatcher } from 'chokidar'
import type { Clock } from '../core/clock'
import type { Workspace } from '../core/workspace'
import type { LockDirState } from '../locks/lock-dir'
import type { MountInfo } from './mount-type'
import type { OwnWriteRegistry } from './own-writes'
import type { WatchModeChoice, WatchModeOverride } from './watch-mode'

/** A markdown document changed or appeared. `external` is false when this instance wrote exactly this content. */
export interface DocumentChangedEvent {
  document: string
  sha256: string
  external: boolean
}

/** A lock of a document changed hands (taken, released, taken over, damaged, removed). */
export interface LocksChangedEvent {
  /** The document, from the lock record or an earlier sighting; null when neither is known. */
  document: string | null
  docKey: string
  sectionId: string | null
  kind: 'section' | 'document'
  /** What the lock folder holds now (`held`, `released`, `absent`, `corrupt`). */
  state: LockDirState['kind']
}

/** Events of the workspace watcher. */
export type WorkspaceWatcherEvents = {
  'document-changed': DocumentChangedEvent
  'document-removed': { document: string }
  /** A document went and one with exactly its content appeared at once: renamed or moved outside the app. */
  'document-renamed': { from: string; to: string; sha256: string }
  'locks-changed': LocksChangedEvent
  /** An edit request file appeared or changed (`.sectioned/requests/<id>.json`). */
  'request-changed': { id: string }
  /** A presence record appeared, changed or went (`.sectioned/presence/<instanceId>.json`). */
  'presence-changed': { instanceId: string }
  /** A folder of documents appeared or went (an empty one too: the folder tree shows it). */
  'folders-changed': { folder: string }
  /** At start, and again if native events fail (inotify limits) and the watcher falls back to polling. */
  mode: WatchModeChoice
  error: { message: string }
}

/** Creates the chokidar watcher for a root folder and options (chokidar's `watch` unless a test injects one). */
export type WatcherFactory = (root: string, options: ChokidarOptions) => FSWatcher

/** Construction parameters of the workspace watcher. */
export interface WorkspaceWatcherOptions {
  workspace: Workspace
  clock: Clock
  ownWrites: OwnWriteRegistry
  /** The watch-mode setting (default `auto`: polling on network file systems). */
  mode?: WatchModeOverride
  /** Poll interval in ms when polling (default 1000). */
  pollIntervalMs?: number
  /** Skips mount detection (tests, or a caller that already knows). */
  mount?: MountInfo
  /** Replaces chokidar's `watch` (tests play a native watcher that hits the inotify limit with it). */
  createWatcher?: WatcherFactory
}
