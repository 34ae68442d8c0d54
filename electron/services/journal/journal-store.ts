/**
 * The local journal of unsaved text (like VS Code's hot exit): the window writes the text of the
 * sections it holds here within moments of each keystroke, so a closed window, a crashed renderer
 * or a dead shared folder never loses typing. It lives on the writer's own machine — Electron's
 * user-data folder, the web host's config folder — never in the shared folder, which may be what
 * just failed. One JSON file per (workspace, document), named by a SHA-256 of both.
 */
import { createHash } from 'node:crypto'
import { constants as fsConstants, promises as fs } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { ValidationError } from '../../../shared/errors'
import { errCode, writeFileAtomic } from '../core/share-fs'
import type { Clock } from '../core/clock'

/** At most this many journalled sections per document. */
export const MAX_JOURNAL_ENTRIES = 200
/** At most this much journalled text per document (UTF-8 bytes), as for a whole document's save. */
export const MAX_JOURNAL_TEXT_BYTES = 64 * 1024 * 1024
/**
 * A journal file larger than this is not read. JSON escaping at most doubles ordinary text
 * (`\n`, `"`, `\\`, `\t`); writes are checked against the same bound, so a journal written by this
 * code is always readable.
 */
export const MAX_JOURNAL_FILE_BYTES = 2 * MAX_JOURNAL_TEXT_BYTES + 1024 * 1024

/** One section's unsaved text as journalled. */
export interface JournalEntry {
  sectionId: string
  text: string
  /** Checksum of the section text the writer started from; null when unknown (a new section). */
  baseSha256: string | null
  /** When it was journalled (ISO, from the injected clock). */
  savedAt: string
  user: string
}

/** What a window sends: `text: null` removes the section's entry (it was saved or discarded). */
export interface JournalWrite {
  sectionId: string
  baseSha256: string | null
  text: string | null
}

const entrySchema = z.object({
  sectionId: z.string().min(1),
  text: z.string(),
  baseSha256: z.string().nullable(),
  savedAt: z.string(),
  user: z.string()
})

const fileSchema = z.object({
  format: z.literal(1),
  root: z.string(),
  document: z.string(),
  entries: z.array(entrySchema).max(MAX_JOURNAL_ENTRIES)
})

type JournalFile = z.output<typeof fileSchema>

/** How to build a journal store. */
export interface JournalStoreOptions {
  /** The journal folder on this machine (created with mode 0700 on the first write). */
  dir: string
  /** The workspace root (absolute); part of each file's name, so two workspaces never mix. */
  root: string
  clock: Clock
  /** The writer's name, recorded with each entry. */
  user: string
}

/** Why a journal file could not be used; it is renamed aside and the journal reads as empty. */
class DamagedJournal extends Error {}

/**
 * Per-document journal files. Every operation on one file runs after the previous one finished
 * (a read-modify-write each), so quick writes never interleave and the later one wins. Writes are
 * atomic (temp file, fsync, rename). A damaged, oversized or planted (symlink, not a regular file)
 * journal is renamed aside as `<file>.damaged-<timestamp>` and reads as empty: the writer is never
 * stopped by the journal.
 */
export class JournalStore {
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor(private readonly opts: JournalStoreOptions) {}

  /** The journal file of a document (workspace-relative path, already confined by the caller). */
  fileFor(document: string): string {
    const name = createHash('sha256').update(`${this.opts.root}\u0000${document}`).digest('hex')
    return path.join(this.opts.dir, `${name}.json`)
  }

  /** Upserts entries; `text: null` removes one. Past the limits nothing is written (ValidationError). */
  write(document: string, writes: readonly JournalWrite[]): Promise<void> {
    return this.serialised(document, async (file) => {
      const entries = new Map((await this.read(file)).map((e) => [e.sectionId, e]))
      const savedAt = new Date(this.opts.clock.wallNow()).toISOString()
      for (const w of writes) {
        if (w.text === null) entries.delete(w.sectionId)
        else
          entries.set(w.sectionId, {
            sectionId: w.sectionId,
            text: w.text,
            baseSha256: w.baseSha256,
            savedAt,
            user: this.opts.user
          })
      }
      await this.persist(file, document, [...entries.values()])
    })
  }

  /** The journalled entries of a document, in the order they were first written. */
  list(document: string): Promise<JournalEntry[]> {
    return this.serialised(document, (file) => this.read(file))
  }

