import { watch } from 'node:fs'
import type { Disposable } from '../electron/services/core/clock'
import { epochNow } from './timing'

/**
 * Resolves with the epoch time of the first event that `accept` takes, or null after `ms`. The
 * listener is attached at once (before the caller triggers anything) and removed afterwards.
 */
export function firstEvent<E>(
  subscribe: (listener: (event: E) => void) => Disposable,
  accept: (event: E) => boolean,
  ms: number
): Promise<number | null> {
  return new Promise((resolve) => {
    let done = false
    const timer = setTimeout(() => finish(null), ms)
    const subscription = subscribe((event) => {
      if (accept(event)) finish(epochNow())
    })
    function finish(at: number | null) {
      if (done) return
      done = true
      clearTimeout(timer)
      subscription.dispose()
      resolve(at)
    }
  })
}

/** The anchor: the first raw `fs.watch` event in `dir` for a name that `accept` takes (epoch ms), or null. */
export function firstRawEvent(
  dir: string,
  accept: (name: string) => boolean,
  ms: number
): Promise<number | null> {
  return firstEvent<string>(
    (listener) => {
      const watcher = watch(dir, (_type, name) => listener(String(name ?? '')))
      return { dispose: () => watcher.close() }
    },
    accept,
    ms
  )
}
