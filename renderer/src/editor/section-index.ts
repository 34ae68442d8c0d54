/**
 * Where each section sits in the section field's list (by id), and which sections show a holder:
 * kept beside each list in a WeakMap and handed on to the next list when a transaction keeps the
 * sections' order (mapping, patching, pinning, claiming), so a remote lock or save looks its few
 * sections up instead of scanning them all — in a 25,000-section document the `find` and `map`
 * loops per event were a good part of each event's long task. Built on first use for a list whose
 * order is new (opening, a snapshot, a saved run).
 */
import type { SectionLock } from './lock-state'

/** The index of one list of sections. */
export interface SectionIndex {
  /** Position in the list of each id (its first occurrence, as `find` would give). */
  readonly byId: ReadonlyMap<string, number>
  /** Ids of the sections with a holder set (whatever their phase). */
  readonly holders: ReadonlySet<string>
}

const indexes = new WeakMap<readonly SectionLock[], SectionIndex>()

/** The index of `locks`, built the first time it is asked for. */
export function sectionIndex(locks: readonly SectionLock[]): SectionIndex {
  let x = indexes.get(locks)
  if (!x) {
    const byId = new Map<string, number>()
    const holders = new Set<string>()
    for (let i = 0; i < locks.length; i++) {
      const s = locks[i]
      if (!byId.has(s.id)) byId.set(s.id, i)
      if (s.holder !== undefined) holders.add(s.id)
    }
    x = { byId, holders }
    indexes.set(locks, x)
  }
  return x
}

/** Position of section `id` in `locks`, or -1. */
export function indexOfSection(locks: readonly SectionLock[], id: string): number {
  return sectionIndex(locks).byId.get(id) ?? -1
}

/**
 * `next` holds `prev`'s sections in the same order; of them, only those at `touched` (positions)
 * may have another holder. Hands `prev`'s index on (if it has one: none is built for this).
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
  for (const i of touched) {
    const had = prev[i].holder !== undefined
    const has = next[i].holder !== undefined
    if (had === has) continue
    holders ??= new Set(x.holders)
    if (has) holders.add(next[i].id)
    else holders.delete(next[i].id)
  }
  indexes.set(next, holders ? { byId: x.byId, holders } : x)
}
