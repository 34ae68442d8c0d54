/**
 * Runs at most one task per key at a time. A request while that key's task runs schedules exactly
 * one more run after it, so a burst of file events costs two reads, not one per event, and results
 * are emitted in the order the file went through its states.
 */
export class SerialRuns {
  private readonly running = new Map<string, { again: boolean; done: Promise<void> }>()

  /** `onError` receives what a task throws; the key stays usable for the next request. */
  constructor(private readonly onError: (err: unknown) => void) {}

  /** Runs `task` for `key` now, or once more after the run in progress. */
  request(key: string, task: () => Promise<void>): void {
    const current = this.running.get(key)
    if (current) {
      current.again = true
      return
    }
    const state = { again: false, done: Promise.resolve() }
    this.running.set(key, state)
    state.done = (async () => {
      try {
        do {
          state.again = false
          await task().catch(this.onError)
        } while (state.again)
      } finally {
        this.running.delete(key)
      }
    })()
  }

  /** Resolves when no task is running (part of the owner's dispose: nothing reads or emits after it). */
  async idle(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.allSettled([...this.running.values()].map((r) => r.done))
    }
  }
}
