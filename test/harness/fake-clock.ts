import type { Clock, Disposable } from '../../electron/services/core/clock'

interface Timer {
  id: number
  at: number
  every: number | null
  fn: () => unknown
}

/** A manual clock for unit tests: time moves only when `advance` is called. */
export class FakeClock implements Clock {
  private mono = 0
  private wall: number
  private nextId = 1
  private timers: Timer[] = []

  constructor(wallStart = Date.UTC(2026, 10, 21, 10, 0, 0)) {
    this.wall = wallStart
  }

  wallNow(): number {
    return this.wall
  }

  monotonicNow(): number {
    return this.mono
  }

  /** Moves only the wall clock (a machine whose clock jumps); monotonic time is unaffected. */
  skewWall(ms: number): void {
    this.wall += ms
  }

  setTimeout(fn: () => unknown, ms: number): Disposable {
    return this.add(fn, ms, null)
  }

  setInterval(fn: () => unknown, ms: number): Disposable {
    return this.add(fn, ms, ms)
  }

  /** Number of live timers (tests assert nothing leaks after dispose). */
  get pendingTimers(): number {
    return this.timers.length
  }

  /** Advances both clocks by `ms`, firing due timers in order and letting their async work settle. */
  async advance(ms: number): Promise<void> {
    const target = this.mono + ms
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0]
      if (!due) break
      this.wall += due.at - this.mono
      this.mono = due.at
      if (due.every === null) this.timers = this.timers.filter((t) => t !== due)
      else due.at += due.every
      // Awaiting the callback's promise makes its file I/O part of the step, as a test expects.
      await due.fn()
      await settle()
    }
    this.wall += target - this.mono
    this.mono = target
    await settle()
  }

  private add(fn: () => unknown, ms: number, every: number | null): Disposable {
    const timer: Timer = { id: this.nextId++, at: this.mono + Math.max(0, ms), every, fn }
    this.timers.push(timer)
    return { dispose: () => (this.timers = this.timers.filter((t) => t !== timer)) }
  }
}

/** Lets pending promise chains that do real file I/O run to completion. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}
