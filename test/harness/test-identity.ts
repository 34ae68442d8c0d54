import type { Identity } from '../../shared/types'

/** A writer's identity for tests: `<user>-pc`, its own host id, this process, instance `i-<user>`. */
export function testIdentity(user: string, over: Partial<Identity> = {}): Identity {
  return {
    ownerId: user,
    user,
    host: `${user}-pc`,
    hostId: `h-${user}`,
    pid: process.pid,
    instanceId: `i-${user}`,
    ...over
  }
}
