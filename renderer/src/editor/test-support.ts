/**
 * Shared fixtures for the editor tests: a three-section document and a state with its locks.
 * Not imported by production code.
 */
import { EditorState } from '@codemirror/state'
import type { Extension } from '@codemirror/state'
import { onBlockedEdit, sectionLockFilter, sessionMeta } from './lock-filter'
import type { BlockedEdit } from './lock-filter'
import { sectionLockField, setSectionLocks } from './lock-state'
import type { SectionHolder, SectionLock } from './lock-state'

/** Ann, holding a section elsewhere. */
export const ann: SectionHolder = {
  user: 'Ann',
  host: 'studio-pc',
  since: '2026-11-21T10:32:00Z',
  sinceText: '10:32',
  colour: '#a0522d'
}

/** Preamble (empty) + three sections; the text of each section by id. */
export const parts: Record<string, string> = {
  preamble: '',
  a: '# A\nalpha one\n\n',
  b: '# B\nbeta two\n\n',
  c: '# C\ngamma three\n'
}

/** The document made of `parts`, in order. */
export const doc = Object.values(parts).join('')

/** The char range of each of `parts` in `doc`. */
export function rangesOf(p: Record<string, string> = parts): Array<{ id: string; from: number; to: number }> {
  let pos = 0
  return Object.entries(p).map(([id, text]) => {
    const r = { id, from: pos, to: pos + text.length }
    pos += text.length
    return r
  })
}

/** Lock flags per section id: 'mine', 'ann' (held by Ann) or 'free'. */
export type Who = 'mine' | 'ann' | 'free'

/** Builds the section locks for `doc` from who holds what (default: everything free). */
export function locksFor(who: Record<string, Who>, p: Record<string, string> = parts): SectionLock[] {
  return rangesOf(p).map((r) => {
    const w = who[r.id] ?? 'free'
    return {
      ...r,
      heading: r.id.toUpperCase(),
      editable: w === 'mine',
      ...(w === 'ann' ? { holder: ann } : {})
    }
  })
}

/** A state over `text` with the lock field, the filter and a recorder of blocked edits. */
export function lockedState(
  who: Record<string, Who>,
  options: { text?: string; parts?: Record<string, string>; extensions?: Extension; cursor?: number } = {}
): { state: EditorState; blocked: BlockedEdit[] } {
  const blocked: BlockedEdit[] = []
  const p = options.parts ?? parts
  const state = EditorState.create({
    doc: options.text ?? Object.values(p).join(''),
    selection: { anchor: options.cursor ?? 0 },
    extensions: [
      sectionLockField,
      sessionMeta,
      sectionLockFilter,
      onBlockedEdit.of((e) => blocked.push(e)),
      options.extensions ?? []
    ]
  })
  return { state: state.update({ effects: setSectionLocks.of(locksFor(who, p)) }).state, blocked }
}

/** The text of section `id` in `state`. */
export function textOf(state: EditorState, id: string): string {
  const s = state.field(sectionLockField).find((x) => x.id === id)
  if (!s) throw new Error(`no section ${id}`)
  return state.sliceDoc(s.from, s.to)
}
