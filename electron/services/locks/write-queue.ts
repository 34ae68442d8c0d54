/**
 * First come, first served for a document's write mutex (SPEC L3), across processes and machines.
 *
 * A save that finds the mutex taken, or others already waiting, takes a numbered **ticket** in
 * `<locks>/write-queue/` — the same atomic claim as a lock generation (a private folder renamed to
 * `g<k>`, where k is above every ticket it sees; renaming onto a taken number fails everywhere) —
 * and tries the mutex only when no live ticket is below its own. It waits on a native watch of the
 * queue (woken when the ticket right ahead leaves) and, once at the head, of the mutex folder (woken by the
 * release), with a slow poll behind it in case an event never comes; where native events do not
 * see other machines' changes (network mounts) it polls with a bounded backoff and jitter instead.
 * Before, fifty waiters polled the mutex every few milliseconds each: they burnt the CPU the holder
 * needed, and whoever polled at the right moment won.
 *
 * Tickets order waiters; they guard nothing — the mutex itself stays the only exclusion. So a ticket
 * may be judged abandoned without risk. Every waiter rewrites its ticket every `beatMs`, and judges
 * only the ticket right ahead of it once that stood still for a second: abandoned when its waiter's
 * process ended on this machine, or after three silent beats as watched on this observer's clock
 * (a ticket that is gone but still listed by a cached listing reads as silent too). It is removed
 * and not waited for again, so dead tickets anywhere in the queue are cleared, each by the waiter
 * behind it; a waiter that finds its own ticket gone takes a new one. Each waiter is woken by its
 * predecessor leaving, not by every change (fifty waiters re-reading the queue at every save was
 * the herd this replaces). Overtaking is bounded: a newcomer that saw no ticket tries the mutex at
 * once (one race with a ticket being made), and a stale listing can put a ticket below one taken
 * just before.
 */
import path from 'node:path'
import type { Identity } from '../../../shared/types'
import type { Clock, Disposable } from '../core/clock'
import { errorText, silentLog, type Log } from '../log/log'
import {
  ensureDir,
  lstatOrNull,
  readFileOrNull,
  READ_LIMITS,
  removeTree,
  replaceSmallFile,
  watchNames
} from '../core/share-fs'
import { holderProcessEnded } from './liveness'
import { claimGeneration, genName, listGenerations, TICKET_FILE } from './lock-dir'

/** How a queue waits. */
export interface WriteQueueOptions {
  clock: Clock
  self: Identity
  /** Native file events show other writers' changes here (a local disk): wait on them. */
  events: boolean
  /** How often a waiting ticket is rewritten to show its waiter is alive (default 1 s). */
  beatMs?: number
  /** Where a ticket that could not be removed leaves a line (default: nowhere). */
  log?: Log
}

interface TicketRecord {
  format: 1
  hostId: string
  pid: number
  instanceId: string
  beat: number
}

/** With native events, the poll behind them (an event lost, a change made through another mount). */
const EVENT_SAFETY_POLL_MS = 250
/** Without them: the first and the longest pause between looks. */
const POLL_MIN_MS = 4
const POLL_MAX_MS = 50
/** The pause before looking again when the ticket ahead could not be watched (gone already, or unwatchable). */
const AHEAD_UNWATCHED_MS = 10
/** A waiter ahead that has not moved for this long has its ticket looked at (is it alive?). */
const STALL_MS = 1_000

/** Fair order for write mutexes; one per lock service. */
export class WriteQueue {
  private readonly beatMs: number
  private readonly log: Log

  constructor(private readonly opts: WriteQueueOptions) {
    this.beatMs = opts.beatMs ?? 1_000
    this.log = opts.log ?? silentLog
  }

