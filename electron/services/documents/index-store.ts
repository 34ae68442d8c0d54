import { lstatOrNull, readFileOrNull, writeFileAtomic, READ_LIMITS, ShareFileError } from '../core/share-fs'
import type { Workspace } from '../core/workspace'
import { sha256Hex, type IndexedSection, type SectionIndex } from '../sections/section-index'
import type { KnownGoodIndexes } from './known-good-indexes'

const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0

/** `sectionSchema`'s rules for one stored section, by hand: zod took 90 ms over 25,000 of them. */
function isStoredSection(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false
  const s = v as Record<string, unknown>
  return (
    typeof s.id === 'string' &&
    s.id.length > 0 &&
    Number.isSafeInteger(s.level) &&
    (s.level as number) >= 0 &&
    (s.level as number) <= 6 &&
    typeof s.heading === 'string' &&
    isCount(s.startLine) &&
    isCount(s.endLine) &&
    isCount(s.start) &&
    isCount(s.end) &&
    typeof s.sha256 === 'string' &&
    (s.bodySha256 === undefined || typeof s.bodySha256 === 'string')
  )
}

/**
 * A stored index as parsed JSON, checked for shape (what it claims is checked against the file in
 * index-check.ts) and copied field by field, so nothing else stored with it travels on; null when
 * it is not one. By hand: zod's parse took 90 ms over the 25,000 sections of a 5 MB document.
 */
export function storedIndexOf(v: unknown): SectionIndex | null {
  if (typeof v !== 'object' || v === null) return null
  const x = v as Record<string, unknown>
  if (x.format !== 1 || typeof x.fileSha256 !== 'string' || !isCount(x.fileSize)) return null
  if (!Array.isArray(x.sections) || x.sections.length === 0 || !x.sections.every(isStoredSection)) return null
  if (!Array.isArray(x.retired) || !x.retired.every((r) => typeof r === 'string')) return null
  const sections = (x.sections as IndexedSection[]).map((s) => {
    const copy: IndexedSection = {
      id: s.id,
      level: s.level,
      heading: s.heading,
      startLine: s.startLine,
      endLine: s.endLine,
      start: s.start,
      end: s.end,
      sha256: s.sha256
    }
    if (s.bodySha256 !== undefined) copy.bodySha256 = s.bodySha256
    return copy
  })
  return {
    format: 1,
    fileSha256: x.fileSha256,
    fileSize: x.fileSize as number,
    sections,
    retired: [...(x.retired as string[])]
  }
}

/**
 * The persisted section index of each document (`.sectioned/docs/<key>/index.json`): the ids of
 * its sections and their byte ranges for one exact file content (by SHA-256). When the file on
 * disk still has that checksum, a save needs no parse at all; when it does not (another editor
 * changed it), the index is the "previous" side of id reconciliation.
 */
export class IndexStore {
  /** `knownGood`: where the indexes this machine saw to be true are remembered (none: the CLI). */
  constructor(
    private readonly ws: Workspace,
    private readonly knownGood?: KnownGoodIndexes
  ) {}

  /** The stored index, or null when there is none or it is unreadable (it is derived data: rebuilt, never trusted blindly). */
  async read(doc: string): Promise<SectionIndex | null> {
    return (await this.readWithChecksum(doc))?.index ?? null
  }

  /** {@link read}, with the SHA-256 of the stored file's bytes (what `isKnownGood` is asked about). */
  async readWithChecksum(doc: string): Promise<{ index: SectionIndex; sha256: string } | null> {
    let buf: Buffer | null
    try {
      buf = await readFileOrNull(this.ws.indexFile(doc), READ_LIMITS.index)
    } catch (err) {
      if (err instanceof ShareFileError) return null // a link, a folder, too big: rebuilt and replaced
      throw err
    }
    if (!buf) return null
    let index: SectionIndex | null
    try {
      index = storedIndexOf(JSON.parse(buf.toString('utf8')))
    } catch {
      return null
    }
    return index && { index, sha256: sha256Hex(buf) }
  }

  /** True when this machine saw the stored index with checksum `indexSha256` to be true for the file `fileSha256`. */
  isKnownGood(doc: string, fileSha256: string, indexSha256: string): Promise<boolean> {
    return this.knownGood?.has(doc, fileSha256, indexSha256) ?? Promise.resolve(false)
  }

  /** Remembers that the stored index `indexSha256` was seen to be true for the file `fileSha256`. */
  noteGood(doc: string, fileSha256: string, indexSha256: string): void {
    this.knownGood?.note(doc, fileSha256, indexSha256)
  }

  /**
   * What identifies the stored index file as written (inode, size, modification and change times),
   * null when there is none: while it is the same, the index read and checked before is still the
   * one stored (every write renames a new file into place).
   */
  async stamp(doc: string): Promise<string | null> {
    const ahead = this.stampsAhead.get(doc)
    if (ahead) {
      this.stampsAhead.delete(doc)
      return ahead
    }
    const st = await lstatOrNull(this.ws.indexFile(doc))
    return st?.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : null
  }

  /**
   * Takes the stamp beside other work, for the next {@link stamp} of `doc` (taken once): a save under
   * the write mutex asks it beside reading the file (nobody else replaces the index meanwhile: it
   * is only written under that mutex). Returns what forgets it when it was not asked for.
   */
  stampAhead(doc: string): () => void {
    this.stampsAhead.delete(doc)
    const ahead = this.stamp(doc)
    ahead.catch(() => undefined) // asked by the next stamp()
    this.stampsAhead.set(doc, ahead)
    return () => {
      if (this.stampsAhead.get(doc) === ahead) this.stampsAhead.delete(doc)
    }
  }

  private readonly stampsAhead = new Map<string, Promise<string | null>>()

  /**
   * Stores an index. Callers hold the document's write mutex. `gate`: the file is renamed into place
   * only once it resolves (a save: once the document is replaced); a rejection writes nothing.
   */
  async write(doc: string, index: SectionIndex, gate?: Promise<unknown>): Promise<void> {
    this.own.delete(doc)
    // Derived data: no fsync; a torn or lost index is rebuilt by reconciliation.
    await writeFileAtomic(this.ws.indexFile(doc), JSON.stringify(index), {
      fsync: false,
      syncDir: false,
      replaceOdd: true,
      beforeRename: gate
    })
    // Still under the write mutex, the only time anyone replaces the file: the stamp is our write's.
    const stamp = await this.stamp(doc).catch(() => null)
    if (stamp === null) return
    this.own.set(doc, { stamp, index })
    if (this.own.size > OWN_DOCUMENTS) this.own.delete(this.own.keys().next().value as string)
  }

  /**
   * The index this store last wrote for `doc`, while the stored file is still that write (`stamp`
   * is the file's stamp now); else null. Lets this instance's next save skip reading back, hashing
   * and checking the index it stored itself (a 1 MB document's is about 270 KB of JSON).
   */
  ownIndex(doc: string, stamp: string | null): SectionIndex | null {
    const own = this.own.get(doc)
    return stamp !== null && own?.stamp === stamp ? own.index : null
  }

  /** What `write` stored last, by document, with the stored file's stamp right after. */
  private readonly own = new Map<string, { stamp: string; index: SectionIndex }>()
}

/** How many documents' own writes `ownIndex` remembers. */
const OWN_DOCUMENTS = 32

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
