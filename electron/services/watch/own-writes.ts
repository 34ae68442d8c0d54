import type { Clock } from '../core/clock'

/** How long a noted write is remembered: far longer than any watcher latency, short enough to stay small. */
export const OWN_WRITE_TTL_MS = 60_000

/**
 * Contents this instance wrote itself, by document and SHA-256, so the watcher can tell its own
 * saves from other writers' (SPEC W3). Recognition is by checksum, not timing: a network drive may
 * report our save seconds later, and another writer's save that lands right after ours must still
 * count as external. Entries expire lazily (no timer to dispose).
 */
export class OwnWriteRegistry {
  /** document → sha256 → monotonic expiry time. */
  private readonly entries = new Map<string, Map<string, number>>()

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = OWN_WRITE_TTL_MS
  ) {}

  /**
   * Records that this instance is writing `sha256` to `document` (workspace-relative, `/`).
   * Call it just *before* the atomic rename: called after, the watcher may already have read the file.
   */
  note(document: string, sha256: string): void {
    this.prune()
    let shas = this.entries.get(document)
    if (!shas) this.entries.set(document, (shas = new Map()))
    shas.set(sha256, this.clock.monotonicNow() + this.ttlMs)
  }

  /** Withdraws a note whose write failed, so the same content written later by someone else is external. */
  forget(document: string, sha256: string): void {
    const shas = this.entries.get(document)
    shas?.delete(sha256)
    if (shas?.size === 0) this.entries.delete(document)
  }

  /** True when this content of `document` was written by this instance within the last minute. */
  isOwn(document: string, sha256: string): boolean {
    const until = this.entries.get(document)?.get(sha256)
    return until !== undefined && until > this.clock.monotonicNow()
  }

  /** Number of remembered writes (for tests and metrics). */
  get size(): number {
    this.prune()
    let n = 0
    for (const shas of this.entries.values()) n += shas.size
    return n
  }

  private prune(): void {
    const now = this.clock.monotonicNow()
    for (const [doc, shas] of this.entries) {
      for (const [sha, until] of shas) if (until <= now) shas.delete(sha)
      if (shas.size === 0) this.entries.delete(doc)
    }
  }
}
