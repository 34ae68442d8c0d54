/**
 * Where each section sits in the section field's list (by id), which sections show a holder and
 * which this window holds or is taking:
 * kept beside each list in a WeakMap and handed on to the next list when a transaction keeps the
 * sections' order (mapping, patching, pinning, claiming), so a remote lock or save looks its few
 * sections up instead of scanning them all — in a 25,000-section document the `find` and `map`
 * loops per event were a good part of each event's long task. Built on first use for a list whose
 * order is new (opening, a snapshot, a saved run).
 */
import { isMine } from './lock-state'
import type { SectionLock } from './lock-state'

/** The index of one list of sections. */
export interface SectionIndex {
  /** Position in the list of each id (its first occurrence, as `find` would give). */
  readonly byId: ReadonlyMap<string, number>
  /** Ids of the sections with a holder set (whatever their phase). */
  readonly holders: ReadonlySet<string>
  /** Ids of the sections this window holds or is taking (`isMine`). */
  readonly mine: ReadonlySet<string>
}

const indexes = new WeakMap<readonly SectionLock[], SectionIndex>()

/** The index of `locks`, built the first time it is asked for. */
export function sectionIndex(locks: readonly SectionLock[]): SectionIndex {
  let x = indexes.get(locks)
  if (!x) {
    const byId = new Map<string, number>()
    const holders = new Set<string>()
    const mine = new Set<string>()
    for (let i = 0; i < locks.length; i++) {
      const s = locks[i]
      if (!byId.has(s.id)) byId.set(s.id, i)
      if (s.holder !== undefined) holders.add(s.id)
      if (isMine(s)) mine.add(s.id)
    }
    x = { byId, holders, mine }
    indexes.set(locks, x)
  }
  return x
}

/** Position of section `id` in `locks`, or -1. */
export function indexOfSection(locks: readonly SectionLock[], id: string): number {
  return sectionIndex(locks).byId.get(id) ?? -1
}

/**
 * The sections this window holds or is taking, in the list's order: `locks.filter(isMine)`, found
 * through the index (the window publishes them after every transaction; the filter went through
 * all 25,000 sections of a 5 MB document for every remote event).
 */
export function mineOf(locks: readonly SectionLock[]): SectionLock[] {
  const x = sectionIndex(locks)
  // Ids twice in the list: the index knows only the first (the filter finds both).
  if (x.byId.size !== locks.length) return locks.filter(isMine)
  const at: number[] = []
  for (const id of x.mine) at.push(x.byId.get(id)!)
  return at.sort((a, b) => a - b).map((i) => locks[i])
}

/**
 * `next` holds `prev`'s sections in the same order; of them, only those at `touched` (positions)
 * may have another holder or phase. Hands `prev`'s index on (if it has one: none is built for this).
 */
export function carryIndex(
  prev: readonly SectionLock[],
  next: readonly SectionLock[],
  touched: Iterable<number> = []
): void {
  if (prev === next) return
  const x = indexes.get(prev)
  if (!x) return
  let holders: Set<string> | null = null
  let mine: Set<string> | null = null
  for (const i of touched) {
    const had = prev[i].holder !== undefined
    const has = next[i].holder !== undefined
    if (had !== has) {
      holders ??= new Set(x.holders)
      if (has) holders.add(next[i].id)
      else holders.delete(next[i].id)
    }
    const was = isMine(prev[i])
    const is = isMine(next[i])
    if (was !== is) {
      mine ??= new Set(x.mine)
      if (is) mine.add(next[i].id)
      else mine.delete(next[i].id)
    }
  }
  indexes.set(
    next,
    holders || mine ? { byId: x.byId, holders: holders ?? x.holders, mine: mine ?? x.mine } : x
  )
}
