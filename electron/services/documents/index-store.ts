import { z } from 'zod'
import { readFileOrNull, writeFileAtomic, READ_LIMITS, ShareFileError } from '../core/share-fs'
import type { Workspace } from '../core/workspace'
import type { SectionIndex } from '../sections/section-index'

const sectionSchema = z.object({
  id: z.string().min(1),
  level: z.number().int().min(0).max(6),
  heading: z.string(),
  startLine: z.number().int().nonnegative(),
  endLine: z.number().int().nonnegative(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  sha256: z.string(),
  bodySha256: z.string().optional()
})

const indexSchema = z.object({
  format: z.literal(1),
  fileSha256: z.string(),
  fileSize: z.number().int().nonnegative(),
  sections: z.array(sectionSchema).min(1),
  retired: z.array(z.string())
})

/**
 * The persisted section index of each document (`.sectioned/docs/<key>/index.json`): the ids of
 * its sections and their byte ranges for one exact file content (by SHA-256). When the file on
 * disk still has that checksum, a save needs no parse at all; when it does not (another editor
 * changed it), the index is the "previous" side of id reconciliation.
 */
export class IndexStore {
  constructor(private readonly ws: Workspace) {}

  /** The stored index, or null when there is none or it is unreadable (it is derived data: rebuilt, never trusted blindly). */
  async read(doc: string): Promise<SectionIndex | null> {
    let buf: Buffer | null
    try {
      buf = await readFileOrNull(this.ws.indexFile(doc), READ_LIMITS.index)
    } catch (err) {
      if (err instanceof ShareFileError) return null // a link, a folder, too big: rebuilt and replaced
      throw err
    }
    if (!buf) return null
    try {
      const parsed = indexSchema.safeParse(JSON.parse(buf.toString('utf8')))
      return parsed.success ? parsed.data : null
    } catch {
      return null
    }
  }

  /** Stores an index. Callers hold the document's write mutex. */
  async write(doc: string, index: SectionIndex): Promise<void> {
    // Derived data: no fsync; a torn or lost index is rebuilt by reconciliation.
    await writeFileAtomic(this.ws.indexFile(doc), JSON.stringify(index), {
      fsync: false,
      syncDir: false,
      replaceOdd: true
    })
  }
}
