/**
 * The sections of the open document as this window sees them: where each one is in the editor,
 * who holds it, and — for the ones this window edits — where it is in its life (acquiring, held),
 * which server checksum its text started from and what text was last saved. The ranges tile the
 * document and follow every transaction (where boundaries go: boundaries.ts); the session (see
 * session.ts) changes the rest with effects.
 */
import { StateEffect, StateField } from '@codemirror/state'
import { followBroughtHeadings, mapBoundaries } from './boundaries'
import { carryIndex, indexOfSection, sectionIndex } from './section-index'
import type { ChangeSet, EditorState, Text } from '@codemirror/state'

export { mapBoundaries } from './boundaries'

/** Who holds a section, as the badge in the editor shows it. */
export interface SectionHolder {
  user: string
  host: string
  /** When the lock was taken, ISO-8601 on the holder's clock (shown, never compared). */
  since: string
  /** "10:32" or "Mar 4, 10:32", worded against this window's clock when the holder was set. */
  sinceText?: string
  /** CSS colour of the holder (see `userColour`). */
  colour: string
  /** The holder stopped answering: typing takes the section over, as it takes a free one. */
  stale?: boolean
}

/**
 * A section's life in this window. `free`: nobody holds it. `other`: someone else (or this writer in
 * another window) holds it. `acquiring`: the writer typed into it and its lock is being taken — the
 * typing is already applied and is rolled back exactly if the lock is refused. `held`: this window
 * holds it. Released, lost and refused are moments, after which a section is `free` or `other`.
 */
export type SectionPhase = 'free' | 'other' | 'acquiring' | 'held'

/** One section of the open document, in editor positions [from, to). */
export interface SectionLock {
  id: string
  from: number
  to: number
  /** True while this window may change the section's text (phase `acquiring` or `held`). */
  editable: boolean
  /** Defaults to `held` when editable, else `other` with a holder, else `free`. */
  phase?: SectionPhase
  /** Set when someone else holds the section (the badge); unset when it is free or this window's. */
  holder?: SectionHolder
  /** Heading text, for messages ("“Budget” is being edited by …"). */
  heading?: string
  /** Heading level (1–6, 0 for the preamble). */
  level?: number
  /**
   * The server's checksum of the section: for sections this window does not hold, of the text the
   * editor shows; for held ones, the base its edits started from (SPEC H2).
   */
  sha?: string
  /** Held sections: the text as last saved or loaded (the section is dirty when it differs). */
  saved?: string
  /** Acquiring sections: the claim (one lock request for the sections one edit touched). */
  claim?: number
}

/** A section whose range is set exactly, in the document after the transaction's changes. */
export interface SectionRange {
  id: string
  from: number
  to: number
}

/** The phase of a section, filling in the default for entries built without one. */
export function phaseOf(s: SectionLock): SectionPhase {
  if (s.phase) return s.phase
  if (s.editable) return 'held'
  return s.holder ? 'other' : 'free'
}

/** True when this window holds the section or is taking its lock. */
export function isMine(s: SectionLock): boolean {
  const p = phaseOf(s)
  return p === 'held' || p === 'acquiring'
}

/**
 * Replaces every section at once. Positions refer to the document after the transaction's changes
 * (the CodeMirror convention for effects).
 */
export const setSectionLocks = StateEffect.define<readonly SectionLock[]>({
  map: (locks, mapping) =>
    locks.map((s) => ({ ...s, from: mapping.mapPos(s.from, -1), to: mapping.mapPos(s.to, 1) }))
})

/**
 * Pins one section's range (neighbours are clamped to it). Remote updates carry it because an
 * insertion into an empty section sits on a boundary, where mapping alone cannot tell whose it is.
 */
export const setSectionRange = StateEffect.define<SectionRange>({
  map: (r, mapping) => ({ id: r.id, from: mapping.mapPos(r.from, -1), to: mapping.mapPos(r.to, 1) })
})

/** Changes some fields of the sections with these ids (never their ranges). */
export const patchSections =
  StateEffect.define<ReadonlyMap<string, Partial<Omit<SectionLock, 'from' | 'to'>>>>()

/**
 * A run of held sections was saved: the sections with `replace` ids give way to `sections`, whose
 * ranges are already in the document after this transaction. (New headings became sections; deleted
 * headings merged their sections into the one above.)
 */
export const replaceRun = StateEffect.define<{
  replace: readonly string[]
  sections: readonly SectionLock[]
}>({
  map: (v, mapping) => ({
    replace: v.replace,
    sections: v.sections.map((s) => ({ ...s, from: mapping.mapPos(s.from, -1), to: mapping.mapPos(s.to, 1) }))
  })
})

