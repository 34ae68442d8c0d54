/**
 * The section-lock editor extension in one piece. See lock-state (what is locked, where),
 * lock-filter (the rule), lock-decorations (what the writer sees) and remote-update (others' saves).
 */
import type { Extension } from '@codemirror/state'
import { lockDecorations } from './lock-decorations'
import { onBlockedEdit, sectionLockFilter } from './lock-filter'
import type { BlockedEdit } from './lock-filter'
import { sectionLockField } from './lock-state'

export { toCharRanges } from './section-ranges'
export type { CharRange, CharRangeOptions } from './section-ranges'
export * from './lock-state'
export { blockingSection, onBlockedEdit, remoteUpdate, sectionLockFilter } from './lock-filter'
export type { BlockedEdit } from './lock-filter'
export { buildLockDecorations, lockDecorations, userColour } from './lock-decorations'
export { applyRemoteSection, remoteSectionSpec } from './remote-update'

/** Everything section locking needs in one editor: the lock field, the filter, the decorations. */
export function sectionLocking(options: { onBlockedEdit?: (edit: BlockedEdit) => void } = {}): Extension {
  return [
    sectionLockField,
    sectionLockFilter,
    lockDecorations,
    options.onBlockedEdit ? onBlockedEdit.of(options.onBlockedEdit) : []
  ]
}
