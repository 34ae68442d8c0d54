import path from 'node:path'
import { z } from 'zod'
import { ValidationError } from '../../../shared/errors'
import type { Identity } from '../../../shared/types'
import {
  readdirOrNull,
  readFileOrNull,
  READ_LIMITS,
  removeFile,
  ShareFileError,
  writeFileAtomic
} from '../core/share-fs'
import type { Clock } from '../core/clock'
import type { Workspace } from '../core/workspace'

/** A writer's text that could not be saved (lock lost, conflict), kept so that nothing is lost. */
export interface Draft {
  format: 1
  document: string
  sectionId: string
  user: string
  instanceId: string
  savedAt: string
  reason: string
  text: string
}

const draftSchema = z.object({
  format: z.literal(1),
  document: z.string(),
  sectionId: z.string(),
  user: z.string(),
  instanceId: z.string(),
  savedAt: z.string(),
  reason: z.string(),
  text: z.string()
})

/**
 * Drafts on the shared folder (`.sectioned/docs/<docKey>/drafts/`), one JSON file each, written
 * atomically and durably: a refused save's text survives the app crashing right after (SPEC L5).
 */
export class DraftStore {
  constructor(
    private readonly ws: Workspace,
    private readonly self: Identity,
    private readonly clock: Clock
  ) {}

  /** Keeps a text as a draft and returns the file it is in. */
  async keep(document: string, sectionId: string, text: string, reason: string): Promise<string> {
    const savedAt = new Date(this.clock.wallNow()).toISOString()
    const name = `${savedAt.replace(/[-:.]/g, '')}_${this.self.instanceId}_${Math.random().toString(36).slice(2, 8)}.json`
    const file = path.join(this.ws.draftsDir(document), name)
    const draft: Draft = {
      format: 1,
      document,
      sectionId,
      user: this.self.user,
      instanceId: this.self.instanceId,
      savedAt,
      reason,
      text
    }
    await writeFileAtomic(file, JSON.stringify(draft, null, 1))
    return file
  }

  /** The drafts of a document, oldest first; damaged files are skipped. */
  async list(document: string): Promise<(Draft & { file: string })[]> {
    const dir = this.ws.draftsDir(document)
    const out: (Draft & { file: string })[] = []
    for (const name of ((await readdirOrNull(dir)) ?? []).filter((n) => n.endsWith('.json')).sort()) {
      const buf = await readFileOrNull(path.join(dir, name), READ_LIMITS.version).catch((err: unknown) => {
        if (err instanceof ShareFileError) return null // a link, a pipe, too big: skipped like any damaged draft
        throw err
      })
      if (!buf) continue
      try {
        const parsed = draftSchema.safeParse(JSON.parse(buf.toString('utf8')))
        if (parsed.success) out.push({ ...parsed.data, file: path.join(dir, name) })
      } catch {
        // a damaged draft is skipped, never fatal
      }
    }
    return out
  }

  /** Deletes a draft the writer has re-applied or dismissed (by its file name: never a path from outside). */
  async discard(document: string, fileName: string): Promise<void> {
    if (path.basename(fileName) !== fileName || fileName.startsWith('.') || !fileName.endsWith('.json')) {
      throw new ValidationError(`“${fileName}” is not a draft.`)
    }
    await removeFile(path.join(this.ws.draftsDir(document), fileName))
  }
}