/**
 * A change touched sections nobody holds: they join claim `claim` (their lock is being taken);
 * claims in `join` are merged into it because the same change touched them too.
 */
export const claimSections = StateEffect.define<Claim>()

/** A claim effect: `before` holds each claimed section's text before the edit (what the file has). */
export interface Claim {
  claim: number
  ids: readonly string[]
  join: readonly number[]
  before: Readonly<Record<string, string>>
}

/** The sections of the open document, sorted, tiling it from 0 to its end. */
export const sectionLockField = StateField.define<readonly SectionLock[]>({
  create: () => [],
  update(value, tr) {
    let next = tr.docChanged ? mapSectionLocks(value, tr.changes, tr.newDoc, true) : value
    for (const e of tr.effects) {
      if (e.is(setSectionLocks)) next = normalise(e.value, tr.newDoc.length)
      else if (e.is(setSectionRange)) next = pinRange(next, e.value)
      else if (e.is(patchSections)) next = patch(next, e.value)
      else if (e.is(replaceRun))
        next =
          replaceInPlace(next, e.value, tr.newDoc.length) ??
          normalise(replaceSections(next, e.value), tr.newDoc.length)
      else if (e.is(claimSections)) next = claim(next, e.value)
    }
    return next
  }
})

/** The sections of `state` (empty when the field is not installed). */
export function sectionLocks(state: EditorState): readonly SectionLock[] {
  return state.field(sectionLockField, false) ?? []
}

/** The section with id `id`, if the document has one. */
export function findSection(state: EditorState, id: string): SectionLock | undefined {
  const locks = sectionLocks(state)
  const i = indexOfSection(locks, id)
  return i < 0 ? undefined : locks[i]
}

/** The index of the section containing `pos` (the one starting there, on a boundary; the last at the end). */
export function sectionIndexAt(locks: readonly SectionLock[], pos: number): number {
  return sectionIndexBy(
    locks.length,
    (i) => locks[i].from,
    (i) => locks[i].to,
    pos
  )
}

/**
 * `sectionIndexAt` over `count` sections whose ranges `from` and `to` give (for a list whose
 * positions are worked out on demand, as the edit gate's mapping near a change does).
 */
export function sectionIndexBy(
  count: number,
  from: (i: number) => number,
  to: (i: number) => number,
  pos: number
): number {
  let lo = 0
  let hi = count - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (from(mid) <= pos) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  // Skip back over empty sections that start here (an empty preamble before the first heading).
  while (
    found > 0 &&
    from(found) === to(found) &&
    to(found) < (found + 1 < count ? from(found + 1) : Infinity)
  )
    found--
  return found
}

/**
 * The section that text inserted at `pos` belongs to, by the file's own rule: a section starts at
 * its heading line, so text inserted at the start of a heading line that ends with a line break
 * lands before the heading — in the section above (or the preamble) — and text that does not end
 * with one becomes part of the heading line. Inside a section: that section; at the end: the last.
 */
export function insertionOwner(locks: readonly SectionLock[], pos: number, endsWithBreak: boolean): number {
  if (locks.length === 0) return -1
  // The first non-empty section starting exactly at pos (a heading line), if any.
  let k = -1
  for (let i = Math.max(0, sectionIndexAt(locks, pos)); i < locks.length && locks[i].from <= pos; i++) {
    if (locks[i].from === pos && locks[i].to > pos) {
      k = i
      break
    }
  }
  if (k < 0) {
    for (let i = locks.length - 1; i >= 0; i--) if (locks[i].from < pos || (pos === 0 && i === 0)) return i
    return 0
  }
  if (!endsWithBreak || k === 0) return k
  return k - 1
}

/**
 * Maps the sections through `changes` (see `mapBoundaries`); they keep tiling. A boundary can come out
 * in the middle of a line — a heading glued to the text before it — which is what the gate looks for
 * (the section's heading stopped being one). `stored` (the stored state, after the gate let the
 * change through) moves such a boundary to its line's start: the glued line becomes the section's
 * first, no heading now, so the section is changed (and merged by its save), never "unchanged". It
 * also gives a headless section of this window's the heading line the change put right above it
 * (see `followBroughtHeadings`: the redo of an undo that took the heading away). The gate maps
 * without it: it judges which sections a change touches, and flags a headless section anyway.
 */
