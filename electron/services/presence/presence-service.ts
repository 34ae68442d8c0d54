/**
 * Presence: who has a document open right now. Each instance keeps one small record in the share
 * (presence-record.ts) listing where its windows are — rewritten when a window moves (at most once
 * per `writeEveryMs`), refreshed at every lock heartbeat, removed at a clean shutdown — and reads
 * everyone else's, keeping those alive by its own clock (presence-observer.ts). A crashed instance's
 * record stands still and is dropped after the stale window (at once on the same machine).
 */
import type { Identity } from '../../../shared/types'
import type { Clock, Disposable } from '../core/clock'
import { ensureDir } from '../core/share-fs'
import { Emitter } from '../core/emitter'
import type { Workspace } from '../core/workspace'
import { errorText, silentLog, type Log } from '../log/log'
import { holderProcessEnded } from '../locks/liveness'
import { PresenceObserver } from './presence-observer'
import {
  MAX_PRESENCE_ENTRIES,
  readAllPresence,
  removePresence,
  writePresence,
  type PresenceEntry,
  type PresenceRecord
} from './presence-record'

/** Another instance as windows show it: who, and where each of its windows is. */
export interface PresenceView {
  instanceId: string
  ownerId: string
  user: string
  host: string
  documents: PresenceEntry[]
}

/** Construction parameters of the presence service. */
export interface PresenceServiceOptions {
  workspace: Workspace
  identity: Identity
  clock: Clock
  /** The lock heartbeat interval: the record is refreshed (and others' looked at) this often. */
  heartbeatIntervalMs: number
  /** Beats a record may stand still before it is stale (SPEC L4: 3). */
  staleAfterBeats: number
  /** At most one write per this many ms when windows move (default 500). */
  writeEveryMs?: number
  log?: Log
}

/** Events of the presence service. */
export type PresenceEvents = {
  /** The others' presence changed (someone came, left, moved, or went stale). */
  changed: { others: PresenceView[] }
}

/** Writes this instance's presence record and watches everyone else's. `start()` and `dispose()` pair up. */
export class PresenceService {
  /** Subscribe here; listeners are dropped by dispose. */
  readonly events = new Emitter<PresenceEvents>()
  private readonly o: Required<Omit<PresenceServiceOptions, 'log'>> & { log: Log }
  private readonly observer: PresenceObserver
  private readonly windows = new Map<string, PresenceEntry>()
  private seq = 0
  private started = false
  private disposed = false
  private lastWriteAt = Number.NEGATIVE_INFINITY
  private writeTimer: Disposable | null = null
  private scanTimer: Disposable | null = null
  private beat: Disposable | null = null
  private writing: Promise<void> = Promise.resolve()
  private scanning: Promise<void> = Promise.resolve()
  private scanAgain = false
  private scanRunning = false
  private current: PresenceView[] = []
  private signature = '[]'

  constructor(opts: PresenceServiceOptions) {
    this.o = { writeEveryMs: 500, log: silentLog, ...opts }
    this.observer = new PresenceObserver(opts.clock, opts.identity, opts.staleAfterBeats)
  }

  /** The other instances present now (as of the last look). */
  others(): PresenceView[] {
    return this.current
  }

  /** Writes the record, refreshes it every heartbeat and looks at the others'. */
  async start(): Promise<void> {
    if (this.started || this.disposed) return
    this.started = true
    await ensureDir(this.o.workspace.presenceDir).catch(this.failed('the presence folder could not be made'))
    // The returned promise covers the write too (fake clocks in tests wait for it).
    this.beat = this.o.clock.setInterval(() => {
      this.write()
      return Promise.all([this.writing, this.rescan()])
    }, this.o.heartbeatIntervalMs)
    this.write()
    await this.writing
    await this.removeEnded().catch(this.failed('presence records of ended processes could not be removed'))
    await this.rescan()
  }

  /**
   * Removes the records of processes on this machine that have ended (crashed instances: instance
   * ids are new every run, so nobody else would). Another computer's leftovers are only ignored.
   */
  private async removeEnded(): Promise<void> {
    for (const r of await readAllPresence(this.o.workspace)) {
      if (r.record && holderProcessEnded(r.record.identity, this.o.identity))
        await removePresence(this.o.workspace, r.instanceId)
    }
  }

