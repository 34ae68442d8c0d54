/**
 * The server's view of the document, brought into the editor: who holds which section (badges),
 * other writers' saved text (in place, section by section, or as a line diff when sections were
 * added, deleted or moved), and held sections that changed underneath (conflicts). Pure functions
 * from a state and a snapshot to transaction specs; the session dispatches them.
 */
import type { EditorState, TransactionSpec } from '@codemirror/state'
import type { LockView } from '../../../shared/contract'
import { formatSince } from '../../../shared/format-time'
import { userColour } from './lock-decorations'
import { isMine, patchSections, phaseOf, sectionLocks } from './lock-state'
import type { SectionHolder, SectionLock } from './lock-state'
import { mergedDocument, remoteDocumentSpec } from './remote-document'
import { remoteSectionSpec } from './remote-update'
import { collapseCrlf } from '../../../shared/section-ranges'
import { indexOfSection } from './section-index'
import type { SectionIndex } from './section-index'
import type { ServerSnapshot } from './session-host'

/** Line breaks as the editor stores them. */
export function editorText(text: string): string {
  return text.replace(/\r\n?/g, '\n')
}

/** A lock as the editor's badge shows it, worded against `now`. */
export function holderOf(lock: LockView, now: number): SectionHolder {
  return {
    user: lock.mineElsewhere ? `${lock.holder.user} (another window)` : lock.holder.user,
    host: lock.holder.host,
    since: lock.holder.since,
    sinceText: formatSince(lock.holder.since, now),
    colour: userColour(lock.holder.ownerId),
    ...(lock.stale ? { stale: true } : {})
  }
}

/**
 * For the sections this window does not hold: their holder (someone else, or the document lock), or
 * null where a section shows a holder and has none now. A section that shows none and gets none is
 * left out (read it as null): on every lock event, a map of 25,000 nulls was most of the page's work.
 * With `index` (of `sections`) only the sections the locks name and those showing a holder are
 * looked at — unless a document lock is there, which every section gets.
 */
export function holdersFor(
  sections: readonly SectionLock[],
  locks: readonly LockView[],
  now: number,
  index?: SectionIndex
): Map<string, SectionHolder | null> {
  const docLock = locks.find((l) => l.kind === 'document' && !l.mine)
  // One pass over the locks, then one lookup per section (not a scan per section: 5,000 × 100).
  const bySection = new Map<string, LockView>()
  for (const l of locks)
    if (l.kind === 'section' && !l.mine && l.sectionId && !bySection.has(l.sectionId))
      bySection.set(l.sectionId, l)
  const out = new Map<string, SectionHolder | null>()
  const visit = (s: SectionLock) => {
    if (isMine(s)) return
    const other = bySection.get(s.id) ?? docLock
    if (other) out.set(s.id, holderOf(other, now))
    else if (s.holder !== undefined) out.set(s.id, null)
  }
  if (docLock || !index) {
    for (const s of sections) visit(s)
    return out
  }
  for (const ids of [bySection.keys(), index.holders])
    for (const id of ids) {
      const i = index.byId.get(id)
      if (i !== undefined && !out.has(id)) visit(sections[i])
    }
  return out
}

function sameHolder(a: SectionHolder | undefined, b: SectionHolder | null): boolean {
  if (!a || !b) return !a && !b
  return (
    a.user === b.user &&
    a.host === b.host &&
    a.since === b.since &&
    a.stale === b.stale &&
    a.sinceText === b.sinceText
  )
}

/**
 * The effect that puts `holders` (from {@link holdersFor} over the same state's sections) on the
 * sections, only where something changed; null when nothing did.
 */
export function holderPatch(
  state: EditorState,
  holders: Map<string, SectionHolder | null>
): TransactionSpec | null {
  const changes = new Map<string, Partial<SectionLock>>()
  if (holders.size === 0) return null // nobody else holds anything, and no section shows a holder
  const locks = sectionLocks(state)
  for (const [id, holder] of holders) {
    const i = indexOfSection(locks, id)
    const s = i < 0 ? undefined : locks[i]
    if (!s || isMine(s)) continue
    const h = holder ?? null
    if (sameHolder(s.holder, h)) continue
    changes.set(
      s.id,
      h
        ? { holder: h, phase: 'other', editable: false }
        : { holder: undefined, phase: 'free', editable: false }
    )
  }
  return changes.size ? { effects: patchSections.of(changes) } : null
}