export function mapSectionLocks(
  locks: readonly SectionLock[],
  changes: ChangeSet,
  doc: Text,
  stored = false
): readonly SectionLock[] {
  if (changes.empty || locks.length === 0) return locks
  // Only boundaries from the first change's start to one past the last change's end go through
  // the rules: those before keep their place, those after shift by the length difference (the
  // rules give exactly that there — see mapBoundaries and followBroughtHeadings). A remote save in
  // a 25,000-section document ran every boundary through them.
  let firstA = -1
  let lastA = 0
  changes.iterChangedRanges((fromA, toA) => {
    if (firstA < 0) firstA = fromA
    lastA = Math.max(lastA, toA)
  })
  const delta = changes.newLength - changes.length
  const lo = Math.max(1, firstBoundaryFrom(locks, firstA))
  const hi = Math.max(lo, firstBoundaryFrom(locks, lastA + 2))
  const old = (i: number) => locks[i].from
  const mid: number[] = []
  for (let i = lo; i < hi; i++) mid.push(old(i))
  const mappedStarts = mapBoundaries(mid, changes, doc, lo === 1 ? undefined : old(lo - 1))
  // The stored boundaries are line starts; one the changes did not touch stays one (the text
  // around it is unchanged), so only touched ones are looked up — a lookup per section on every
  // keystroke was most of a keystroke's cost in a 13,743-section document.
  const touched: [number, number][] = []
  if (stored) changes.iterChangedRanges((fromA, toA) => touched.push([fromA, toA]))
  let t = 0
  // starts[k] is the new start of section lo - 1 + k (the one before the first touched, then on).
  const starts: number[] = [lo === 1 ? 0 : old(lo - 1)]
  for (let i = lo; i < locks.length; i++) {
    let p = i < hi ? mappedStarts[i - lo] : old(i) + delta
    if (stored && i < hi) {
      while (t < touched.length && touched[t][1] < old(i)) t++
      if (t < touched.length && touched[t][0] <= old(i)) p = doc.lineAt(p).from
    }
    starts.push(Math.max(starts[starts.length - 1], p))
  }
  if (stored)
    followBroughtHeadings(
      (k) => old(lo - 1 + k),
      starts,
      (k) => isMine(locks[lo - 1 + k]),
      changes,
      doc,
      hi - lo + 2
    )
  let mapped: SectionLock[] | null = null
  for (let i = lo - 1; i < locks.length; i++) {
    const s = locks[i]
    const from = starts[i - lo + 1]
    const to = i === locks.length - 1 ? doc.length : starts[i - lo + 2]
    if (from === s.from && to === s.to) {
      if (mapped) mapped.push(s)
      continue
    }
    mapped ??= locks.slice(0, i)
    mapped.push(moved(s, from, to))
  }
  if (!mapped) return locks
  carryIndex(locks, mapped)
  return mapped
}

