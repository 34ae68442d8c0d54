import { readFileSync } from 'node:fs'
import os from 'node:os'
import { ulid } from 'ulid'
import { z } from 'zod'
import type { Identity } from '../../../shared/types'

/** Runtime schema of an {@link Identity} as other instances write it into lock records and metrics. */
export const identitySchema = z.object({
  ownerId: z.string(),
  user: z.string(),
  host: z.string(),
  hostId: z.string(),
  pid: z.number().int(),
  instanceId: z.string()
})

/** Best stable id of this machine: SECTIONED_HOST_ID (tests play "another host" with it), /etc/machine-id, else the host name. */
export function machineHostId(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SECTIONED_HOST_ID) return env.SECTIONED_HOST_ID
  for (const file of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = readFileSync(file, 'utf8').trim()
      if (id) return `${os.hostname()}:${id.slice(0, 16)}`
    } catch {
      // not on this platform; try the next source
    }
  }
  return os.hostname()
}

/** Default display name: the OS user. */
export function defaultUserName(): string {
  try {
    return os.userInfo().username || 'writer'
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'writer'
  }
}

/** Builds this run's identity. `ownerId` should be persisted by the caller so a restarted writer keeps it. */
export function createIdentity(
  opts: { user?: string; ownerId?: string; host?: string; hostId?: string } = {}
): Identity {
  const user = (opts.user ?? defaultUserName()).trim() || 'writer'
  return {
    ownerId: opts.ownerId ?? `${user}@${opts.hostId ?? machineHostId()}`,
    user,
    host: opts.host ?? process.env.SECTIONED_HOST_NAME ?? os.hostname(),
    hostId: opts.hostId ?? machineHostId(),
    pid: process.pid,
    instanceId: ulid()
  }
}
