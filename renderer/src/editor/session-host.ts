/**
 * What a section session needs from the rest of the app: the services (through the client, bound
 * to the open document) and a way to tell the writer things. The store implements it over the IPC
 * client; the model-based test implements it over an in-memory server.
 */
import type { LockView, ResponseOf } from '../../../shared/contract'
import type { Result } from '../../../shared/errors'

/** A save's answer (also a restore's). */
export type SaveAnswer = ResponseOf<'sections:save'>
/** A document as the services read it. */
export type ServerSnapshot = ResponseOf<'documents:open'>

/** One section's unsaved text in the local journal; `text: null` removes it. */
export interface JournalEntry {
  sectionId: string
  baseSha256: string | null
  text: string | null
}

/** A message for the writer. Notices with the same `key` replace each other (one notice per cause). */
export interface SessionNotice {
  key: string
  kind: 'info' | 'warning' | 'error'
  text: string
  /** Text kept for the writer to copy or re-apply. */
  draft?: { sectionId: string; text: string; baseSha256?: string | null; copyOnly?: boolean }
}

/** Both texts of a refused save, for the conflict view. */
export interface SessionConflict {
  /** The run that was saved: the first id names it. */
  sectionIds: string[]
  mine: string
  theirs: string | null
  theirsChecksum: string | null
}

/** The held sections as the toolbar and status show them. */
export interface HeldView {
  id: string
  heading: string
  phase: 'acquiring' | 'held'
  dirty: boolean
  /** A save of this window's sections is on its way and this one has unsaved text in it (absent: no). */
  saving?: boolean
}

/** The services and the writer, as a session sees them. */
export interface SessionHost {
  acquire(sectionId: string): Promise<Result<LockView>>
  release(sectionId: string): Promise<Result<unknown>>
  save(request: {
    sectionId: string
    baseSha256: string
    text: string
    following?: { sectionId: string; baseSha256: string }[]
  }): Promise<Result<SaveAnswer>>
  restore(request: { sectionId: string; version: number; baseSha256: string }): Promise<Result<SaveAnswer>>
  /** Tells the services the writer is still at work (idle release, SPEC L6); throttled by the session. */
  touch(sectionId: string): void
  /** Writes journal entries; false when the journal could not be written (kept and retried). */
  journal(entries: JournalEntry[]): Promise<boolean>
  /** Reads the document now (a fresh snapshot, e.g. to resolve a conflict against). */
  snapshot(): Promise<Result<ServerSnapshot>>
  /** Asks for a fresh snapshot to be applied (after a save, a reconnect). */
  refresh(): void
  notify(notice: SessionNotice): void
  /** A notice that no longer applies (its cause is gone). */
  retract(key: string): void
  conflict(conflict: SessionConflict): void
  /** The held sections changed (toolbar, status). */
  heldChanged(held: HeldView[]): void
  /** The document's sections changed as the outline shows them. */
  outlineChanged(): void
}
