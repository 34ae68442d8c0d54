import type { LockService } from '../../electron/services/locks/lock-service'

/**
 * For tests: holds every save of `locks` before it starts (every save takes the document's write
 * mutex first, whichever path it takes), so a test can act while a save is "in flight". Returns the
 * function that lets them go. Not used by production code.
 */
export function holdSaves(locks: LockService): () => void {
  let letGo: () => void = () => undefined
  const gate = new Promise<void>((resolve) => (letGo = resolve))
  const acquireWrite = locks.acquireWrite.bind(locks)
  locks.acquireWrite = async (...args: Parameters<typeof acquireWrite>) => {
    await gate
    return acquireWrite(...args)
  }
  return () => letGo()
}