/** The first index whose section starts at `pos` or later (`locks.length` when none does). */
function firstBoundaryFrom(locks: readonly SectionLock[], pos: number): number {
  let lo = 0
  let hi = locks.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (locks[mid].from < pos) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * `s` at [from, to). Every field written out, not spread: after a keystroke every section below it
 * moves, and the spread of each was most of the mapping's cost in a 13,743-section document.
 */
function moved(s: SectionLock, from: number, to: number): SectionLock {
  // Every key listed (a field added to SectionLock and not here fails to compile).
  const out: { [K in keyof Required<SectionLock>]: SectionLock[K] } = {
    id: s.id,
    from,
    to,
    editable: s.editable,
    phase: s.phase,
    holder: s.holder,
    heading: s.heading,
    level: s.level,
    sha: s.sha,
    saved: s.saved,
    claim: s.claim
  }
  return out
}

/** Sorted, inside the document, no overlaps, no gaps: the invariants the mapping relies on. */
function normalise(locks: readonly SectionLock[], docLength: number): readonly SectionLock[] {
  const clamp = (n: number) => Math.min(Math.max(0, n), docLength)
  const sorted = locks
    .map((s) => ({ ...s, from: clamp(s.from), to: clamp(s.to) }))
    .sort((a, b) => a.from - b.from || a.to - b.to)
  let end = 0
  for (const s of sorted) {
    s.from = Math.max(s.from, end)
    s.to = Math.max(s.to, s.from)
    end = s.to
  }
  if (sorted.length > 0) {
    sorted[0].from = 0
    for (let i = 0; i < sorted.length - 1; i++) sorted[i].to = sorted[i + 1].from
    sorted[sorted.length - 1].to = docLength
  }
  return sorted
}

function pinRange(locks: readonly SectionLock[], r: SectionRange): readonly SectionLock[] {
  const i = indexOfSection(locks, r.id)
  if (i < 0) return locks
  // The list is sorted and tiles the document: the neighbours the pinned range reaches are next to it.
  const out = locks.slice()
  out[i] = { ...locks[i], from: r.from, to: r.to }
  for (let j = i - 1; j >= 0 && locks[j].to > r.from; j--)
    out[j] = { ...locks[j], from: Math.min(locks[j].from, r.from), to: r.from }
  for (let j = i + 1; j < locks.length && locks[j].from < r.to; j++)
    out[j] = { ...locks[j], from: r.to, to: Math.max(locks[j].to, r.to) }
  carryIndex(locks, out)
  return out
}

/** Looks the changed sections up by id (a `map` over every section per lock event was O(document)). */
function patch(
  locks: readonly SectionLock[],
  changes: ReadonlyMap<string, Partial<Omit<SectionLock, 'from' | 'to'>>>
): readonly SectionLock[] {
  if (changes.size === 0) return locks
  const out = locks.slice()
  const touched: number[] = []
  for (const [id, c] of changes) {
    const i = indexOfSection(locks, id)
    if (i < 0) continue
    const next: SectionLock = { ...locks[i], ...c }
    // Explicitly cleared fields are removed, so "absent" keeps meaning "not set".
    for (const [k, v] of Object.entries(c))
      if (v === undefined) delete (next as unknown as Record<string, unknown>)[k]
    out[i] = next
    touched.push(i)
  }
  if (touched.length === 0) return locks
  carryIndex(locks, out, touched)
  return out
}

function claim(locks: readonly SectionLock[], c: Claim): readonly SectionLock[] {
  const ids = new Set(c.ids)
  const touched: number[] = []
  const out = locks.map((s, i) => {
    if (ids.has(s.id)) {
      touched.push(i)
      return { ...s, phase: 'acquiring' as const, editable: true, claim: c.claim, saved: c.before[s.id] }
    }
    if (s.claim !== undefined && c.join.includes(s.claim)) return { ...s, claim: c.claim }
    return s
  })
  carryIndex(locks, out, touched)
  return out
}

function replaceSections(
  locks: readonly SectionLock[],
  run: { replace: readonly string[]; sections: readonly SectionLock[] }
): SectionLock[] {
  const gone = new Set(run.replace)
  const kept = locks.filter((s) => !gone.has(s.id) && !run.sections.some((n) => n.id === s.id))
  return [...kept, ...run.sections]
}

/**
 * `replaceRun` where the replaced sections are one stretch of the list and the new ones fit in its
 * place (the usual save): the sections around it are kept as they are, not sorted and copied — a
 * writer's own save in a 25,000-section document did that to all of them. The result equals
 * `normalise(replaceSections(…))`; null when that is not sure (then the caller does it that way).
 */
function replaceInPlace(
  locks: readonly SectionLock[],
  run: { replace: readonly string[]; sections: readonly SectionLock[] },
  docLength: number
): readonly SectionLock[] | null {
  if (run.replace.length === 0 || run.sections.length === 0) return null
  if (sectionIndex(locks).byId.size !== locks.length) return null // ids not unique: the general way
  const at = run.replace.map((id) => indexOfSection(locks, id))
  const first = Math.min(...at)
  const last = Math.max(...at)
  if (first < 0 || last - first + 1 !== new Set(at).size || at.length !== new Set(run.replace).size)
    return null
  // A new section's id elsewhere in the list would be dropped there by replaceSections.
  for (const s of run.sections) {
    const i = indexOfSection(locks, s.id)
    if (i >= 0 && (i < first || i > last)) return null
  }
  const out = [...locks.slice(0, first), ...run.sections.map((s) => ({ ...s })), ...locks.slice(last + 1)]
  // Sorted, the run strictly between its neighbours (the stable sort of normalise orders a tie
  // differently), tiling the document exactly: then normalise would change nothing. A loop over
  // numbers: cheap next to copying and sorting every section.
  const before = (a: SectionLock, b: SectionLock) => a.from < b.from || (a.from === b.from && a.to < b.to)
  const runEnd = first + run.sections.length
  if (out[0].from !== 0 || out[out.length - 1].to !== docLength) return null
  for (let i = 0; i < out.length; i++) {
    const b = out[i]
    if (b.from > b.to) return null
    if (i === 0) continue
    const a = out[i - 1]
    if (a.to !== b.from) return null
    if (i === first || i === runEnd ? !before(a, b) : before(b, a)) return null
  }
  // The same sections saved (no heading made or taken away): the order is the same, the index too.
  const count = last - first + 1
  if (run.sections.length === count && run.sections.every((s, k) => s.id === locks[first + k].id))
    carryIndex(
      locks,
      out,
      run.sections.map((_, k) => first + k)
    )
  return out
}