  /**
   * Calls `attempt` (one try of the mutex: its result, or null while someone holds it) in this
   * waiter's turn until it succeeds; null when `deadline` (monotonic ms) passed first.
   */
  async take<T>(
    queueDir: string,
    mutexDir: string,
    deadline: number,
    attempt: () => Promise<T | null>
  ): Promise<T | null> {
    // Nobody waiting: the mutex at once (the uncontended save pays one listing for fairness).
    if (!(await listGenerations(queueDir))?.length) {
      const got = await attempt()
      if (got !== null) return got
    }
    // Asked not to wait (a derived write that may as well be skipped): no ticket either.
    if (this.opts.clock.monotonicNow() >= deadline) return null
    await ensureDir(queueDir)
    await ensureDir(mutexDir) // watched from the first look, even for a mutex never taken before
    const waker = new Waker(this.opts.clock)
    let ticket: Ticket | null = null
    /** The ticket right ahead of this one (-1: none, this waiter is the head): its leaving moves it up. */
    let predecessor = -1
    /** What this waiter last read in its predecessor's ticket, and since when (its own clock). */
    let sighting: Sighting = { k: -1, text: '', since: 0 }
    /** Tickets judged abandoned: not waited for again, even while a cached listing still shows them. */
    const skipped = new Set<number>()
    try {
      let polls = 0
      for (;;) {
        waker.mark()
        const gens = (await listGenerations(queueDir)) ?? []
        if (ticket === null || ticket.lost || !gens.includes(ticket.k)) {
          await ticket?.leave(this.log)
          ticket = await this.enter(queueDir, gens, deadline)
          if (ticket === null) return null
          continue
        }
        const k = ticket.k
        const ahead = gens.filter((g) => g < k && !skipped.has(g))
        const next = ahead.length ? Math.max(...ahead) : -1
        const now = this.opts.clock.monotonicNow()
        if (next !== predecessor) {
          polls = 0
          sighting = { k: next, text: '', since: now }
        }
        predecessor = next
        // Woken only by what moves this waiter: its predecessor's ticket leaving, or — at the head
        // — the mutex folder. Fifty waiters each woken by every claim, release and ticket of every
        // save listed the queue hundreds of times per save. Both folders are watched from the first
        // look on, so a change right after a look still wakes the waiter.
        const unwatched = waker.follow(queueDir, mutexDir, next) && this.opts.events
        // Each waiter judges only the ticket right ahead of it, once that stood still for a while
        // (one read per look, not one per waiter per ticket): dead ones anywhere in the queue are
        // found, each by the waiter behind it.
        if (next !== -1 && now - sighting.since >= STALL_MS) {
          sighting = await this.judge(queueDir, sighting, now)
          if (sighting.abandoned) {
            skipped.add(next)
            continue
          }
        }
        if (next === -1) {
          const got = await attempt()
          if (got !== null) return got
        }
        if (this.opts.clock.monotonicNow() >= deadline) return null
        // The ticket ahead could not be watched (gone since the listing, most likely): soon again.
        const pause = this.pollMs(polls, ahead.length)
        await waker.next(
          unwatched ? Math.min(pause, AHEAD_UNWATCHED_MS * 2 ** polls) : pause,
          deadline - this.opts.clock.monotonicNow()
        )
        polls++
      }
    } finally {
      waker.close()
      if (ticket) await ticket.leave(this.log)
    }
  }

  /** The pause before the next look: the head and the one behind it look often, the rest seldom. */
  private pollMs(polls: number, ahead: number): number {
    const deep = ahead > 1
    const base = this.opts.events
      ? EVENT_SAFETY_POLL_MS * (deep ? 4 : 1)
      : Math.min(deep ? POLL_MAX_MS * 4 : POLL_MAX_MS, POLL_MIN_MS * 2 ** polls)
    return base * (0.5 + Math.random())
  }

  /**
   * Puts a ticket above every one listed. A ticket is kept even when a higher one appeared meanwhile
   * (it orders nothing but waits); a number someone else took first is retried above. Null when
   * the deadline passed first.
   */
  private async enter(queueDir: string, listed: number[], deadline: number): Promise<Ticket | null> {
    let k = (listed.length ? Math.max(...listed) : 0) + 1
    const record: TicketRecord = {
      format: 1,
      hostId: this.opts.self.hostId,
      pid: this.opts.self.pid,
      instanceId: this.opts.self.instanceId,
      beat: 0
    }
    for (;;) {
      const content = { file: TICKET_FILE, text: JSON.stringify(record) } as const
      if (await claimGeneration(queueDir, k, content, { onlyTop: false })) {
        return new Ticket(this.opts.clock, path.join(queueDir, genName(k)), k, record, this.beatMs)
      }
      if (this.opts.clock.monotonicNow() >= deadline) return null
      const now = (await listGenerations(queueDir)) ?? []
      k = Math.max(k, ...now) + 1
    }
  }

  /**
   * Looks at the ticket right ahead (`seen.k`), which stood still for a while: abandoned when its
   * waiter's process ended on this machine, or when it was not rewritten for three beats as watched
   * on this observer's clock (a ticket that is gone reads as silent). An abandoned one is removed;
   * its waiter, if it lives after all, finds its ticket gone and takes a new one.
   */
  private async judge(queueDir: string, seen: Sighting, now: number): Promise<Sighting> {
    const dir = path.join(queueDir, genName(seen.k))
    const buf = await readFileOrNull(path.join(dir, TICKET_FILE), READ_LIMITS.lockRecord).catch(() => null)
    const text = buf?.toString('utf8') ?? ''
    const since = text === seen.text ? seen.since : now
    if (!deadHere(text, this.opts.self) && now - since < 3 * this.beatMs) return { k: seen.k, text, since }
    await removeTree(dir).catch(() => undefined)
    return { k: seen.k, text, since, abandoned: true }
  }
}

