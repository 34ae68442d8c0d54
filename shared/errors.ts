import { describeHolder, type HolderSummary } from './format-time'

/**
 * Typed errors shared by the services, the IPC contract and the CLI. Every error carries a stable
 * `code` (what programs branch on) and a `message` written for the writer who will read it.
 */

/** Stable error codes. Never renumber or rename: the CLI, IPC and tests depend on them. */
export const ErrorCode = {
  LockHeld: 'LOCK_HELD',
  LockTimeout: 'LOCK_TIMEOUT',
  StaleProcessLock: 'STALE_PROCESS_LOCK',
  LockLost: 'LOCK_LOST',
  Conflict: 'CONFLICT',
  Limit: 'LIMIT',
  NotFound: 'NOT_FOUND',
  Validation: 'VALIDATION',
  PathOutside: 'PATH_OUTSIDE',
  Integrity: 'INTEGRITY',
  UnsafeShare: 'UNSAFE_SHARE',
  Io: 'IO'
} as const

/** One of the stable error codes in {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** Base class of every expected failure. Broken invariants throw plain `Error`s instead. */
export class SectionedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string
  ) {
    super(message)
    this.name = new.target.name
  }
}

export { describeHolder, formatSince, type HolderSummary } from './format-time'

/** The lock is held by someone else (first come, first served). */
export class LockAcquisitionError extends SectionedError {
  constructor(
    readonly target: string,
    readonly holder: HolderSummary,
    /** The refusing instance's wall clock (ms), which decides between "10:32" and "Mar 4, 10:32". */
    readonly now: number
  ) {
    super(ErrorCode.LockHeld, `${target} is being edited by ${describeHolder(holder, now)}.`)
  }
}

/** Waiting for a lock (retries) ran out before it became free. */
export class LockTimeoutError extends SectionedError {
  constructor(
    readonly target: string,
    readonly attempts: number,
    /** The waiting instance's wall clock (ms) when it gave up. */
    readonly now: number,
    readonly holder?: HolderSummary
  ) {
    super(
      ErrorCode.LockTimeout,
      holder
        ? `Gave up waiting for ${target} after ${attempts} tries; it is still held by ${describeHolder(holder, now)}.`
        : `Gave up waiting for ${target} after ${attempts} tries.`
    )
  }
}

/** The lock belongs to an instance that stopped (dead process or missed heartbeats) and the caller did not ask to take it over. */
export class StaleProcessLockError extends SectionedError {
  constructor(
    readonly target: string,
    readonly holder: HolderSummary,
    readonly reason: string,
    /** The observing instance's wall clock (ms). */
    readonly now: number
  ) {
    super(
      ErrorCode.StaleProcessLock,
      `${target} is still marked as edited by ${describeHolder(holder, now)}, but that instance ${reason}. It can be taken over.`
    )
  }
}

/** This instance no longer holds a lock it thought it held (taken over, force-released or removed). */
export class LockLostError extends SectionedError {
  /** Where the refused text was kept, when a save was refused (set by the document service). */
  draftFile: string | null = null

  constructor(
    readonly target: string,
    readonly reason: string,
    /** The losing instance's wall clock (ms). */
    readonly now: number,
    readonly newHolder?: HolderSummary
  ) {
    super(
      ErrorCode.LockLost,
      newHolder
        ? `You no longer hold ${target}: ${reason}. It is now held by ${describeHolder(newHolder, now)}. Your text is kept as a draft.`
        : `You no longer hold ${target}: ${reason}. Your text is kept as a draft.`
    )
  }
}

/** The section changed underneath a save; both texts are carried so the writer can choose. */
export class ConflictError extends SectionedError {
  /** Where the writer's text was kept meanwhile (set by the document service). */
  draftFile: string | null = null

  constructor(
    readonly target: string,
    readonly mine: string,
    readonly theirs: string | null,
    readonly theirsChecksum: string | null
  ) {
    super(
      ErrorCode.Conflict,
      theirs === null
        ? `${target} was removed from the document by someone else while you edited it. Your text was not saved and is kept.`
        : `${target} was changed by someone else while you edited it. Nothing was overwritten: choose which text to keep.`
    )
  }
}

/** A documented limit (locks or editors per document, sizes) would be exceeded. Nothing was changed. */
export class LimitError extends SectionedError {
  constructor(message: string) {
    super(ErrorCode.Limit, message)
  }
}

/** A document, section or version does not exist. */
/** The shared folder cannot keep file-system locks safe (its claims are not exclusive). */
export class UnsafeShareError extends SectionedError {
  constructor(reason: string) {
    super(
      ErrorCode.UnsafeShare,
      `Locks cannot be taken in this shared folder: ${reason}, so two writers could get one lock. Nothing was locked or changed. Mount the share another way (SMB/NFS through the system, sshfs), or coordinate through etcd.`
    )
  }
}

export class NotFoundError extends SectionedError {
  constructor(message: string) {
    super(ErrorCode.NotFound, message)
  }
}

/** The input is not acceptable (bad option, text that would break other sections, …). Nothing was changed. */
export class ValidationError extends SectionedError {
  constructor(message: string) {
    super(ErrorCode.Validation, message)
  }
}

/** A path points outside the workspace, into its hidden folder, or is not a markdown document. */
export class PathOutsideError extends SectionedError {
  constructor(message: string) {
    super(ErrorCode.PathOutside, message)
  }
}

/** Stored data failed its checksum or could not be parsed. */
export class IntegrityError extends SectionedError {
  constructor(message: string) {
    super(ErrorCode.Integrity, message)
  }
}

/** A failure value as it crosses IPC, the web socket or the CLI's JSON output. */
export interface ErrorValue {
  code: ErrorCode
  message: string
  /** What the writer needs to act: both texts of a conflict, the holder of a lock, the draft file. */
  details?: Record<string, unknown>
}

/**
 * Turns an expected failure into a value that survives crossing IPC (a thrown Error keeps only its
 * message). Anything that is not a SectionedError is a bug or an I/O failure: code IO.
 */
export function toErrorValue(err: unknown): ErrorValue {
  if (err instanceof ConflictError) {
    return {
      code: err.code,
      message: err.message,
      details: {
        mine: err.mine,
        theirs: err.theirs,
        theirsChecksum: err.theirsChecksum,
        draftFile: err.draftFile
      }
    }
  }
  if (err instanceof LockLostError) {
    return {
      code: err.code,
      message: err.message,
      details: { newHolder: err.newHolder ?? null, draftFile: err.draftFile }
    }
  }
  if (err instanceof LockAcquisitionError || err instanceof StaleProcessLockError) {
    return { code: err.code, message: err.message, details: { holder: err.holder } }
  }
  if (err instanceof LockTimeoutError) {
    return { code: err.code, message: err.message, details: { holder: err.holder ?? null } }
  }
  if (err instanceof SectionedError) return { code: err.code, message: err.message }
  const message = err instanceof Error ? err.message : String(err)
  return { code: ErrorCode.Io, message: `Something went wrong: ${message}` }
}

/** The outcome of an operation as a value: responses crossing IPC are never thrown errors. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorValue }
