import type { Identity } from '../../../shared/types'

/** True when a process with this pid exists on this machine (EPERM means it exists but is not ours). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Whether the holder is certainly gone because it ran on this machine and its process is dead
 * (SPEC L4: "On the same host a lock whose pid is dead is stale at once"). A reused pid makes a
 * dead holder look alive; that errs on the safe side (its missed heartbeats still make it stale).
 */
export function holderProcessEnded(holder: Identity, self: Identity): boolean {
  if (holder.hostId !== self.hostId) return false
  return !isPidAlive(holder.pid)
}
