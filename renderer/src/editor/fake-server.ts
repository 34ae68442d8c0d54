/**
 * An in-memory stand-in for the services, for the session's tests (not imported by production
 * code): one document as a list of sections, a lock table (this window, or "ann" elsewhere), the
 * save rules that matter to the window (bases checked per section, a run replaced whole, headings
 * added become held sections with fresh ids, headings removed retire their sections), a journal
 * and drafts. Answers are queued and delivered when the test says (`settle`), so a test can type
 * while a lock or a save is on its way.
 */
import type { LockView } from '../../../shared/contract'
import { ErrorCode, type ErrorValue, type Result } from '../../../shared/errors'
import { textSections } from '../../../shared/section-ranges'
import type { SectionInfo } from '../../../shared/types'
import { parseHeadings } from './headings'
import type {
  JournalEntry,
  SaveAnswer,
  ServerSnapshot,
  SessionConflict,
  SessionHost,
  SessionNotice
} from './session-host'

/** A section on the fake server. */
export interface FakeSection {
  id: string
  text: string
}

/** A deterministic 64-hex digest (the fake needs distinct checksums, not SHA-256 itself). */
function sha(t: string): string {
  let out = ''
  for (let seed = 0; seed < 8; seed++) {
    let h = (0x811c9dc5 ^ seed) >>> 0
    for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193) >>> 0
    out += h.toString(16).padStart(8, '0')
  }
  return out
}
const fail = (
  code: ErrorValue['code'],
  message: string,
  details?: Record<string, unknown>
): Result<never> => ({
  ok: false,
  error: { code, message, ...(details ? { details } : {}) }
})

/** Splits a text into sections (preamble first when `fileStart`), by the same parser the editor uses. */
export function splitSections(
  text: string,
  fileStart: boolean
): { text: string; heading: string; level: number }[] {
  const lines = text.split('\n')
  const starts = [0]
  for (let i = 0, p = 0; i < lines.length - 1; i++) starts.push((p += lines[i].length + 1))
  const hs = parseHeadings(text, fileStart)
  const cuts = hs.map((h) => starts[h.line])
  const out: { text: string; heading: string; level: number }[] = []
  if (fileStart) out.push({ text: text.slice(0, cuts[0] ?? text.length), heading: '', level: 0 })
  else if (cuts[0] !== 0) out.push({ text: text.slice(0, cuts[0] ?? text.length), heading: '', level: 0 })
  hs.forEach((h, k) =>
    out.push({ text: text.slice(cuts[k], cuts[k + 1] ?? text.length), heading: h.heading, level: h.level })
  )
  return out
}

/** See the module comment. */
export class FakeServer {
  sections: FakeSection[]
  readonly locks = new Map<string, 'me' | 'ann'>()
  readonly journalStore = new Map<string, JournalEntry>()
  readonly notices: SessionNotice[] = []
  readonly conflicts: SessionConflict[] = []
  /** Every text this window's saves put into the file, in order. */
  readonly saves: string[] = []
  /** How the server writes a saved text otherwise than sent (a test's hook; null: as the services do). */
  writeAs: ((text: string) => string) | null = null
  private queue: (() => void)[] = []
  private nextId = 1
  connected = true
  /** Called by the server to deliver a snapshot / lost lock to the window (set by the test). */
  onRefresh: (() => void) | null = null

  constructor(text: string) {
    let n = 0
    this.sections = splitSections(text, true).map((s, i) => ({
      id: i === 0 ? 'preamble' : `s${++n}`,
      text: s.text
    }))
    this.nextId = n + 1
  }

  /** The whole document. */
  get text(): string {
    return this.sections.map((s) => s.text).join('')
  }

  /** Delivers every queued answer (and answers those answers queue), in order. */
  async settle(): Promise<void> {
    for (let round = 0; round < 50; round++) {
      const q = this.queue
      this.queue = []
      if (q.length === 0) {
        await Promise.resolve()
        if (this.queue.length === 0) return
        continue
      }
      for (const deliver of q) deliver()
      await new Promise((r) => setTimeout(r, 0))
    }
  }

  private later<T>(compute: () => T): Promise<T> {
    return new Promise((resolve) => this.queue.push(() => resolve(compute())))
  }

