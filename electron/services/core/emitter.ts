import type { Disposable } from './clock'

/** A small typed event emitter: `on` returns a Disposable, listeners that throw never break the emitter. */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>()

  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): Disposable {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener as (payload: never) => void)
    return { dispose: () => set.delete(listener as (payload: never) => void) }
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const l of this.listeners.get(event) ?? []) {
      try {
        ;(l as (p: Events[K]) => void)(payload)
      } catch (err) {
        // A broken listener must not stop the heartbeat that emitted the event.
        queueMicrotask(() => {
          throw err
        })
      }
    }
  }

  /** Drops every listener (part of the owner's dispose). */
  clear(): void {
    this.listeners.clear()
  }
}
