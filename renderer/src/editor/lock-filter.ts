/**
 * The one gate every local change passes: typing, Enter, Backspace/Delete at a section's edge, paste,
 * drop, replace-all, undo/redo, IME input and input handlers that insert text themselves all arrive
 * here as transactions. A change may touch sections this window holds or is taking; touching a free
 * section (or one whose holder stopped answering) claims it — the change applies at once and the
 * session takes the lock, rolling the change back exactly if it is refused; touching a section
 * someone else holds, or any change while disconnected, is refused whole and the app is told why.
 * Other writers' text and the session's own writes (restore, conflicts) are annotated and pass.
 */
import { redoDepth, undoDepth } from '@codemirror/commands'
import { Annotation, EditorState, Facet, Prec, StateEffect, StateField, Transaction } from '@codemirror/state'
import type { Extension, StateCommand, Text, TransactionSpec } from '@codemirror/state'
import { startsWithHeading } from './headings'
import {
  claimSections,
  insertionOwner,
  mapSectionLocks,
  phaseOf,
  sectionIndexAt,
  sectionIndexBy,
  sectionLocks
} from './lock-state'
import type { Claim, SectionHolder, SectionLock } from './lock-state'

/** Marks text that did not come from the writer's keyboard here: other writers' saves, rollbacks. */
export const remoteUpdate = Annotation.define<boolean>()

/**
 * Marks a local change the gate judged and let through, so the session need not judge it again;
 * a change without it bypassed the gate (history steps dispatch with `filter: false`).
 */
export const gated = Annotation.define<boolean>()

/** Marks the session's own writes into held sections (a restore, a resolved conflict, a re-applied draft). */
export const sessionWrite = Annotation.define<boolean>()

/** What the app learns when an edit was refused. */
export interface BlockedEdit {
  sectionId: string
  holder?: SectionHolder
  heading?: string
  /**
   * `offline`: the connection to the services is down and the editor is read-only. `history`: an
   * undo or redo would reach past the moment a section was lost (see `historyFloor`).
   */
  reason?: 'held' | 'offline' | 'history'
}

/**
 * Callbacks told about every refused edit. They run in a microtask, after the refused update has
 * finished, because dispatching from inside a transaction filter would corrupt the view's update.
 */
export const onBlockedEdit = Facet.define<(edit: BlockedEdit) => void>()

/** Connection to the services: while false every local change is refused (read-only at once). */
export const setConnected = StateEffect.define<boolean>()

/** The session's small shared state: connected or not, and the next claim number. */
export const sessionMeta = StateField.define<{ connected: boolean; nextClaim: number }>({
  create: () => ({ connected: true, nextClaim: 1 }),
  update(value, tr) {
    let next = value
    for (const e of tr.effects) {
      if (e.is(setConnected) && e.value !== next.connected) next = { ...next, connected: e.value }
      if (e.is(claimSections) && e.value.claim >= next.nextClaim)
        next = { ...next, nextClaim: e.value.claim + 1 }
    }
    return next
  }
})

function endsWithBreak(text: Text): boolean {
  return text.length > 0 && text.sliceString(text.length - 1) === '\n'
}

/**
 * Indices of the sections a transaction changes: the sections its deletions overlap, the owners of
 * its insertions (see `insertionOwner`), and — where a heading stops being one (its line glued to
 * the line above, its `#` deleted) — that section and the one above, which its text would join.
 */
export function affectedSections(tr: Transaction, locks: readonly SectionLock[]): number[] {
  const out = new Set<number>()
  const lines: Array<[number, number]> = []
  tr.changes.iterChanges((fromA, toA, fromB, toB, inserted) => {
    lines.push([fromB, toB])
    if (fromA === toA) {
      const k = insertionOwner(locks, fromA, endsWithBreak(inserted))
      if (k >= 0) out.add(k)
      return
    }
    let first = Math.max(0, sectionIndexAt(locks, fromA))
    while (first > 0 && locks[first - 1].to >= fromA) first--
    for (let i = first; i < locks.length && locks[i].from < toA; i++) {
      const s = locks[i]
      if (s.to > fromA || (s.from === s.to && fromA <= s.from)) out.add(i)
    }
  })
  const doc = tr.newDoc
  const windows = lines.map(([fromB, toB]): [number, number] => {
    const firstLine = doc.lineAt(fromB)
    const lo = firstLine.number > 1 ? doc.line(firstLine.number - 1).from : 0
    // Through the start of the next line: a boundary inside a replaced range maps to the start of the
    // line after it (see mapBoundaries), and the sections after it are pushed there too.
    return [lo, Math.min(doc.length, doc.lineAt(toB).to + 1)]
  })
  const near = mappedNear(locks, tr, Math.max(...windows.map(([, hi]) => hi)))
  for (const [lo, hi] of windows) {
    for (let i = Math.max(1, near.indexAt(lo)); i < locks.length && near.from(i) <= hi; i++) {
      if (near.from(i) < lo || near.from(i) === near.to(i)) continue
      if (!startsWithHeading(doc, near.from(i))) {
        out.add(i)
        out.add(i - 1)
      }
    }
  }
  return [...out].sort((a, b) => a - b)
}