  /** Where a window is now (null: it has no document open). Written within `writeEveryMs`. */
  set(clientId: string, where: PresenceEntry | null): void {
    const before = this.windows.get(clientId)
    if (where) this.windows.set(clientId, { ...where })
    else this.windows.delete(clientId)
    if (JSON.stringify(before ?? null) !== JSON.stringify(where)) this.writeSoon()
  }

  /** A window went away. */
  clientClosed(clientId: string): void {
    if (this.windows.delete(clientId)) this.writeSoon()
  }

  /** Looks at every record now (the watcher saw one change, or a timer fired); emits on a change. */
  rescan(): Promise<void> {
    if (this.disposed) return Promise.resolve()
    // One look at a time; a request meanwhile means one more look after it.
    if (this.scanRunning) {
      this.scanAgain = true
      return this.scanning
    }
    this.scanRunning = true
    this.scanning = this.scanLoop().finally(() => (this.scanRunning = false))
    return this.scanning
  }

  /** Stops the timers and removes this instance's record (the others see it go at once). */
  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    this.beat?.dispose()
    this.writeTimer?.dispose()
    this.scanTimer?.dispose()
    this.events.clear()
    await this.writing
    await this.scanning.catch(() => undefined)
    if (this.started)
      await removePresence(this.o.workspace, this.o.identity.instanceId).catch(
        this.failed('this instance’s presence record could not be removed')
      )
  }

  private failed(what: string) {
    return (err: unknown) => this.o.log.warn(what, { error: errorText(err) })
  }

  private writeSoon(): void {
    if (!this.started || this.disposed || this.writeTimer) return
    const wait = Math.max(0, this.lastWriteAt + this.o.writeEveryMs - this.o.clock.monotonicNow())
    this.writeTimer = this.o.clock.setTimeout(() => {
      this.writeTimer = null
      this.write()
      return this.writing
    }, wait)
  }

  /** Queues one write of the record as it is now (writes never overlap). */
  private write(): void {
    if (this.disposed) return
    this.lastWriteAt = this.o.clock.monotonicNow()
    const record: PresenceRecord = {
      format: 1,
      identity: this.o.identity,
      seq: ++this.seq,
      heartbeatIntervalMs: this.o.heartbeatIntervalMs,
      refreshedAt: new Date(this.o.clock.wallNow()).toISOString(),
      documents: this.entries()
    }
    this.writing = this.writing
      .then(() => (this.disposed ? undefined : writePresence(this.o.workspace, record)))
      .catch(this.failed('the presence record could not be written; tried again at the next beat'))
  }

  /** The windows' places, one entry per distinct place. */
  private entries(): PresenceEntry[] {
    const seen = new Map<string, PresenceEntry>()
    for (const e of this.windows.values()) seen.set(JSON.stringify([e.document, e.sectionId]), e)
    return [...seen.values()].slice(0, MAX_PRESENCE_ENTRIES)
  }

  private async scanLoop(): Promise<void> {
    do {
      this.scanAgain = false
      await this.scanOnce().catch(this.failed('the others’ presence could not be read'))
    } while (this.scanAgain && !this.disposed)
  }

  private async scanOnce(): Promise<void> {
    const read = await readAllPresence(this.o.workspace)
    if (this.disposed) return
    const me = this.o.identity.instanceId
    const records = read.flatMap((r) => (r.record && r.instanceId !== me ? [r.record] : []))
    const verdict = this.observer.observe(records)
    // Looked at again when the next record would go stale: it leaves within the window, not a beat later.
    this.scanTimer?.dispose()
    this.scanTimer =
      verdict.nextStaleInMs === null
        ? null
        : this.o.clock.setTimeout(() => this.rescan(), verdict.nextStaleInMs + 10)
    const views = verdict.alive.map((r): PresenceView => ({
      instanceId: r.identity.instanceId,
      ownerId: r.identity.ownerId,
      user: r.identity.user,
      host: r.identity.host,
      documents: r.documents
    }))
    const signature = JSON.stringify(views)
    if (signature === this.signature) return
    this.signature = signature
    this.current = views
    this.events.emit('changed', { others: views })
  }
}
