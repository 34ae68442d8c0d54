/**
 * The lock rule in the editor: a transaction may change only sections this window holds. Anything
 * else is dropped whole — a paste that would land half in a locked section changes nothing — and
 * the app is told which section was in the way, so it can name the holder or take a free lock.
 * Other writers' saved text comes in as transactions annotated `remoteUpdate`, which pass.
 */
import { Annotation, EditorState, Facet, Prec, StateEffect } from '@codemirror/state'
import type { Extension, Text, Transaction, TransactionSpec } from '@codemirror/state'
import { insertionOwner, mapSectionLocks, sectionLocks } from './lock-state'
import type { SectionHolder, SectionLock } from './lock-state'

/** Marks a transaction that applies text other writers saved; the lock filter lets it through. */
export const remoteUpdate = Annotation.define<boolean>()

/** What the app learns when an edit was refused. */
export interface BlockedEdit {
  sectionId: string
  /** True when nobody holds the section: the app may take its lock and let the writer type on. */
  free: boolean
  holder?: SectionHolder
  heading?: string
}

/**
 * Callbacks told about every refused edit. They run in a microtask, after the refused update has
 * finished, because dispatching from inside a transaction filter would corrupt the view's update.
 */
export const onBlockedEdit = Facet.define<(edit: BlockedEdit) => void>()

/**
 * The section that forbids `tr`, or null when every change lies in editable sections (or outside
 * all known sections, which the app covers by giving the editor a section list that tiles the
 * document). Remote updates are never blocked.
 */
export function blockingSection(tr: Transaction): SectionLock | null {
  if (!tr.docChanged || tr.annotation(remoteUpdate) === true) return null
  const locks = sectionLocks(tr.startState)
  if (locks.length === 0) return null
  const blocked: SectionLock[] = []
  const changes: Array<[number, number]> = []
  tr.changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
    changes.push([fromA, toA])
    if (fromA === toA) {
      const owner = insertionOwner(locks, fromA)
      if (inserted.length > 0 && owner >= 0 && !locks[owner].editable) blocked.push(locks[owner])
      return
    }
    for (const s of locks) {
      const overlaps = s.from < toA && s.to > fromA
      const emptyInside = s.from === s.to && fromA < s.from && s.from < toA
      if ((overlaps || emptyInside) && !s.editable) blocked.push(s)
    }
  })
  if (blocked.length === 0) blocked.push(...gluedHeadings(tr, locks, changes))
  // A held section explains the refusal better than a free one the writer could take.
  return blocked.find((s) => s.holder !== undefined) ?? blocked[0] ?? null
}

/**
 * Locked sections whose first line would no longer start a line: deleting the line break before a
 * locked heading, or typing right in front of it, edits that heading although no character of the
 * section itself changes.
 */
function gluedHeadings(
  tr: Transaction,
  locks: readonly SectionLock[],
  changes: ReadonlyArray<[number, number]>
): SectionLock[] {
  const startDoc = tr.startState.doc
  const near = (s: SectionLock) => changes.some(([a, b]) => a <= s.from && s.from <= b)
  const atLineStart = (doc: Text, pos: number) => pos === 0 || doc.sliceString(pos - 1, pos) === '\n'
  const suspects = locks
    .map((s, i) => [s, i] as const)
    .filter(([s]) => !s.editable && s.from < s.to && near(s) && atLineStart(startDoc, s.from))
  if (suspects.length === 0) return []
  const mapped = mapSectionLocks(locks, tr.changes)
  return suspects.filter(([, i]) => !atLineStart(tr.newDoc, mapped[i].from)).map(([s]) => s)
}

function refuse(tr: Transaction, section: SectionLock): TransactionSpec {
  const callbacks = tr.startState.facet(onBlockedEdit)
  if (callbacks.length > 0) {
    const edit: BlockedEdit = {
      sectionId: section.id,
      free: section.holder === undefined,
      ...(section.holder ? { holder: section.holder } : {}),
      ...(section.heading !== undefined ? { heading: section.heading } : {})
    }
    queueMicrotask(() => {
      for (const cb of callbacks) cb(edit)
    })
  }
  // Nothing of the refused edit survives (not its selection move either); effects riding along,
  // which refer to the edited document, are mapped back onto the unchanged one.
  return { effects: StateEffect.mapEffects(tr.effects, tr.changes.invertedDesc) }
}

/**
 * The filter itself, at the highest precedence so it runs after every other transaction filter
 * and judges the transaction that would really be applied.
 */
export const sectionLockFilter: Extension = Prec.highest(
  EditorState.transactionFilter.of((tr) => {
    const section = blockingSection(tr)
    return section ? refuse(tr, section) : tr
  })
)
