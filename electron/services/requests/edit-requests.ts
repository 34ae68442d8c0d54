import path from 'node:path'
import { ulid } from 'ulid'
import { z } from 'zod'
import { NotFoundError, ValidationError } from '../../../shared/errors'
import type { Identity } from '../../../shared/types'
import {
  ensureDir,
  lstatOrNull,
  readdirOrNull,
  readFileOrNull,
  READ_LIMITS,
  removeFile,
  replaceSmallFile,
  ShareFileError
} from '../core/share-fs'
import type { Clock } from '../core/clock'
import type { Workspace } from '../core/workspace'
import { errorText, silentLog, type Log } from '../log/log'

const ID = /^[0-9A-HJKMNP-TV-Z]{26}$/
const person = z.object({ user: z.string(), host: z.string(), instanceId: z.string() })

/** An edit request as stored in `.sectioned/requests/<id>.json`. */
export const editRequestSchema = z.object({
  format: z.literal(1),
  id: z.string().regex(ID),
  document: z.string(),
  sectionId: z.string(),
  heading: z.string(),
  from: person,
  to: person,
  /** Requester's wall clock; shown, never compared. */
  at: z.string(),
  answer: z.object({ answer: z.enum(['released', 'declined']), by: z.string(), at: z.string() }).nullable()
})

/** An edit request ("may I have this section?") from one writer to the holder of a section. */
export type EditRequest = z.output<typeof editRequestSchema>
/** Who a request is addressed to: the holder of the section's lock. */
export type RequestParty = EditRequest['to']

/** Requests nobody answered are removed after a day: their writers are long gone. */
const MAX_AGE_MS = 24 * 60 * 60 * 1000

/**
 * Edit requests between instances, as small files in the shared folder (no server): the requester
 * writes one, the holder's watcher sees it and shows it, the holder answers in the same file, and
 * the requester's watcher sees the answer and removes the file.
 */
export class EditRequests {
  constructor(
    private readonly ws: Workspace,
    private readonly self: Identity,
    private readonly clock: Clock,
    private readonly log: Log = silentLog
  ) {}

  /** Asks `holder` for a section. */
  async send(
    document: string,
    sectionId: string,
    heading: string,
    holder: RequestParty
  ): Promise<EditRequest> {
    if (holder.instanceId === this.self.instanceId)
      throw new ValidationError('You hold this section in another window of this app; switch to that window.')
    const request: EditRequest = {
      format: 1,
      id: ulid(),
      document,
      sectionId,
      heading,
      from: this.party(),
      to: holder,
      at: this.iso(),
      answer: null
    }
    await ensureDir(this.ws.requestsDir)
    await replaceSmallFile(this.file(request.id), JSON.stringify(request, null, 1))
    return request
  }

  /** Reads a request; null when it is gone or damaged (a damaged one is treated as never sent). */
  async read(id: string): Promise<EditRequest | null> {
    if (!ID.test(id)) return null
    // A pipe, a link, a huge file named like a request is damage: treated as never sent.
    const text = await readFileOrNull(this.file(id), READ_LIMITS.request).catch((err: unknown) => {
      if (err instanceof ShareFileError) return null
      throw err
    })
    if (text === null) return null
    try {
      const parsed = editRequestSchema.safeParse(JSON.parse(text.toString('utf8')))
      return parsed.success && parsed.data.id === id ? parsed.data : null
    } catch {
      return null
    }
  }

  /** The holder answers a request addressed to this instance. */
  async answer(id: string, answer: 'released' | 'declined'): Promise<EditRequest> {
    const request = await this.read(id)
    if (!request) throw new NotFoundError('That edit request was withdrawn or already answered.')
    if (request.to.instanceId !== this.self.instanceId)
      throw new ValidationError('That edit request is addressed to somebody else.')
    const answered: EditRequest = { ...request, answer: { answer, by: this.self.user, at: this.iso() } }
    await replaceSmallFile(this.file(id), JSON.stringify(answered, null, 1))
    return answered
  }

  /** Unanswered requests addressed to this instance (for a window opened after they arrived). */
  async pendingForMe(): Promise<EditRequest[]> {
    const out: EditRequest[] = []
    for (const id of await this.ids()) {
      const r = await this.read(id)
      if (r && r.answer === null && r.to.instanceId === this.self.instanceId) out.push(r)
    }
    return out
  }

  /** Removes a request (the requester, once it has read the answer). */
  async remove(id: string): Promise<void> {
    if (!ID.test(id)) return
    await removeFile(this.file(id))
  }

  /** Removes requests older than a day by their file time (start-up housekeeping). */
  async removeOld(): Promise<number> {
    let removed = 0
    for (const id of await this.ids()) {
      const st = await lstatOrNull(this.file(id)).catch(() => null)
      if (st && this.clock.wallNow() - st.mtimeMs > MAX_AGE_MS) {
        await this.remove(id).catch((err: unknown) =>
          this.log.warn('an old edit request could not be removed', { request: id, error: errorText(err) })
        )
        removed++
      }
    }
    return removed
  }

  private async ids(): Promise<string[]> {
    const names = (await readdirOrNull(this.ws.requestsDir)) ?? []
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -5))
      .filter((id) => ID.test(id))
  }

  private party(): RequestParty {
    return { user: this.self.user, host: this.self.host, instanceId: this.self.instanceId }
  }

  private file(id: string): string {
    return path.join(this.ws.requestsDir, `${id}.json`)
  }

  private iso(): string {
    return new Date(this.clock.wallNow()).toISOString()
  }
}
