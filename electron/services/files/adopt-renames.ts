import type { Clock, Disposable } from '../core/clock'
import type { AdoptOutcome } from './file-ops'

/** After these delays a rename whose history could not follow it (a section was held) is tried again; then every last one, up to an hour. */
const RETRY_MS = [2_000, 5_000, 15_000, 30_000, 60_000]
const GIVE_UP_AFTER_MS = 60 * 60_000

/** What the adopter needs: FileOps' adoptRename. */
export interface RenameAdoption {
  adoptRename(from: string, to: string, sha256: string): Promise<AdoptOutcome>
}

/**
 * Carries the history of documents renamed outside the app to their new names (FileOps.adoptRename)
 * as the watcher reports them, one at a time. A rename made while someone holds a section of the
 * document cannot take the document lock: it is tried again a little later, and again, for up to an
 * hour — the holder's save finds its file gone and the section is released or goes stale, and the
 * history follows then instead of staying under the old name. `dispose` cancels what waits and
 * waits for what runs.
 */
export class RenameAdopter {
  private running: Promise<void> = Promise.resolve()
  private readonly timers = new Set<Disposable>()
  private disposed = false

  constructor(
    private readonly files: RenameAdoption,
    private readonly clock: Clock,
    private readonly failed: (from: string, to: string, err: unknown) => void
  ) {}

  /** The watcher saw `from` renamed to `to` (content `sha256`). */
  adopt(from: string, to: string, sha256: string, tries = 0, since = this.clock.monotonicNow()): void {
    this.running = this.running.then(async () => {
      if (this.disposed) return
      let outcome: AdoptOutcome
      try {
        outcome = await this.files.adoptRename(from, to, sha256)
      } catch (err) {
        return this.failed(from, to, err)
      }
      // Said in the log when asking again ends without the history moved: it stays under the old name.
      if (outcome === 'not-ready' && tries > 0)
        return this.failed(
          from,
          to,
          new Error('the document changed or moved again while a section was held')
        )
      const delay = RETRY_MS[Math.min(tries, RETRY_MS.length - 1)]
      if (outcome !== 'busy' || this.disposed) return
      if (this.clock.monotonicNow() - since + delay > GIVE_UP_AFTER_MS)
        return this.failed(from, to, new Error('a section stayed held for an hour'))
      const timer = this.clock.setTimeout(() => {
        this.timers.delete(timer)
        this.adopt(from, to, sha256, tries + 1, since)
      }, delay)
      this.timers.add(timer)
    })
  }

  async dispose(): Promise<void> {
    this.disposed = true
    for (const t of this.timers) t.dispose()
    this.timers.clear()
    await this.running
  }
}