  /** Removes the given sections' entries, or the document's whole journal when `sectionIds` is absent. */
  discard(document: string, sectionIds?: readonly string[]): Promise<void> {
    return this.serialised(document, async (file) => {
      if (sectionIds === undefined) return this.remove(file)
      const drop = new Set(sectionIds)
      const entries = await this.read(file)
      const kept = entries.filter((e) => !drop.has(e.sectionId))
      if (kept.length !== entries.length) await this.persist(file, document, kept)
    })
  }

  /** Resolves once every operation started so far has finished (dispose waits for it). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled([...this.queues.values()])
  }

  private serialised<T>(document: string, op: (file: string) => Promise<T>): Promise<T> {
    const file = this.fileFor(document)
    const previous = this.queues.get(file) ?? Promise.resolve()
    const run = previous.then(
      () => op(file),
      () => op(file)
    )
    const tail = run.then(
      () => undefined,
      () => undefined
    )
    this.queues.set(file, tail)
    void tail.then(() => {
      if (this.queues.get(file) === tail) this.queues.delete(file)
    })
    return run
  }

  private async persist(file: string, document: string, entries: JournalEntry[]): Promise<void> {
    if (entries.length === 0) return this.remove(file)
    if (entries.length > MAX_JOURNAL_ENTRIES) {
      throw new ValidationError(
        `The journal keeps at most ${MAX_JOURNAL_ENTRIES} unsaved sections per document; save some first.`
      )
    }
    const textBytes = entries.reduce((sum, e) => sum + Buffer.byteLength(e.text, 'utf8'), 0)
    const body: JournalFile = { format: 1, root: this.opts.root, document, entries }
    const data = JSON.stringify(body)
    if (textBytes > MAX_JOURNAL_TEXT_BYTES || Buffer.byteLength(data, 'utf8') > MAX_JOURNAL_FILE_BYTES) {
      throw new ValidationError('The unsaved text of this document is over 64 MiB: too large to journal.')
    }
    await fs.mkdir(this.opts.dir, { recursive: true, mode: 0o700 })
    // The atomic write refuses anything but a regular file at the target (it never writes through
    // a link): whatever else is at the journal's name is moved aside first, so journaling goes on.
    // The folder is the writer's own (0700), so the window between this lstat and the rename is theirs.
    if (await this.notRegularFile(file)) await this.moveAside(file)
    await writeFileAtomic(file, data, { mode: 0o600 })
  }

  private async remove(file: string): Promise<void> {
    // rm removes a symlink itself, never its target.
    await fs.rm(file, { force: true })
  }

  /** Reads a journal file; missing is empty, unusable is moved aside and empty. */
  private async read(file: string): Promise<JournalEntry[]> {
    try {
      return await this.readStrict(file)
    } catch (err) {
      if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return []
      // Bad JSON, a wrong shape, a symlink (ELOOP), an unreadable file: none may stop the writer.
      await this.moveAside(file).catch(() => undefined)
      return []
    }
  }

  private async readStrict(file: string): Promise<JournalEntry[]> {
    // Both: lstat refuses symlinks, FIFOs and folders before anything is opened (the only check on
    // Windows, which has no O_NOFOLLOW); O_NOFOLLOW closes the window between lstat and open where
    // the platform has it (Linux, macOS: ELOOP for a symlink).
    if (await this.notRegularFile(file)) throw new DamagedJournal('not a regular file')
    const handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0))
    let text: string
    try {
      const stat = await handle.stat()
      if (!stat.isFile()) throw new DamagedJournal('not a regular file')
      if (stat.size > MAX_JOURNAL_FILE_BYTES) throw new DamagedJournal('oversized')
      text = await handle.readFile('utf8')
    } finally {
      await handle.close()
    }
    const parsed = fileSchema.safeParse(JSON.parse(text))
    if (!parsed.success) throw new DamagedJournal('unexpected shape')
    return parsed.data.entries
  }

  /** True when something other than a regular file sits at `file` (missing: false). */
  private async notRegularFile(file: string): Promise<boolean> {
    try {
      return !(await fs.lstat(file)).isFile()
    } catch (err) {
      if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return false
      throw err
    }
  }

  /** Keeps an unusable journal for a person to look at: rename moves a symlink itself, not its target. */
  private async moveAside(file: string): Promise<void> {
    const stamp = new Date(this.opts.clock.wallNow()).toISOString().replace(/[-:.]/g, '')
    const suffix = Math.random().toString(36).slice(2, 8)
    await fs.rename(file, `${file}.damaged-${stamp}-${suffix}`)
  }
}

/** The journal folder inside a host's own folder (Electron's userData, the web host's config folder). */
export function journalDirIn(hostFolder: string): string {
  return path.join(hostFolder, 'journal')
}