/** A section of the snapshot in editor positions of the snapshot's (editor-normalised) text. */
export interface ServerSection {
  id: string
  from: number
  to: number
  sha: string
  heading: string
  level: number
}

/**
 * The editor positions of the snapshot's section bounds (`from`, `to` of each, in order), or null
 * when they are the snapshot's own offsets: the services send offsets into the text, so only a text
 * with a CR in it needs any counting here (the editor stores a CRLF as one line break).
 */
function editorBounds(snapshot: ServerSnapshot): number[] | null {
  if (!snapshot.text.includes('\r')) return null
  return collapseCrlf(
    snapshot.text,
    snapshot.sections.flatMap((s) => [s.from, s.to])
  )
}

/** The snapshot's sections in editor positions, with its text as the editor stores it. */
export function serverSections(snapshot: ServerSnapshot): { text: string; sections: ServerSection[] } {
  const bounds = editorBounds(snapshot)
  return {
    text: bounds ? editorText(snapshot.text) : snapshot.text,
    sections: snapshot.sections.map((s, i) => ({
      id: s.id,
      from: bounds ? bounds[2 * i] : s.from,
      to: bounds ? bounds[2 * i + 1] : s.to,
      sha: s.sha256,
      heading: s.heading,
      level: s.level
    }))
  }
}

/**
 * The sections of a window that opens `snapshot`: sections this window already holds (from before)
 * are held with the snapshot's text as saved; the others carry their holder (or the document lock's).
 * One object per section, built in one pass (a 5 MB document has 25,000): opening a document costs
 * the page no more than that.
 */
export function sectionsOfSnapshot(snapshot: ServerSnapshot, now: number): SectionLock[] {
  const bounds = editorBounds(snapshot)
  const mine = new Set(snapshot.locks.filter((l) => l.kind === 'section' && l.mine).map((l) => l.sectionId))
  // Nobody else holds anything (the common case): no holder to look up.
  const holders = snapshot.locks.some((l) => !l.mine)
    ? holdersFor(
        snapshot.sections.map((s) => ({ id: s.id, from: s.from, to: s.to, editable: false })),
        snapshot.locks,
        now
      )
    : null
  const text = mine.size > 0 ? (bounds ? editorText(snapshot.text) : snapshot.text) : ''
  return snapshot.sections.map((s, i): SectionLock => {
    const from = bounds ? bounds[2 * i] : s.from
    const to = bounds ? bounds[2 * i + 1] : s.to
    const { id, heading, level, sha256: sha } = s
    if (mine.has(id))
      return { id, from, to, heading, level, sha, editable: true, phase: 'held', saved: text.slice(from, to) }
    const holder = holders?.get(id)
    return holder
      ? { id, from, to, heading, level, sha, editable: false, phase: 'other', holder }
      : { id, from, to, heading, level, sha, editable: false, phase: 'free' }
  })
}

/** One step of bringing the editor to a snapshot: a transaction, or one section's new text. */
export type PlanStep = { spec: TransactionSpec } | { section: string; text: string }

/** What applying a snapshot means for the editor. */
export interface SnapshotPlan {
  /** Steps to dispatch, in order (a section step is turned into a transaction against the state it meets). */
  steps: PlanStep[]
  /** Held sections whose text changed underneath and differs from the writer's. */
  conflicts: { id: string; mine: string; theirs: string; theirsChecksum: string }[]
  /** Held sections the server no longer has (deleted or moved away by someone). */
  orphans: { id: string; text: string }[]
}

/**
 * How to bring the editor to `snapshot`: sections this window does not hold take the server's text;
 * held ones keep the writer's text, and adopt the server's checksum where the server has exactly
 * the writer's text; a held section that changed underneath is a conflict (its text is not touched).
 */
