import { z } from 'zod'
import { lstatOrNull, readFileOrNull, writeFileAtomic, READ_LIMITS, ShareFileError } from '../core/share-fs'
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

  /**
   * What identifies the stored index file as written (inode, size, modification and change times),
   * null when there is none: while it is the same, the index read and checked before is still the
   * one stored (every write renames a new file into place).
   */
  async stamp(doc: string): Promise<string | null> {
    const st = await lstatOrNull(this.ws.indexFile(doc))
    return st?.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : null
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

/** How many documents' checked indexes are remembered. */
const CHECKED_DOCUMENTS = 32

/**
 * Stored indexes this instance read and checked against a file (see index-check.ts), by document:
 * while the index file has the same stamp and the file the same checksum, the index is trusted
 * again without reading, parsing and checking it once more.
 */
export class CheckedIndexes {
  private readonly byDoc = new Map<string, { fileSha256: string; stamp: string; index: SectionIndex }>()

  get(doc: string, fileSha256: string, stamp: string | null): SectionIndex | null {
    const known = this.byDoc.get(doc)
    return stamp !== null && known?.fileSha256 === fileSha256 && known.stamp === stamp ? known.index : null
  }

  set(doc: string, fileSha256: string, stamp: string | null, index: SectionIndex): void {
    if (stamp === null) return
    this.byDoc.delete(doc) // most recently used last
    this.byDoc.set(doc, { fileSha256, stamp, index })
    while (this.byDoc.size > CHECKED_DOCUMENTS) this.byDoc.delete(this.byDoc.keys().next().value as string)
  }
}
