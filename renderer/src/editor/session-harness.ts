/**
 * A section session over an EditorState (no DOM) and the fake server, with a clock the test moves
 * by hand. Not imported by production code.
 */
import { history, isolateHistory, redo, undo } from '@codemirror/commands'
import { EditorState } from '@codemirror/state'
import type { Transaction } from '@codemirror/state'
import type { Extension, TransactionSpec } from '@codemirror/state'
import { FakeServer } from './fake-server'
import { guarded, historyFloor, onBlockedEdit, sectionLockFilter, sessionMeta } from './lock-filter'
import type { BlockedEdit } from './lock-filter'
import { findSection, sectionLockField, sectionLocks, setSectionLocks } from './lock-state'
import type { SectionLock } from './lock-state'
import { SectionSession } from './session'
import type { SessionClock } from './session'
import { sectionsOfSnapshot } from './session-sync'
import type { SectionChange } from './session-core'
import type { ServerSnapshot } from './session-host'
import { patchSavedRun } from '../../../shared/patch-snapshot'

/** A clock whose timers run only when the test advances it. */
export class ManualClock implements SessionClock {
  private t = Date.UTC(2026, 10, 21, 10, 32)
  private timers: { at: number; fn: () => void; id: number }[] = []
  private ids = 0
  now(): number {
    return this.t
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.ids
    this.timers.push({ at: this.t + ms, fn, id })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle)
  }
  /** Moves time on, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.timers = this.timers.filter((x) => x !== due)
      this.t = due.at
      due.fn()
    }
    this.t = end
  }
  pending(): number {
    return this.timers.length
  }
}

/** One editor window on the fake server. */
/** The sections of `next` that differ from `prev`, or null when the sections are not the same ids in order. */
function changesBetween(prev: ServerSnapshot, next: ServerSnapshot): SectionChange[] | null {
  if (prev.sections.length !== next.sections.length) return null
  if (prev.sections.some((s, i) => s.id !== next.sections[i].id)) return null
  return next.sections.flatMap((s, i) =>
    s.sha256 === prev.sections[i].sha256
      ? []
      : [
          {
            id: s.id,
            level: s.level,
            heading: s.heading,
            sha256: s.sha256,
            text: next.text.slice(s.from, s.to)
          }
        ]
  )
}

export class Window {
  state: EditorState
  readonly session: SectionSession
  readonly blocked: BlockedEdit[] = []
  /** The version the window's store has (what `documents:changes` is asked against). */
  private have: ServerSnapshot

  constructor(
    readonly server: FakeServer,
    readonly clock: ManualClock,
    extensions: Extension = []
  ) {
    this.state = EditorState.create({
      doc: server.text,
      extensions: [
        history(),
        sectionLockField,
        sessionMeta,
        historyFloor,
        sectionLockFilter,
        onBlockedEdit.of((e) => this.blocked.push(e)),
        extensions
      ]
    })
    const view = {
      state: this.state,
      dispatch: (...specs: TransactionSpec[]) => this.apply(this.state.update(...specs))
    }
    Object.defineProperty(view, 'state', { get: () => this.state })
    // As the window's store does: its copy follows its own saves from their answers.
    const host = server.host()
    const save = host.save
    host.save = async (req) => {
      const r = await save(req)
      const ids = [req.sectionId, ...(req.following ?? []).map((f) => f.sectionId)]
      if (r.ok) this.have = patchSavedRun(this.have, ids, r.value) ?? this.have
      return r
    }
    this.session = new SectionSession(view, host, clock, {
      autosaveMs: 2_000,
      journalMs: 100,
      touchMs: 10_000
    })
    server.onRefresh = () => this.refresh()
    this.have = server.snapshotNow()
    this.session.builtFrom(this.have.fileSha256)
    this.apply(
      this.state.update({
        effects: setSectionLocks.of(sectionsOfSnapshot(server.snapshotNow(), clock.now()))
      })
    )
  }

  /** Applies a transaction (already filtered) and tells the session, as a view would. */
  apply(tr: Transaction): void {
    this.state = tr.state
    this.session.update([tr])
  }

  /** A local edit as the keyboard makes it (one undo step of its own). */
  edit(spec: TransactionSpec): void {
    this.apply(this.state.update(spec, { annotations: isolateHistory.of('full'), userEvent: 'input' }))
  }

  type(pos: number, text: string): void {
    this.edit({
      changes: { from: pos, insert: text },
      selection: { anchor: pos + text.length },
      scrollIntoView: true
    })
  }

  /** Ctrl+Z as the app binds it (judged, since history bypasses filters). */
  undo(): boolean {
    return guarded(undo)({ state: this.state, dispatch: (tr) => this.apply(tr) })
  }

  redo(): boolean {
    return guarded(redo)({ state: this.state, dispatch: (tr) => this.apply(tr) })
  }

  /**
   * What the window's store does on `document:changed`: asks what changed since the version it has
   * and hands the changed sections to the session (the services answer the whole document when the
   * sections are not the same ids in the same order — so does this harness).
   */
  refresh(): void {
    // Nothing newer than what the editor shows (the store hears of every version by its event).
    // Locks arrive by their own event (locks:changed), each window's view of them.
    const { fileSha256: now, locks } = this.server.snapshotNow()
    if (this.have.fileSha256 === now && this.session.shows(now)) return this.session.applyLocks(locks)
    const ticket = this.session.ticket()
    void this.server
      .host()
      .snapshot()
      .then((r) => {
        if (!r.ok) return
        const prev = this.have
        this.have = r.value
        const changed = prev ? changesBetween(prev, r.value) : null
        if (prev && changed) this.session.applySections(changed, prev.fileSha256, r.value, ticket)
        else this.session.applySnapshot(r.value, ticket)
      })
  }

  section(id: string): SectionLock {
    const s = findSection(this.state, id)
    if (!s) throw new Error(`no section ${id}`)
    return s
  }

  textOf(id: string): string {
    const s = this.section(id)
    return this.state.sliceDoc(s.from, s.to)
  }

  get text(): string {
    return this.state.doc.toString()
  }

  ids(): string[] {
    return sectionLocks(this.state).map((s) => s.id)
  }

  /** Waits for `p` while delivering the answers it waits for. */
  async until<T>(p: Promise<T>): Promise<T> {
    let done = false
    const out = p.finally(() => {
      done = true
    })
    for (let i = 0; i < 100 && !done; i++) await this.server.settle()
    return out
  }

  /** Delivers answers and snapshots until nothing moves. */
  async quiesce(): Promise<void> {
    await this.server.settle()
    this.refresh()
    await this.server.settle()
  }
}

/** The session tests' document: three sections. */
export const SESSION_DOC = '# Intro\nhello\n\n# Budget\nmoney x z\n\n# Risks\nmany\n'

/** A window on a fake server holding `text`, with a manual clock. */
export function openWindow(text = SESSION_DOC, ext: Extension = []) {
  const server = new FakeServer(text)
  const clock = new ManualClock()
  const win = new Window(server, clock, ext)
  return { server, clock, win }
}

/** Autosave fires, its answer arrives, the document is read again. */
export async function autosave(w: Window) {
  w.clock.advance(2_000)
  await w.quiesce()
}
