import { createHash } from 'node:crypto'
import os from 'node:os'
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
 * When the share cannot take the draft (its disk or quota is full — often why the save was refused),
 * it is kept in a folder on this machine instead (`localDir/<docKey>/`); `list` shows both.
 */
export class DraftStore {
  /** This machine's fallback folder for drafts of this workspace. */
  readonly localDir: string

  constructor(
    private readonly ws: Workspace,
    private readonly self: Identity,
    private readonly clock: Clock,
    /** Default: `<os tmpdir>/sectioned-drafts/<short hash of the workspace root>`. */
    localDir?: string
  ) {
    this.localDir =
      localDir ??
      path.join(
        os.tmpdir(),
        'sectioned-drafts',
        createHash('sha256').update(path.resolve(ws.root)).digest('hex').slice(0, 12)
      )
  }

  /** Where a document's drafts are kept on this machine when the share cannot take them. */
  localDraftsDir(document: string): string {
    return path.join(this.localDir, this.ws.docKey(document))
  }

  /** Keeps a text as a draft and returns the file it is in. */
  async keep(document: string, sectionId: string, text: string, reason: string): Promise<string> {
    const { name, data } = this.draftFile(document, sectionId, text, reason)
    const file = path.join(this.ws.draftsDir(document), name)
    await writeFileAtomic(file, data)
    return file
  }

  /**
   * Keeps a text as a draft on the share or, when that fails (a full disk), on this machine.
   * Returns the file, or null when neither could take it; never throws (the caller reports its own error).
   */
  async keepSomewhere(
    document: string,
    sectionId: string,
    text: string,
    reason: string
  ): Promise<string | null> {
    const { name, data } = this.draftFile(document, sectionId, text, reason)
    for (const dir of [this.ws.draftsDir(document), this.localDraftsDir(document)]) {
      const file = path.join(dir, name)
      try {
        await writeFileAtomic(file, data)
        return file
      } catch {
        // try the next place
      }
    }
    return null
  }

  private draftFile(
    document: string,
    sectionId: string,
    text: string,
    reason: string
  ): { name: string; data: string } {
    const savedAt = new Date(this.clock.wallNow()).toISOString()
    const name = `${savedAt.replace(/[-:.]/g, '')}_${this.self.instanceId}_${Math.random().toString(36).slice(2, 8)}.json`
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
    return { name, data: JSON.stringify(draft, null, 1) }
  }

  /** The drafts of a document (on the share, then those kept on this machine), oldest first; damaged files are skipped. */
  async list(document: string): Promise<(Draft & { file: string })[]> {
    const out: (Draft & { file: string })[] = []
    for (const dir of [this.ws.draftsDir(document), this.localDraftsDir(document)]) {
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
    }
    return out
  }

  /** Deletes a draft the writer has re-applied or dismissed (by its file name: never a path from outside). */
  async discard(document: string, fileName: string): Promise<void> {
    if (path.basename(fileName) !== fileName || fileName.startsWith('.') || !fileName.endsWith('.json')) {
      throw new ValidationError(`“${fileName}” is not a draft.`)
    }
    if (!(await removeFile(path.join(this.ws.draftsDir(document), fileName))))
      await removeFile(path.join(this.localDraftsDir(document), fileName))
  }
}
