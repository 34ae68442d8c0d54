/**
 * What `verify` finds and what `verify --repair` does about it: the vocabulary shared by the
 * workspace check ({@link ./doc-data-check}), the repair engine ({@link ./verify-repair}) and the
 * checks and repairs other modules plug in (save intents, the section index).
 */
import type { Workspace } from './workspace'

/**
 * Leftovers younger than this (by the share's own clock) may be work in progress — a claim being
 * put in place by an older version, a save between its write and its rename — so they are neither
 * damage nor repaired. The app itself takes over a record-less generation after 2 s.
 */
export const LOCK_LEFTOVER_GRACE_MS = 10_000
/**
 * Temp files of atomic writes get longer: a save of a large document on a slow network share can
 * spend seconds between its last write (the mtime) and its rename.
 */
export const TEMP_FILE_GRACE_MS = 60_000

/** What `--repair` may do about a finding (each is safe on its own; see verify-repair.ts). */
export type Fix =
  /** A temp file of an atomic write that no one will rename: removed. */
  | 'remove-temp-file'
  /** A `.claim-*` folder a claim was prepared in and never renamed into place: removed. */
  | 'remove-claim-folder'
  /** A lock whose top generation has no record: a tombstone generation is claimed above it. */
  | 'clear-unfinished-lock'

/** One problem found: the file, what is wrong with it, and what a person should do. */
export interface Finding {
  file: string
  /** What is wrong, in words (no trailing period). */
  problem: string
  /** What to do about it, in words (no trailing period). */
  advice: string
  /** Set when `--repair` can fix it once it is older than its grace period. */
  fix?: Fix
  /** Its age by the share's clock (for leftovers); null when the share's clock could not be read. */
  ageMs?: number | null
  /** The grace period its age is measured against (set with `fix`). */
  graceMs?: number
}

/** What a repair did: fixed, or left (and why). */
export interface RepairOutcome {
  file: string
  repaired: boolean
  /** What was done, or why it was left. */
  detail: string
}

/** What a check or repair hook is given: one document's data folder. */
export interface DocumentContext {
  ws: Workspace
  /** The document's hidden folder name (`Workspace.docKey`). */
  docKey: string
  /** `.sectioned/docs/<docKey>`. */
  docDir: string
  /** The document's workspace-relative path, or null when no document of the workspace has this key (renamed or deleted). */
  document: string | null
  /** "Now" on the share's clock (cached for the whole run); null when it could not be read (a read-only share). */
  shareNow(): Promise<number | null>
}

/**
 * A check another module plugs into `verify` (e.g. the section index against its file). It runs
 * once per document folder and returns what it found; it must not write.
 */
export interface DocumentCheck {
  readonly name: string
  check(ctx: DocumentContext): Promise<Finding[]>
}

/**
 * A repair another module plugs into `verify --repair` (e.g. completing saves from their intent
 * records). It runs once per document folder, after the built-in repairs, and must be safe to run
 * while instances of the app are working on the same share.
 */
export interface DocumentRepair {
  readonly name: string
  repair(ctx: DocumentContext): Promise<RepairOutcome[]>
}

/** True when a finding is a leftover still inside its grace period (possibly work in progress). */
export function isYoung(f: Finding): boolean {
  return f.fix !== undefined && f.ageMs != null && f.ageMs < (f.graceMs ?? 0)
}

/** An age for people: "3 s", "12 min", "5 h". */
export function describeAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 120) return `${s} s`
  if (s < 7200) return `${Math.round(s / 60)} min`
  return `${Math.round(s / 3600)} h`
}