  private offline<T>(): Result<T> {
    return fail(ErrorCode.Io, 'Not connected to Sectioned.')
  }

  /** The sections as the services index them: byte ranges and lines (what a save answers with). */
  private sectionInfos(): SectionInfo[] {
    const enc = new TextEncoder()
    let byte = 0
    let line = 0
    return this.sections.map((s, i) => {
      const len = enc.encode(s.text).length
      const lines = s.text.split('\n').length - 1
      const head = i === 0 ? { heading: '', level: 0 } : splitSections(s.text, false)[0]
      const info = {
        id: s.id,
        level: head?.level ?? 1,
        heading: head?.heading ?? '',
        startLine: line,
        endLine: line + lines,
        start: byte,
        end: byte + len,
        sha256: sha(s.text)
      }
      byte += len
      line += lines
      return info
    })
  }

  snapshotNow(): ServerSnapshot {
    const sections = textSections(this.text, this.sectionInfos())
    return {
      document: 'doc.md',
      fileSha256: sha(this.text),
      text: this.text,
      sections,
      locks: this.lockViews(),
      readOnly: null
    }
  }

  lockViews(): LockView[] {
    return [...this.locks].map(([id, who]) => ({
      kind: 'section' as const,
      document: 'doc.md',
      sectionId: id,
      holder: {
        ownerId: who,
        user: who === 'me' ? 'me' : 'ann',
        host: `${who}-pc`,
        instanceId: who,
        since: '2026-11-21T10:32:00.000Z'
      },
      lastHeartbeat: '2026-11-21T10:32:00.000Z',
      mine: who === 'me',
      mineElsewhere: false,
      stale: false
    }))
  }

  private save(req: {
    sectionId: string
    baseSha256: string
    text: string
    following?: { sectionId: string; baseSha256: string }[]
  }): Result<SaveAnswer> {
    const ids = [req.sectionId, ...(req.following ?? []).map((f) => f.sectionId)]
    const bases = [req.baseSha256, ...(req.following ?? []).map((f) => f.baseSha256)]
    for (const id of ids)
      if (this.locks.get(id) !== 'me') return fail(ErrorCode.LockLost, `You no longer hold ${id}.`)
    const i = this.sections.findIndex((s) => s.id === ids[0])
    if (i < 0) return fail(ErrorCode.Conflict, 'gone', { mine: req.text, theirs: null, theirsChecksum: null })
    const run = this.sections.slice(i, i + ids.length)
    const current = run.map((s) => s.text).join('')
    if (run.some((s, k) => s.id !== ids[k] || sha(s.text) !== bases[k]))
      return fail(ErrorCode.Conflict, 'changed', {
        mine: req.text,
        theirs: current,
        theirsChecksum: sha(run[0].text)
      })
    const last = i + ids.length === this.sections.length
    // As the services do (sections/splice.ts prepareSectionBytes): a section followed by another
    // ends with a line break, unless it is empty.
    const sent = last || req.text === '' || req.text.endsWith('\n') ? req.text : `${req.text}\n`
    const text = this.writeAs ? this.writeAs(sent) : sent
    const parts = splitSections(text, i === 0)
    if (i > 0 && parts[0]?.level === 0)
      return fail(ErrorCode.Validation, 'The text must begin with its heading line.')
    // Ids: the first keeps its id; others by heading in order, else fresh (held by the saver).
    const old = run.slice(1).map((s) => ({ id: s.id, heading: splitSections(s.text, false)[0]?.heading }))
    const fresh: FakeSection[] = parts.map((p, k) => {
      if (k === 0) return { id: ids[0], text: p.text }
      const match = old.findIndex((o) => o.heading === p.heading)
      if (match >= 0) return { id: old.splice(match, 1)[0].id, text: p.text }
      return { id: `s${this.nextId++}`, text: p.text }
    })
    const retired = old.map((o) => o.id)
    for (const f of fresh) this.locks.set(f.id, 'me')
    for (const r of retired) this.locks.delete(r)
    const baseFileSha256 = sha(this.text)
    this.sections.splice(i, ids.length, ...fresh)
    this.saves.push(text)
    const runInfo = this.sectionInfos().slice(i, i + fresh.length)
    return {
      ok: true,
      value: {
        document: 'doc.md',
        section: runInfo[0],
        fileSha256: sha(this.text),
        baseFileSha256,
        runText: fresh.map((f) => f.text).join(''),
        version: this.saves.length,
        changed: true,
        run: runInfo,
        retired
      }
    }
  }

