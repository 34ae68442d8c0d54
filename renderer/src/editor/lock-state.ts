/**
 * Which sections of the open document this window may edit, who holds the others, and where each
 * section is in the current document. The app replaces the whole set when locks change
 * (`setSectionLocks`); in between, every range is mapped through the document's changes.
 */
import { StateEffect, StateField } from '@codemirror/state'
import type { ChangeDesc, EditorState } from '@codemirror/state'

/** Who holds a section, as the badge in the editor shows it. */
export interface SectionHolder {
  user: string
  host: string
  /** When the lock was taken, ISO-8601 on the holder's clock (shown, never compared). */
  since: string
  /** CSS colour of the holder (see `userColour`). */
  colour: string
}

/** One section of the open document with its lock, in editor positions [from, to). */
export interface SectionLock {
  id: string
  from: number
  to: number
  /** True only while this window holds the section's lock. */
  editable: boolean
  /** Set when someone (possibly this writer in another window) holds the lock; unset when it is free. */
  holder?: SectionHolder
  /** Heading text, for messages ("“Budget” is being edited by …"). */
  heading?: string
}

/** A section whose range is set exactly, in the document after the transaction's changes. */
export interface SectionRange {
  id: string
  from: number
  to: number
}

/**
 * Replaces every section and lock at once. Positions refer to the document after the
 * transaction's changes (the CodeMirror convention for effects).
 */
export const setSectionLocks = StateEffect.define<readonly SectionLock[]>({
  map: (locks, mapping) => mapSectionLocks(locks, mapping)
})

/**
 * Pins one section's range (neighbours are clamped to it). Remote updates carry it because an
 * insertion into an empty section sits on a boundary, where mapping alone cannot tell whose it is.
 */
export const setSectionRange = StateEffect.define<SectionRange>({
  map: (r, mapping) => ({ id: r.id, from: mapping.mapPos(r.from, -1), to: mapping.mapPos(r.to, 1) })
})

/** The sections of the open document with their locks, sorted, non-overlapping. */
export const sectionLockField = StateField.define<readonly SectionLock[]>({
  create: () => [],
  update(value, tr) {
    let next = tr.docChanged ? mapSectionLocks(value, tr.changes) : value
    for (const e of tr.effects) {
      if (e.is(setSectionLocks)) next = normalise(e.value, tr.newDoc.length)
      else if (e.is(setSectionRange)) next = pinRange(next, e.value)
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
  return sectionLocks(state).find((s) => s.id === id)
}

/**
 * Index of the section that text inserted at `pos` would belong to, or -1 outside every section.
 * Inside a section: that section. On a boundary: an editable section first (an empty one, else
 * the one starting there, else the one ending there — so typing at the end of an editable section
 * stays inside it); with none editable, the section whose first line `pos` is on, else the one
 * ending there (the end of the document).
 */
export function insertionOwner(locks: readonly SectionLock[], pos: number, hint?: number): number {
  let i = hint ?? lastStartingAtOrBefore(locks, pos)
  if (i < 0) i = 0
  let lo = i
  let hi = i
  while (lo > 0 && locks[lo - 1].to >= pos) lo--
  while (hi < locks.length - 1 && locks[hi + 1].from <= pos) hi++
  const candidates: number[] = []
  for (let j = lo; j <= hi && j < locks.length; j++) {
    const s = locks[j]
    if (s.from <= pos && pos <= s.to) {
      if (s.from < pos && pos < s.to) return j
      candidates.push(j)
    }
  }
  const editable = candidates.filter((j) => locks[j].editable)
  const zero = (j: number) => locks[j].from === locks[j].to
  const starts = (j: number) => locks[j].from === pos
  if (editable.length > 0)
    return editable.find(zero) ?? editable.find(starts) ?? editable[editable.length - 1]
  return (
    candidates.find((j) => starts(j) && !zero(j)) ?? candidates.find((j) => !starts(j)) ?? candidates[0] ?? -1
  )
}

/**
 * Maps sections through `changes`. Each edge sits on the side of an insertion that
 * `insertionOwner` gives the text to, so mapping and the lock filter always agree.
 */
export function mapSectionLocks(locks: readonly SectionLock[], changes: ChangeDesc): readonly SectionLock[] {
  if (changes.empty) return locks
  let changed = false
  const mapped = locks.map((s, i) => {
    const from = changes.mapPos(s.from, edgeAssoc(locks, i, s.from, true))
    const to = Math.max(from, changes.mapPos(s.to, edgeAssoc(locks, i, s.to, false)))
    if (from === s.from && to === s.to) return s
    changed = true
    return { ...s, from, to }
  })
  return changed ? mapped : locks
}

/** -1 keeps an edge before text inserted at it, 1 moves it after. */
function edgeAssoc(locks: readonly SectionLock[], i: number, pos: number, isFrom: boolean): -1 | 1 {
  const owner = insertionOwner(locks, pos, i)
  if (owner < 0) return isFrom ? 1 : -1
  if (owner === i) return isFrom ? -1 : 1
  return i < owner ? -1 : 1
}

function lastStartingAtOrBefore(locks: readonly SectionLock[], pos: number): number {
  let lo = 0
  let hi = locks.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (locks[mid].from <= pos) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

/** Sorted, inside the document, no overlaps: the invariants `insertionOwner` relies on. */
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
  return sorted
}

function pinRange(locks: readonly SectionLock[], r: SectionRange): readonly SectionLock[] {
  const i = locks.findIndex((s) => s.id === r.id)
  if (i < 0) return locks
  return locks.map((s, j) => {
    if (j === i) return { ...s, from: r.from, to: r.to }
    if (j < i && s.to > r.from) return { ...s, from: Math.min(s.from, r.from), to: r.from }
    if (j > i && s.from < r.to) return { ...s, from: r.to, to: Math.max(s.to, r.to) }
    return s
  })
}