/**
 * Where the sections near a transaction's changes start and end in the new document, as
 * `mapSectionLocks` would put them — without mapping the whole list: every section on each
 * keystroke (25,000 in a 5 MB document) was a third of typing's cost. The run mapped starts at the
 * last section that starts before the first change (it and those above stay where they are, so the
 * run maps exactly as the whole list does from there; lock-filter.test.ts compares the two) and
 * ends past the last section whose start can land at or before `hiB` (new positions). Sections
 * outside the run are never asked for: before it they are unmoved, after it they start past `hiB`.
 */
function mappedNear(
  locks: readonly SectionLock[],
  tr: Transaction,
  hiB: number
): { from(i: number): number; to(i: number): number; indexAt(posB: number): number } {
  const doc = tr.newDoc
  let firstA = Infinity
  let lastA = 0
  tr.changes.iterChangedRanges((fromA, toA) => {
    firstA = Math.min(firstA, fromA)
    lastA = Math.max(lastA, toA)
  })
  const shift = doc.length - tr.startState.doc.length
  let a = sectionIndexAt(locks, firstA)
  while (a > 0 && locks[a].from >= firstA) a--
  // Past the last change every start moves by the whole shift. Sections starting right at the
  // last change (empty ones share a start) map by the change's rules: kept in the run, and one more
  // for the end of the last one asked for.
  const reach = Math.max(lastA, hiB - shift)
  let b = Math.max(a, sectionIndexAt(locks, reach))
  while (b + 1 < locks.length && locks[b + 1].from <= reach) b++
  b = Math.min(locks.length - 1, b + 1)
  const run = locks.slice(a, b + 1)
  const mapped = mapSectionLocks(run, tr.changes, doc)
  // mapSectionLocks pins a list's first start to 0 and its last end to the end of the document.
  const from = (i: number) => (i <= a ? locks[i].from : i > b ? locks[i].from + shift : mapped[i - a].from)
  const to = (i: number) => (i + 1 < locks.length ? from(i + 1) : doc.length)
  return {
    from,
    to,
    indexAt: (posB) => sectionIndexBy(locks.length, from, to, posB)
  }
}

/** What the gate decides for a transaction: pass, refuse because of a section, or claim sections. */
export type Verdict =
  | { kind: 'pass' }
  | { kind: 'refuse'; section: SectionLock | null; reason: 'held' | 'offline' }
  | ({ kind: 'claim' } & Claim)

/** The gate's decision for `tr` (pure, for tests). */
export function judge(tr: Transaction): Verdict {
  if (!tr.docChanged || tr.annotation(remoteUpdate) === true || tr.annotation(sessionWrite) === true)
    return { kind: 'pass' }
  const meta = tr.startState.field(sessionMeta, false)
  if (meta && !meta.connected) return { kind: 'refuse', section: null, reason: 'offline' }
  const locks = sectionLocks(tr.startState)
  if (locks.length === 0) return { kind: 'pass' }
  const ids: string[] = []
  const before: Record<string, string> = {}
  const claims = new Set<number>()
  for (const i of affectedSections(tr, locks)) {
    const s = locks[i]
    const phase = phaseOf(s)
    if (phase === 'held') continue
    if (phase === 'acquiring') {
      if (s.claim !== undefined) claims.add(s.claim)
      continue
    }
    if (phase === 'other' && !s.holder?.stale) return { kind: 'refuse', section: s, reason: 'held' }
    ids.push(s.id)
    before[s.id] = tr.startState.sliceDoc(s.from, s.to)
  }
  if (ids.length === 0 && claims.size === 0) return { kind: 'pass' }
  const claim = claims.size > 0 ? Math.min(...claims) : (meta?.nextClaim ?? 1)
  return { kind: 'claim', claim, ids, join: [...claims].filter((c) => c !== claim), before }
}

