/**
 * Measures how long an app instance on one mount takes to see a change made through another
 * mount: it records, with timestamps, what the instance's dispatcher emits and what a
 * WorkspaceWatcher reports, and notes when a change really landed in the shared folder.
 */
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { events as contractEvents } from '../../shared/contract'
import type { Disposable } from '../../electron/services/core/clock'
import type { Dispatcher } from '../../electron/services/api/dispatcher-types'
import type { WorkspaceWatcher } from '../../electron/services/watch/workspace-watcher'

/** A change made through mount 1, and when (performance.now()) it was complete on the share. */
export interface Change {
  document: string
  /** The section that was locked and is still held. */
  lockedSection: string
  lockedBy: string
  lockedAt: number
  /** Checksum of the document after the save, and when the share held those bytes. */
  savedSha256: string
  savedAt: number
}

/** How long (ms) each observer took to see one change; null when it never did. */
export interface Delays {
  document: string
  dispatcherLock: number | null
  dispatcherContent: number | null
  watcherLock: number | null
  watcherContent: number | null
}

interface Entry {
  at: number
  matches: (c: Change) => 'lock' | 'content' | null
  source: 'dispatcher' | 'watcher'
}

/** Timestamped sightings from one dispatcher and one watcher, matched against changes afterwards. */
export class SightingLog {
  private readonly entries: Entry[] = []
  private readonly subscriptions: Disposable[] = []

  constructor(dispatcher: Dispatcher, watcher: WorkspaceWatcher) {
    this.subscriptions.push(
      dispatcher.onEvent(({ name, payload }) => this.fromDispatcher(name, payload)),
      watcher.events.on('locks-changed', (e) =>
        this.add('watcher', (c) =>
          e.document === c.document && e.sectionId === c.lockedSection && e.state === 'held' ? 'lock' : null
        )
      ),
      watcher.events.on('document-changed', (e) =>
        this.add('watcher', (c) =>
          e.document === c.document && e.sha256 === c.savedSha256 && e.external ? 'content' : null
        )
      )
    )
  }

  /** The delays of one change as each observer saw it. */
  delaysOf(change: Change): Delays {
    const first = (source: Entry['source'], kind: 'lock' | 'content') => {
      const hit = this.entries.find((e) => e.source === source && e.matches(change) === kind)
      if (!hit) return null
      return Math.round(hit.at - (kind === 'lock' ? change.lockedAt : change.savedAt))
    }
    return {
      document: change.document,
      dispatcherLock: first('dispatcher', 'lock'),
      dispatcherContent: first('dispatcher', 'content'),
      watcherLock: first('watcher', 'lock'),
      watcherContent: first('watcher', 'content')
    }
  }

  /** True once both observers saw both halves of every change. */
  complete(changes: Change[]): boolean {
    return changes.every((c) => Object.values(this.delaysOf(c)).every((v) => v !== null))
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose()
  }

  private fromDispatcher(name: string, payload: unknown): void {
    if (name === 'locks:changed') {
      const parsed = contractEvents['locks:changed'].safeParse(payload)
      if (!parsed.success) return
      const { document, locks } = parsed.data
      this.add('dispatcher', (c) =>
        document === c.document &&
        locks.some((l) => l.sectionId === c.lockedSection && l.holder.user === c.lockedBy)
          ? 'lock'
          : null
      )
    } else if (name === 'document:changed') {
      const parsed = contractEvents['document:changed'].safeParse(payload)
      if (!parsed.success) return
      const { document, fileSha256, external } = parsed.data
      this.add('dispatcher', (c) =>
        document === c.document && fileSha256 === c.savedSha256 && external ? 'content' : null
      )
    }
  }

  private add(source: Entry['source'], matches: Entry['matches']): void {
    this.entries.push({ at: performance.now(), source, matches })
  }
}

/**
 * Resolves with the moment (performance.now()) the bytes of `file` stop being `before`, read
 * directly from the share's own folder (no FUSE in between), polling every few ms.
 */
export async function whenContentChanges(file: string, before: Buffer, timeoutMs = 20_000): Promise<number> {
  const started = performance.now()
  for (;;) {
    const now = await fs.readFile(file).catch(() => before)
    if (!now.equals(before)) return performance.now()
    if (performance.now() - started > timeoutMs) throw new Error(`${file} did not change`)
    await new Promise((r) => setTimeout(r, 3))
  }
}

/** SHA-256 of bytes, hex. */
export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex')
}

/** The middle value (the mean of the two middle ones for an even count); null for no values. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}
