/**
 * Presence for a one-shot command (`sectioned who`), which cannot watch records change over time as
 * a running instance does: a record counts when its file was refreshed within the stale window
 * (3 of its writer's heartbeats) *by the share's own clock* — its mtime against the mtime of a probe
 * file written there now, both stamped by the file server — never against this computer's clock. On
 * this machine a record whose process has ended is gone at once.
 */
import { randomBytes } from 'node:crypto'
import type { Identity } from '../../../shared/types'
import { fileSystemNow, lstatOrNull } from '../core/share-fs'
import type { Workspace } from '../core/workspace'
import { holderProcessEnded } from '../locks/liveness'
import { readAllPresence, type PresenceEntry } from './presence-record'

/** A running instance and where its windows are. */
export interface PresentInstance {
  instanceId: string
  ownerId: string
  user: string
  host: string
  documents: PresenceEntry[]
  /** The writer's wall clock at its last refresh (for people; never compared). */
  refreshedAt: string
  /** Since its last refresh by the share's clock (ms); null when the share's clock could not be read. */
  ageMs: number | null
}

/** A record file that does not count, and why. */
export interface IgnoredPresence {
  instanceId: string
  file: string
  reason: string
}

/** Every present instance and every record that was not taken (damaged, stale, process ended). */
export async function readPresent(
  ws: Workspace,
  self: Identity,
  staleAfterBeats: number
): Promise<{ present: PresentInstance[]; ignored: IgnoredPresence[] }> {
  const present: PresentInstance[] = []
  const ignored: IgnoredPresence[] = []
  const records = await readAllPresence(ws)
  let shareNow: number | null | undefined
  for (const r of records) {
    const { instanceId, file } = r
    if (r.record === null) {
      ignored.push({ instanceId, file, reason: `damaged: ${r.problem}` })
      continue
    }
    const rec = r.record
    if (holderProcessEnded(rec.identity, self)) {
      ignored.push({ instanceId, file, reason: 'its process on this computer has ended' })
      continue
    }
    // One probe for the whole listing, and only when a record needs it.
    if (shareNow === undefined)
      shareNow = await fileSystemNow(ws.presenceDir, `.who-${randomBytes(6).toString('hex')}`).catch(
        () => null
      )
    const mtime = (await lstatOrNull(file))?.mtimeMs
    const ageMs = shareNow === null || mtime === undefined ? null : Math.max(0, shareNow - mtime)
    const windowMs = Math.min(120_000, Math.max(100, rec.heartbeatIntervalMs)) * staleAfterBeats
    if (ageMs !== null && ageMs > windowMs) {
      const beats = Math.round(ageMs / rec.heartbeatIntervalMs)
      ignored.push({ instanceId, file, reason: `not refreshed for ${beats} heartbeats (stale)` })
      continue
    }
    const { ownerId, user, host } = rec.identity
    present.push({
      instanceId,
      ownerId,
      user,
      host,
      documents: rec.documents,
      refreshedAt: rec.refreshedAt,
      ageMs
    })
  }
  return { present, ignored }
}
