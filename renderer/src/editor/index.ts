/**
 * The editor's section model in one piece. See lock-state (the sections and their life), lock-filter
 * (the gate every local change passes), session (what happens over time: claims, saves, journal),
 * lock-decorations (what the writer sees) and remote-update/remote-document (others' saves).
 */
import type { Extension } from '@codemirror/state'
import type { EditorView } from '@codemirror/view'
import { lockDecorations } from './lock-decorations'
import { historyFloor, onBlockedEdit, sectionLockFilter, sessionMeta } from './lock-filter'
import type { BlockedEdit } from './lock-filter'
import { sectionLockField } from './lock-state'
import type { SectionSession } from './session'
import { sectionSession } from './session-plugin'

export * from './lock-state'
export {
  judge,
  onBlockedEdit,
  remoteUpdate,
  sectionLockFilter,
  sessionMeta,
  sessionWrite,
  setConnected
} from './lock-filter'
export type { BlockedEdit } from './lock-filter'
export { buildLockDecorations, lockDecorations, userColour } from './lock-decorations'
export { applyRemoteSection, remoteSectionSpec } from './remote-update'
export { outlineOf } from './outline'
export type { OutlineItem } from './outline'
export { DEFAULT_TIMING, SectionSession } from './session'
export type { SessionClock, SessionTiming, SessionView } from './session'
export type { HeldView, JournalEntry, SessionConflict, SessionHost, SessionNotice } from './session-host'
export { jumpSection, sessionOf } from './session-plugin'

/**
 * Everything the section model needs in one editor: the sections, the gate, the decorations, and —
 * when `session` is given — the session that takes locks, saves and journals, with the shortcuts.
 */
export function sectionLocking(
  options: {
    onBlockedEdit?: (edit: BlockedEdit) => void
    session?: (view: EditorView) => SectionSession
  } = {}
): Extension {
  return [
    sectionLockField,
    sessionMeta,
    historyFloor,
    sectionLockFilter,
    lockDecorations,
    options.onBlockedEdit ? onBlockedEdit.of(options.onBlockedEdit) : [],
    options.session ? sectionSession(options.session) : []
  ]
}