/** Marks the moment the writer lost a section: undo and redo stop there (see `historyFloor`). */
export const historyFloorHere = StateEffect.define<null>()

/**
 * How far undo and redo may go: not past the moment a section was lost. The steps recorded before
 * it were made against text the writer no longer holds; the file's text replaced it (the writer's
 * unsaved part is in the kept draft). Replayed now, such a step lands in whatever section sits at
 * its place — found by the session model: a heading saved as a new section, undone, the new section
 * taken over (the file's text came back), then redone, showed the heading twice and would have saved
 * it twice. Depths only shrink by undo (refused at the floor), a new edit (which empties the redo
 * stack, so its floor goes to 0) or the history's own trimming of old steps (which leaves the undo
 * floor too high: a few of the oldest steps refused, never a step from before the loss taken).
 */
export const historyFloor = StateField.define<{ undo: number; redo: number }>({
  create: () => ({ undo: 0, redo: 0 }),
  update(value, tr) {
    if (tr.effects.some((e) => e.is(historyFloorHere)))
      return { undo: undoDepth(tr.startState), redo: redoDepth(tr.startState) }
    const newStep =
      tr.docChanged &&
      tr.annotation(Transaction.addToHistory) !== false &&
      !tr.isUserEvent('undo') &&
      !tr.isUserEvent('redo')
    return newStep && value.redo > 0 ? { ...value, redo: 0 } : value
  }
})

/** Tells the app (in a microtask) that an edit was refused. */
export function reportBlocked(
  state: EditorState,
  section: SectionLock | null,
  reason: 'held' | 'offline' | 'history'
): void {
  const callbacks = state.facet(onBlockedEdit)
  if (callbacks.length > 0) {
    const edit: BlockedEdit = {
      sectionId: section?.id ?? '',
      reason,
      ...(section?.holder ? { holder: section.holder } : {}),
      ...(section?.heading !== undefined ? { heading: section.heading } : {})
    }
    queueMicrotask(() => {
      for (const cb of callbacks) cb(edit)
    })
  }
}

function refuse(tr: Transaction, section: SectionLock | null, reason: 'held' | 'offline'): TransactionSpec {
  reportBlocked(tr.startState, section, reason)
  // Nothing of the refused edit survives (not its selection move either); effects riding along,
  // which refer to the edited document, are mapped back onto the unchanged one.
  return { effects: StateEffect.mapEffects(tr.effects, tr.changes.invertedDesc) }
}

/**
 * The gate itself, at the highest precedence so it runs after every other transaction filter and
 * judges the transaction that would really be applied.
 */
export const sectionLockFilter: Extension = Prec.highest(
  EditorState.transactionFilter.of((tr) => {
    const v = judge(tr)
    if (v.kind === 'refuse') return refuse(tr, v.section, v.reason)
    if (!tr.docChanged || tr.annotation(remoteUpdate) === true || tr.annotation(sessionWrite) === true)
      return tr
    if (v.kind === 'pass') return [tr, { annotations: gated.of(true) }]
    return [
      tr,
      {
        annotations: gated.of(true),
        effects: claimSections.of({ claim: v.claim, ids: v.ids, join: v.join, before: v.before })
      }
    ]
  })
)

/**
 * Undo and redo bypass transaction filters (CodeMirror's history dispatches with `filter: false`),
 * so they are judged here instead: a step that would change a section someone else holds is not
 * taken (it stays on the stack) and the app is told; any other step is dispatched, and the session
 * claims the free sections it touched.
 */
export function guarded(command: StateCommand): StateCommand {
  return ({ state, dispatch }) => {
    let captured: Transaction | null = null
    if (!command({ state, dispatch: (tr) => (captured = tr) })) return false
    const tr = captured as Transaction | null
    if (!tr) return false
    const floor = state.field(historyFloor, false)
    if (
      floor &&
      ((tr.isUserEvent('undo') && undoDepth(state) <= floor.undo) ||
        (tr.isUserEvent('redo') && redoDepth(state) <= floor.redo))
    ) {
      reportBlocked(state, null, 'history')
      return true
    }
    const v = judge(tr)
    if (v.kind === 'refuse') {
      reportBlocked(state, v.section, v.reason)
      return true
    }
    dispatch(tr)
    return true
  }
}
