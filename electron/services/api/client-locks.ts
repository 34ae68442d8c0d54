import type { LockHandle } from '../locks/lock-service'

/** A lock taken through the API, and the window (client) that took it. */
export interface ClientLock {
  handle: LockHandle
  clientId: string
}

function key(document: string, sectionId: string | null): string {
  return `${document}\u0000${sectionId ?? ''}`
}

/**
 * Which window of this instance holds which lock. A lock belongs to the window that took it: the
 * other windows of the same instance see it as "yours, in another window" and cannot edit through
 * it (issue: two windows of one instance respect each other's locks).
 */
export class ClientLocks {
  private readonly byKey = new Map<string, ClientLock>()

  get(document: string, sectionId: string | null): ClientLock | undefined {
    return this.byKey.get(key(document, sectionId))
  }

  set(lock: ClientLock): void {
    this.byKey.set(key(lock.handle.document, lock.handle.sectionId), lock)
  }

  /** Forgets a lock by its token (it was released, lost or released for idleness). */
  forget(handle: LockHandle): ClientLock | undefined {
    const k = key(handle.document, handle.sectionId)
    const found = this.byKey.get(k)
    if (found && found.handle.token === handle.token) {
      this.byKey.delete(k)
      return found
    }
    return undefined
  }

  /** The locks one window holds. */
  ofClient(clientId: string): ClientLock[] {
    return [...this.byKey.values()].filter((l) => l.clientId === clientId)
  }

  /** The window holding a lock with this token, if any. */
  byToken(token: string): ClientLock | undefined {
    return [...this.byKey.values()].find((l) => l.handle.token === token)
  }
}
