/**
 * What every part of a section session shares: the editor it drives, the services (host), the
 * clock and pacing, and the session's bookkeeping. SessionRemote (what the services say) and
 * SessionCore (the editor's transactions, pacing, saving) build on it; session.ts adds the writer's
 * commands.
 */
import type { EditorState, TransactionSpec } from '@codemirror/state'
import type { LockView } from '../../../shared/contract'
import type { SectionLock } from './lock-state'
import { ClaimBook } from './session-claims'
import type { InFlightSave } from './session-runs'
import type { JournalEntry, SessionHost, ServerSnapshot } from './session-host'

/** The editor a session drives: a view, or a test's stand-in with the same two members. */
export interface SessionView {
  readonly state: EditorState
  dispatch(...specs: TransactionSpec[]): void
}

/** Timers and the wall clock, injected so tests run the session without waiting. */
export interface SessionClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** How the session paces its work. */
export interface SessionTiming {
  /** Autosave this long after the last keystroke. */
  autosaveMs: number
  /** Journal unsaved text at most this long after a keystroke. */
  journalMs: number
  /** At most one `locks:touch` per section this often. */
  touchMs: number
}

/** The pacing the app uses. */
export const DEFAULT_TIMING: SessionTiming = { autosaveMs: 2_000, journalMs: 100, touchMs: 10_000 }

const systemClock: SessionClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>)
}

export function label(s: SectionLock | undefined): string {
  return s?.heading ? `“${s.heading}”` : s?.id === 'preamble' ? 'The preamble' : 'This section'
}

/** {@link label} inside a sentence ("You no longer hold the preamble"). */
export function labelInSentence(s: SectionLock | undefined): string {
  return s?.heading ? label(s) : label(s).toLowerCase()
}

/** The session's state, shared by its parts. */
export abstract class SessionBase {
  protected readonly claims = new ClaimBook()
  protected readonly inflight = new Set<InFlightSave>()
  /** Lock requests that typing started and that are not answered yet. */
  protected readonly acquiring = new Set<Promise<void>>()
  protected busy = 0
  protected pending: { snapshot: ServerSnapshot; ticket: number } | null = null
  protected lastLocks: LockView[] = []
  protected tickets = 0
  /** Snapshots asked for before this ticket are older than a save this window made: dropped. */
  protected minTicket = 0
  protected saving: Promise<boolean> | null = null
  protected saveAgain = false
  protected readonly conflicted = new Set<string>()
  /** Held sections being taken again after a reconnect (not saved until they are). */
  protected readonly retaking = new Set<string>()
  /** Run texts the services refused (not sent again until they change). */
  protected readonly rejected = new Map<string, string>()
  protected readonly journaled = new Map<string, string | null>()
  protected readonly lastTouch = new Map<string, number>()
  protected autosaveTimer: unknown = null
  protected journalTimer: unknown = null
  /** When snapshots started to lack a held section (see `applySnapshot`); null while none does. */
  protected vanishedSince: number | null = null
  protected vanishedTimer: unknown = null
  protected publishQueued = false
  /** The file version the editor shows, which `applySections` builds on (null: unknown). */
  protected appliedSha: string | null = null
  protected destroyed = false

  constructor(
    protected readonly view: SessionView,
    protected readonly host: SessionHost,
    protected readonly clock: SessionClock = systemClock,
    protected readonly timing: SessionTiming = DEFAULT_TIMING
  ) {}

  /** The writer changed text (pacing: autosave, journal, touch). */
  protected abstract edited(): void
  /** Publishes held sections and the outline (batched to one microtask). */
  protected abstract queuePublish(): void
  /** Writes the unsaved text of held sections to the local journal; false when it could not. */
  abstract writeJournal(extra?: JournalEntry[]): Promise<boolean>
}