export function planSnapshot(
  state: EditorState,
  snapshot: ServerSnapshot,
  holders: Map<string, SectionHolder | null>
): SnapshotPlan {
  const server = serverSections(snapshot)
  const current = sectionLocks(state)
  const byId = new Map(server.sections.map((s) => [s.id, s]))
  const plan: SnapshotPlan = { steps: [], conflicts: [], orphans: [] }
  const basePatch = new Map<string, Partial<SectionLock>>()
  const refreshed: { id: string; text: string; sha: string }[] = []
  for (const s of current) {
    if (!isMine(s)) continue
    const there = byId.get(s.id)
    const mine = state.sliceDoc(s.from, s.to)
    if (!there) {
      if (s.phase === 'held' || s.phase === undefined) plan.orphans.push({ id: s.id, text: mine })
      continue
    }
    if (s.phase === 'acquiring' || there.sha === s.sha) continue
    const theirs = server.text.slice(there.from, there.to)
    if (theirs === mine) basePatch.set(s.id, { sha: there.sha, saved: mine })
    else if (takesTheirs(s, mine)) refreshed.push({ id: s.id, text: theirs, sha: there.sha })
    else plan.conflicts.push({ id: s.id, mine, theirs, theirsChecksum: there.sha })
  }

  const sameShape =
    current.length === server.sections.length && current.every((c, i) => c.id === server.sections[i].id)
  // The whole-document merge below keeps every held section's text: there, a refreshed one is a conflict.
  for (const r of refreshed) {
    if (!sameShape) {
      plan.conflicts.push({ id: r.id, mine: sliceOf(state, r.id), theirs: r.text, theirsChecksum: r.sha })
      continue
    }
    basePatch.set(r.id, { sha: r.sha, saved: r.text })
    plan.steps.push({ section: r.id, text: r.text })
  }
  if (basePatch.size) plan.steps.unshift({ spec: { effects: patchSections.of(basePatch) } })
  if (sameShape) {
    // Same ids in the same order: section i is current[i] (no search per section).
    const info = new Map<string, Partial<SectionLock>>()
    server.sections.forEach((s, i) => {
      const c = current[i]
      if (!isMine(c) && (c.sha !== s.sha || c.heading !== s.heading || c.level !== s.level))
        info.set(s.id, { sha: s.sha, heading: s.heading, level: s.level })
    })
    if (info.size) plan.steps.push({ spec: { effects: patchSections.of(info) } })
    for (const [i, s] of server.sections.entries()) {
      const c = current[i]
      if (isMine(c)) continue
      const fresh = server.text.slice(s.from, s.to)
      if (state.sliceDoc(c.from, c.to) !== fresh) plan.steps.push({ section: s.id, text: fresh })
    }
  } else {
    const merged = mergedDocument(state, server.text, server.sections)
    const mineById = new Map(current.filter((c) => isMine(c)).map((c) => [c.id, c]))
    const entries: SectionLock[] = merged.ranges.map((r) => {
      const own = mineById.get(r.id)
      const s = byId.get(r.id)
      if (own) return { ...own, from: r.from, to: r.to }
      const h = holders.get(r.id) ?? null
      return {
        id: r.id,
        from: r.from,
        to: r.to,
        editable: false,
        phase: h ? ('other' as const) : ('free' as const),
        ...(h ? { holder: h } : {}),
        heading: s?.heading ?? '',
        level: s?.level ?? 0,
        sha: s?.sha ?? ''
      }
    })
    plan.steps.push({ spec: remoteDocumentSpec(state, merged.text, entries) })
  }
  return plan
}

/**
 * A held section whose text is still exactly what it was taken or last saved with takes a newer
 * version of the file as it is: nothing the writer typed is in it to lose, and the text it had is in
 * the file's history. It happens when a section handed over arrives before its previous holder's
 * last save does (that save is older than the lock, not a change made underneath it); before, the
 * new holder was shown a conflict without having typed a word.
 */
export function takesTheirs(s: SectionLock, mine: string): boolean {
  return phaseOf(s) === 'held' && s.saved !== undefined && s.saved === mine
}

function sliceOf(state: EditorState, id: string): string {
  const s = sectionLocks(state).find((x) => x.id === id)
  return s ? state.sliceDoc(s.from, s.to) : ''
}

/** The transaction for one step against the state it meets (null: nothing left to do). */
export function stepSpec(state: EditorState, step: PlanStep): TransactionSpec | null {
  return 'spec' in step ? step.spec : remoteSectionSpec(state, step.section, step.text)
}
