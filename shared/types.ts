/** Data shapes shared by the services, the IPC contract, the renderer and the CLI. */

/** What an instance says about itself in every lock it holds. */
export interface Identity {
  /** Stable per writer on a machine (persisted); the same writer restarting keeps it. */
  ownerId: string
  /** Display name of the writer. */
  user: string
  /** Host name shown to others. */
  host: string
  /** Identifies the machine for the dead-pid shortcut (same host ⇒ a dead pid is stale at once). */
  hostId: string
  pid: number
  /** New for every run of the app or CLI. */
  instanceId: string
}

/** The two lock kinds of SPEC L1 plus the short internal write mutex of a document. */
export type LockKind = 'section' | 'document' | 'write'

/** A lock as stored on disk in `lock.json` (≤ 1 KiB, human-readable). */
export interface LockRecord {
  format: 1
  kind: LockKind
  /** Workspace-relative path of the document, with `/` separators. */
  document: string
  sectionId: string | null
  holder: Identity
  /** What the holder is doing: "edit", "structure", "save", … */
  operation: string
  /** Holder's wall clock, ISO-8601. Shown to people; never compared across machines. */
  acquiredAt: string
  /** Holder's wall clock at the last heartbeat, ISO-8601. Shown, never compared. */
  lastHeartbeat: string
  /** Increases by one at every heartbeat; observers watch it change with their own clock. */
  heartbeatSeq: number
  heartbeatIntervalMs: number
  /** How long observers wait without seeing a heartbeat change before the lock is stale. */
  ttlMs: number
  /** Random per acquisition; names this tenure of the lock. */
  token: string
  generation: number
  /** Set when this tenure began by taking over a stale lock. */
  tookOverFrom?: { user: string; host: string; instanceId: string; reason: string }
}

/** A tombstone generation: the lock was released (or force-released) and is free. */
export interface ReleaseRecord {
  format: 1
  released: true
  by: string
  at: string
  reason: string
}

/** One section of a document as the services see it. */
export interface SectionInfo {
  /** Stable id (see electron/services/sections/README.md for the rule). */
  id: string
  /** 1–6 for headings, 0 for the preamble. */
  level: number
  /** Heading text as written (inline markup kept), "" for the preamble. */
  heading: string
  /** First line (0-based) and the line after the last one. */
  startLine: number
  endLine: number
  /** Byte range in the file, [start, end). */
  start: number
  end: number
  /** SHA-256 (hex) of the section's bytes. */
  sha256: string
}

/** One entry of a section's linear history. */
export interface VersionRecord {
  format: 1
  document: string
  sectionId: string
  version: number
  heading: string
  content: string
  /** SHA-256 (hex) of `content` encoded as UTF-8; verified whenever history is read. */
  sha256: string
  author: string
  instanceId: string
  /** Author's wall clock, ISO-8601. */
  timestamp: string
  /** "baseline" (the text before the first save), "save", "restore", "structure", … */
  reason: string
  pinned: boolean
  /** The last version of the section before a structure operation; never pruned. */
  beforeStructure: boolean
}