/** What a waiter last read in the ticket ahead of it. */
interface Sighting {
  k: number
  text: string
  since: number
  abandoned?: boolean
}

function deadHere(text: string, self: Identity): boolean {
  try {
    const r = JSON.parse(text) as Partial<TicketRecord>
    if (typeof r.hostId !== 'string' || typeof r.pid !== 'number') return false
    return holderProcessEnded({ ...self, hostId: r.hostId, pid: r.pid }, self)
  } catch {
    return false // unreadable: judged by its beats like any other
  }
}

/** This waiter's ticket: rewritten every beat while it waits, removed when it leaves. */
class Ticket {
  lost = false
  private readonly timer: Disposable

  constructor(
    clock: Clock,
    private readonly dir: string,
    readonly k: number,
    private record: TicketRecord,
    beatMs: number
  ) {
    this.timer = clock.setInterval(() => this.beat(), beatMs)
  }

  private async beat(): Promise<void> {
    if (this.lost) return
    this.record = { ...this.record, beat: this.record.beat + 1 }
    try {
      await replaceSmallFile(path.join(this.dir, TICKET_FILE), JSON.stringify(this.record))
    } catch {
      // Gone: removed as abandoned (this waiter was too slow to show it lives): it enters again.
      // Still there: a failed write (SMB refuses replacing a file another client has open — the
      // judge reading it): the next beat tries again, and the ticket keeps its place.
      if ((await lstatOrNull(this.dir).catch(() => null)) === null) this.lost = true
    }
  }

  stop(): void {
    this.timer.dispose()
  }

  async leave(log: Log): Promise<void> {
    this.stop()
    // Left behind, it holds up no one for long: the waiter behind judges it abandoned.
    await removeTree(this.dir).catch((err: unknown) =>
      log.warn('a write-queue ticket could not be removed', { ticket: this.dir, error: errorText(err) })
    )
  }
}

/**
 * Wakes a waiter on a native event, or after a pause. It watches the queue folder and the mutex
 * folder for the whole wait, but is woken only by what moves it: an event naming the ticket right
 * ahead (its leaving), or — at the head — any change of the mutex folder. Entries' events, not a
 * watched folder's report of its own removal: libuv drops that one on macOS and Windows gives an
 * error instead (review of 2026-11-30: watching the ticket's own folder woke nobody there, and
 * every hand-off waited for the safety poll, 125–1,500 ms).
 */
class Waker {
  private queueWatch: { close(): void } | null = null
  private mutexWatch: { close(): void } | null = null
  /** The name of the ticket right ahead; null at the head. */
  private aheadName: string | null = null
  /** Names the queue's events reported since {@link mark}: a ticket that left before it was followed. */
  private readonly seen = new Set<string>()
  private fired = false
  private wake: (() => void) | null = null

  constructor(private readonly clock: Clock) {}

  /** Called right before the queue is listed: what is reported after it is news to that listing. */
  mark(): void {
    this.seen.clear()
  }

  /**
   * Follows a waiter whose predecessor is ticket `ahead` (-1: none, the head). True when the queue
   * cannot be watched (the poll does it). A predecessor that left after the listing began (its
   * event came before this call) wakes the waiter at once.
   */
  follow(queueDir: string, mutexDir: string, ahead: number): boolean {
    this.queueWatch ??= watchNames(queueDir, (n) => {
      this.seen.add(n)
      if (n === this.aheadName) this.fire()
    })
    this.mutexWatch ??= watchNames(mutexDir, () => {
      if (this.aheadName === null) this.fire()
    })
    this.aheadName = ahead === -1 ? null : genName(ahead)
    if (this.aheadName !== null && this.seen.has(this.aheadName)) this.fire()
    return ahead !== -1 && this.queueWatch === null
  }

  private fire(): void {
    this.fired = true
    this.wake?.()
  }

  async next(pauseMs: number, leftMs: number): Promise<void> {
    if (!this.fired) {
      let timer: Disposable | undefined
      await new Promise<void>((resolve) => {
        this.wake = resolve
        timer = this.clock.setTimeout(resolve, Math.max(0, Math.min(pauseMs, leftMs)))
      })
      timer?.dispose()
      this.wake = null
    }
    this.fired = false
  }

  close(): void {
    this.queueWatch?.close()
    this.mutexWatch?.close()
    this.queueWatch = this.mutexWatch = null
  }
}
