import type { Clock, Disposable } from '../core/clock'

/** SHA-256 of no bytes: every empty document has it, so an empty one is never taken for a rename. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

/** What the pairing reports. */
export interface RenamePairsSink {
  /** A document is gone and no document with its content appeared within the window. */
  removed(document: string): void
  /** A document went and one with exactly its content appeared within the window. */
  renamed(from: string, to: string, sha256: string): void
}

/** A document that appeared: its content, and the name it had if the app renamed it (its data folder says). */
interface Appearance {
  document: string
  sha256: string
  /** The old name, from the note a rename in the app leaves in the data folder (see doc-move.ts). */
  from: string | null
  at: number
}

/**
 * Tells a rename from a delete: a document that disappeared and one that appeared within
 * `windowMs` of each other, in either order (a watcher may see the new name before the old one is
 * gone). A rename in another instance names the old name in the new data folder; one made outside
 * the app (Explorer, Finder, `mv`, `git mv`) is recognised by content: the only document gone with
 * exactly the new one's content (what was last read of it, else what its stored index describes).
 * A removal is held back for the window, so a rename is never first announced as a loss.
 * Appearances are reported by the caller at once as usual and only remembered here. Timers run on
 * the injected clock; `dispose` cancels them without reporting.
 */
export class RenamePairs {
  /** Documents gone, held back for the window, by document. */
  private readonly gone = new Map<string, { sha256: string | null; timer: Disposable }>()
  private readonly appeared = new Map<string, Appearance>()

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly sink: RenamePairsSink
  ) {}

  /** `document`, last known with content `sha256` (null: unknown), is gone. */
  removed(document: string, sha256: string | null): void {
    this.appeared.delete(document) // came and went: nothing was renamed to it
    this.expire()
    const named = [...this.appeared.values()].find((a) => a.from === document)
    const same =
      sha256 === null || sha256 === EMPTY_SHA256
        ? []
        : [...this.appeared.values()].filter((a) => a.sha256 === sha256 && a.from === null)
    const match = named ?? (same.length === 1 ? same[0] : undefined)
    if (match && match.document !== document) {
      this.appeared.delete(match.document)
      return this.sink.renamed(document, match.document, match.sha256)
    }
    this.flush(document)
    const timer = this.clock.setTimeout(() => this.flush(document), this.windowMs)
    this.gone.set(document, { sha256, timer })
  }

  /**
   * `document` appeared (it was not there before) with content `sha256`; `from`: the old name a
   * rename in the app noted in its data folder, if any. True when it is a rename (reported now).
   */
  appearedWith(document: string, sha256: string, from: string | null): boolean {
    const same =
      sha256 === EMPTY_SHA256 || from !== null
        ? []
        : [...this.gone].filter(([d, g]) => d !== document && g.sha256 === sha256)
    const match = from !== null && this.gone.has(from) ? from : same.length === 1 ? same[0][0] : null
    if (match !== null) {
      this.gone.get(match)?.timer.dispose()
      this.gone.delete(match)
      this.sink.renamed(match, document, sha256)
      return true
    }
    this.expire()
    this.appeared.set(document, { document, sha256, from, at: this.clock.monotonicNow() })
    return false
  }

  /** Drops the held removals without reporting them (the watcher is going away). */
  dispose(): void {
    for (const g of this.gone.values()) g.timer.dispose()
    this.gone.clear()
    this.appeared.clear()
  }

  private flush(document: string): void {
    const g = this.gone.get(document)
    if (!g) return
    g.timer.dispose()
    this.gone.delete(document)
    this.sink.removed(document)
  }

  /** Forgets appearances older than the window (a first scan makes every document appear). */
  private expire(): void {
    const now = this.clock.monotonicNow()
    for (const [d, a] of this.appeared) if (now - a.at > this.windowMs) this.appeared.delete(d)
  }
}