  /** The host a session talks to. `refresh` asks the test's harness to deliver a snapshot. */
  host(): SessionHost {
    return {
      acquire: (id) =>
        this.later(() => {
          if (!this.connected) return this.offline<LockView>()
          const who = this.locks.get(id)
          if (who === 'ann')
            return fail(ErrorCode.LockHeld, `Section “${id}” is being edited by ann on ann-pc, since 10:32.`)
          if (!this.sections.some((s) => s.id === id)) return fail(ErrorCode.NotFound, 'no such section')
          this.locks.set(id, 'me')
          return { ok: true, value: this.lockViews().find((l) => l.sectionId === id) as LockView }
        }),
      release: (id) =>
        this.later(() => {
          if (!this.connected) return this.offline<unknown>()
          if (this.locks.get(id) === 'me') this.locks.delete(id)
          return { ok: true, value: { released: true } }
        }),
      save: (req) => this.later(() => (this.connected ? this.save(req) : this.offline<SaveAnswer>())),
      restore: (req) =>
        this.later(() => {
          const s = this.sections.find((x) => x.id === req.sectionId)
          if (!s) return fail(ErrorCode.NotFound, 'gone')
          return this.save({
            sectionId: req.sectionId,
            baseSha256: req.baseSha256,
            text: this.versionText(req.sectionId, req.version)
          })
        }),
      touch: () => undefined,
      journal: (entries) =>
        this.later(() => {
          if (!this.connected) return false
          for (const e of entries) {
            if (e.text === null) this.journalStore.delete(e.sectionId)
            else this.journalStore.set(e.sectionId, e)
          }
          return true
        }),
      snapshot: () =>
        this.later(() =>
          this.connected ? { ok: true as const, value: this.snapshotNow() } : this.offline<ServerSnapshot>()
        ),
      refresh: () => this.onRefresh?.(),
      notify: (n) => {
        // As the app's notices do: kept text is never replaced, plain notices of one key are.
        if (
          n.draft &&
          this.notices.some(
            (x) => x.draft?.sectionId === n.draft?.sectionId && x.draft?.text === n.draft?.text
          )
        )
          return
        const i = this.notices.findIndex((x) => x.key === n.key && !x.draft)
        if (i >= 0) this.notices.splice(i, 1)
        this.notices.push(n)
      },
      retract: (key) => {
        const i = this.notices.findIndex((x) => x.key === key && !x.draft)
        if (i >= 0) this.notices.splice(i, 1)
      },
      conflict: (c) => void this.conflicts.push(c),
      heldChanged: () => undefined,
      outlineChanged: () => undefined
    }
  }

  /** Versions for restore: version 1 of every section is its text at construction (set by tests). */
  readonly versions = new Map<string, string[]>()
  private versionText(id: string, version: number): string {
    return this.versions.get(id)?.[version - 1] ?? ''
  }

  // ---- what other writers and programs do -----------------------------------------------------

  annTakes(id: string): boolean {
    if (this.locks.has(id)) return false
    this.locks.set(id, 'ann')
    return true
  }
  annReleases(id: string): void {
    if (this.locks.get(id) === 'ann') this.locks.delete(id)
  }
  /** Ann saves a section she holds (its heading kept). */
  annSaves(id: string, body: string): boolean {
    const s = this.sections.find((x) => x.id === id)
    if (!s || this.locks.get(id) !== 'ann') return false
    const head = s.text.split('\n')[0]
    s.text = id === 'preamble' ? body : `${head}\n${body}`
    return true
  }
  /** Another program rewrites a section's body, whoever holds it. */
  externalEdit(id: string, body: string): void {
    const s = this.sections.find((x) => x.id === id)
    if (!s) return
    const head = s.text.split('\n')[0]
    s.text = id === 'preamble' ? body : `${head}\n${body}`
  }
  /** Ann takes over a section this window holds (its holder "stopped answering"). */
  takeover(id: string): boolean {
    if (this.locks.get(id) !== 'me') return false
    this.locks.set(id, 'ann')
    return true
  }
  newId(): number {
    return this.nextId
  }
}
