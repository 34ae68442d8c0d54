/**
 * Which stored section indexes this machine has seen to be true, kept in the host's own folder
 * (Electron's userData, the web host's config folder) — never in the share, whose files anyone
 * may change. A stored index (`index.json` in the share) is trusted for a file only after a parse
 * of the file agrees with it, and that parse is most of opening a large document (a 5 MB one:
 * ~0.3 s of ~0.5). Remembered here as (document, file checksum, index checksum): an instance
 * started again opens an unchanged document with an unchanged index without parsing it. Any change
 * to either file changes a checksum, so nothing written into the share can be trusted this way.
 */
import path from 'node:path'
import { z } from 'zod'
import type { Clock, Disposable } from '../core/clock'
import { readFileOrNull, writeFileAtomic } from '../core/share-fs'

/** Entries kept, most recently used last; older ones are forgotten (and parsed again if opened). */
const KEPT = 1_000
/** A burst of opens and saves is written once, this long after the first. */
const WRITE_DELAY_MS = 1_000
/** Far more than KEPT entries take; a bigger file is not ours and is ignored. */
const READ_LIMIT = 1024 * 1024

/**
 * Which check the remembered verdicts come from: bump it whenever what counts as a true index
 * changes (index-check.ts `indexProblems`, splice-check.ts, index-store.ts `storedIndexOf`), so a
 * stricter check after an upgrade is not skipped on the word of an older one.
 */
const CHECKER = 1

const hex64 = z.string().regex(/^[0-9a-f]{64}$/)
const fileSchema = z.object({
  format: z.literal(1),
  checker: z.literal(CHECKER),
  entries: z.array(z.tuple([z.string().max(8192), hex64, hex64])).max(KEPT)
})

/** The file in a host folder that keeps them. */
export function knownGoodIndexesIn(hostFolder: string): string {
  return path.join(hostFolder, 'checked-indexes.json')
}

/** The remembered (file checksum, index checksum) pairs of one workspace's documents. */
export class KnownGoodIndexes {
  /** `<workspace root>\0<document>` → `<file sha256>:<index sha256>`. */
  private entries: Map<string, string> | null = null
  private loading: Promise<Map<string, string>> | null = null
  private timer: Disposable | null = null
  private writing: Promise<void> = Promise.resolve()
  private disposed = false

  constructor(
    private readonly file: string,
    private readonly root: string,
    private readonly clock: Clock
  ) {}

  /** True when this index content was seen to be true for this file content. */
  async has(doc: string, fileSha256: string, indexSha256: string): Promise<boolean> {
    const entries = await this.load()
    const key = this.key(doc)
    const hit = entries.get(key) === `${fileSha256}:${indexSha256}`
    if (hit) this.touch(entries, key, `${fileSha256}:${indexSha256}`)
    return hit
  }

  /** Remembers that this index content was proven true for this file content (see index-lookup.ts). */
  note(doc: string, fileSha256: string, indexSha256: string): void {
    if (this.disposed) return // an open that finished after shutdown: nothing is written any more
    void this.load().then((entries) => {
      if (this.disposed) return
      this.touch(entries, this.key(doc), `${fileSha256}:${indexSha256}`)
      this.timer ??= this.clock.setTimeout(() => {
        this.timer = null
        this.writing = this.writing.then(() => this.write()).catch(() => undefined)
      }, WRITE_DELAY_MS)
    })
  }

  /** Writes what is pending now and waits for it. */
  async dispose(): Promise<void> {
    await this.loading
    this.disposed = true
    if (this.timer) {
      this.timer.dispose()
      this.timer = null
      this.writing = this.writing.then(() => this.write()).catch(() => undefined)
    }
    await this.writing
  }

  private key(doc: string): string {
    return `${this.root}\0${doc}`
  }

  private touch(entries: Map<string, string>, key: string, value: string): void {
    entries.delete(key)
    entries.set(key, value)
    while (entries.size > KEPT) entries.delete(entries.keys().next().value as string)
  }

  private load(): Promise<Map<string, string>> {
    if (this.entries) return Promise.resolve(this.entries)
    this.loading ??= this.read().then((m) => (this.entries = m))
    return this.loading
  }

  /** What the file says; anything unreadable or odd is a fresh start (it only saves parses). */
  private async read(): Promise<Map<string, string>> {
    try {
      const buf = await readFileOrNull(this.file, READ_LIMIT)
      const parsed = buf ? fileSchema.safeParse(JSON.parse(buf.toString('utf8'))) : null
      return new Map(parsed?.success ? parsed.data.entries.map(([k, f, i]) => [k, `${f}:${i}`]) : [])
    } catch {
      return new Map()
    }
  }

  private async write(): Promise<void> {
    const entries = [...(this.entries ?? new Map<string, string>())].map(([k, v]) => [k, ...v.split(':')])
    // A cache: no fsync; a lost or torn file costs parses, never a wrong index (checksums).
    await writeFileAtomic(this.file, JSON.stringify({ format: 1, checker: CHECKER, entries }), {
      fsync: false,
      syncDir: false
    })
  }
}
