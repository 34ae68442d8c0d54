/**
 * SPEC H3: the linear version history of each section. Every version is its own checksummed JSON
 * file, `v000000007.json`, in `Workspace.historyDir(doc, sectionId)`; every read verifies it.
 */
import path from 'node:path'
import { IntegrityError, NotFoundError, ValidationError } from '../../../shared/errors'
import type { VersionRecord } from '../../../shared/types'
import {
  errCode,
  fsyncDir,
  lstatOrNull,
  ShareFileError,
  readFileOrNull,
  READ_LIMITS,
  removeFile,
  writeFileAtomic
} from '../core/share-fs'
import type { Clock } from '../core/clock'
import type { Workspace } from '../core/workspace'
import { historyFolders, identifyFolder, verifyHistory, versionsIn } from './history-scan'
import {
  encodeVersion,
  inspectVersion,
  MAX_VERSION,
  sha256Hex,
  versionFileName,
  type IntegrityProblem
} from './version-file'

/** What a caller says about a new version; the store adds number, checksum, time and flags. */
export interface NewVersion {
  heading: string
  content: string
  author: string
  instanceId: string
  /** "baseline", "save", "restore", "structure", … */
  reason: string
  /** When the text was saved (ISO); default now. A save finished from its intent keeps its own time. */
  timestamp?: string
}

/**
 * Reads and writes section histories. Appends must be serialised across processes by the caller
 * (the document's write mutex); within this process the store also queues every change to one
 * section, so two appends here can never compute the same number.
 */
export class HistoryStore {
  private readonly queues = new Map<string, Promise<unknown>>()
  /**
   * Documents with a save in progress here, and the newest valid version of each section read
   * during it. The save holds the document's write mutex, so only this process appends meanwhile:
   * what was read (or appended) stays the newest until the save ends. A save asked for it four
   * times per section (baseline, next number, versions, next number again), each a listing and a
   * read of the same file.
   */
  private readonly saving = new Map<string, Map<string, Promise<VersionRecord | null>>>()

  constructor(
    private readonly ws: Workspace,
    private readonly clock: Clock
  ) {}

  /**
   * Adds the next version (highest existing + 1, starting at 1). Numbers are never reused because
   * pruning never deletes the highest version. Throws a plain Error if the target file already
   * exists: that means someone appended without holding the write mutex.
   */
  append(
    doc: string,
    sectionId: string,
    entry: NewVersion,
    /** The version is renamed into place only once this resolves; a rejection writes nothing and is thrown. */
    gate?: Promise<unknown>
  ): Promise<VersionRecord> {
    return this.serial(doc, sectionId, async () => {
      const dir = this.ws.historyDir(doc, sectionId)
      const version = await this.nextVersion(doc, sectionId)
      const file = path.join(dir, versionFileName(version))
      const record: VersionRecord = {
        format: 1,
        document: doc,
        sectionId,
        version,
        heading: entry.heading,
        content: entry.content,
        sha256: sha256Hex(entry.content),
        author: entry.author,
        instanceId: entry.instanceId,
        timestamp: entry.timestamp ?? new Date(this.clock.wallNow()).toISOString(),
        reason: entry.reason,
        pinned: false,
        beforeStructure: false
      }
      await writeFileAtomic(file, encodeVersion(record), { beforeRename: gate })
      this.saving.get(doc)?.set(sectionId, Promise.resolve(record))
      return record
    })
  }

  /**
   * The number the next version gets: one above the newest version that verifies. Damaged or
   * planted files above it (a `v999999999.json`, say) are not obeyed — `verify` reports them — and
   * a damaged file already at the next number is stepped over. A file there that verifies means
   * someone appended without the write mutex (a plain Error: a broken invariant).
   */
  private async nextVersion(doc: string, sectionId: string): Promise<number> {
    const head = await this.latestValid(doc, sectionId)
    let version = (head?.version ?? 0) + 1
    for (;;) {
      if (version > MAX_VERSION) {
        const dir = this.ws.historyDir(doc, sectionId)
        throw new ValidationError(
          `Section “${sectionId}” cannot get a new version number: its history holds ${versionFileName(MAX_VERSION)}, ` +
            `the highest a history file can carry. Unless it really was saved that many times, that file was planted ` +
            `or copied there: move it out of ${dir} (“sectioned verify” lists its history). Nothing was saved.`
        )
      }
      const file = path.join(this.ws.historyDir(doc, sectionId), versionFileName(version))
      if (!(await exists(file))) return version
      // Anything here is above the newest valid version, so it does not verify: stepped over.
      version++
    }
  }

  /**
   * Refuses, before a save changes its file, when a section of it could not get its next version
   * (its history has run out of numbers). Callers hold the write mutex.
   */
  async checkAppendable(doc: string, sectionIds: readonly string[]): Promise<void> {
    for (const id of sectionIds) await this.serial(doc, id, () => this.nextVersion(doc, id))
  }

  /**
   * Marks a save of `doc` as under way (the caller holds its write mutex) until the returned
   * function is called: the newest version of each section is read once meanwhile.
   */
  beginSave(doc: string): () => void {
    const known = new Map<string, Promise<VersionRecord | null>>()
    this.saving.set(doc, known)
    return () => {
      if (this.saving.get(doc) === known) this.saving.delete(doc)
    }
  }

  /** The newest version that verifies, skipping damaged files above it; null when there is none. */
  latestValid(doc: string, sectionId: string): Promise<VersionRecord | null> {
    const known = this.saving.get(doc)
    const had = known?.get(sectionId)
    if (had) return had
    // Kept while in flight too: a save asks for it ahead (beside reading its document) and again later.
    const found = this.readLatestValid(doc, sectionId)
    if (known) {
      known.set(sectionId, found)
      found.catch(() => {
        if (known.get(sectionId) === found) known.delete(sectionId) // a failed read is read again
      })
    }
    return found
  }

  private async readLatestValid(doc: string, sectionId: string): Promise<VersionRecord | null> {
    const versions = await versionsIn(this.ws.historyDir(doc, sectionId))
    for (let i = versions.length - 1; i >= 0; i--) {
      try {
        return await this.read(doc, sectionId, versions[i])
      } catch (err) {
        if (!(err instanceof IntegrityError || err instanceof ShareFileError)) throw err
      }
    }
    return null
  }

  /** Every version of a section, ascending, each verified. Throws IntegrityError naming a damaged file. */
  async list(doc: string, sectionId: string): Promise<VersionRecord[]> {
    const versions = await versionsIn(this.ws.historyDir(doc, sectionId))
    const records: VersionRecord[] = []
    for (const v of versions) records.push(await this.read(doc, sectionId, v))
    return records
  }

  /** The version numbers a section's history holds, ascending (names only, nothing is read). */
  versions(doc: string, sectionId: string): Promise<number[]> {
    return versionsIn(this.ws.historyDir(doc, sectionId))
  }

  /** One verified version. Throws NotFoundError when it does not exist (never was, or pruned). */
  get(doc: string, sectionId: string, version: number): Promise<VersionRecord> {
    return this.read(doc, sectionId, version)
  }

  /** The newest verified version, or null when the section has no history. */
  async latest(doc: string, sectionId: string): Promise<VersionRecord | null> {
    const top = (await versionsIn(this.ws.historyDir(doc, sectionId))).at(-1)
    return top === undefined ? null : this.read(doc, sectionId, top)
  }

  /** Pins (or unpins) a version: pinned versions are never pruned. Returns the updated record. */
  pin(doc: string, sectionId: string, version: number, pinned: boolean): Promise<VersionRecord> {
    return this.serial(doc, sectionId, async () => {
      const record = await this.read(doc, sectionId, version)
      if (record.pinned === pinned) return record
      return this.rewrite({ ...record, pinned })
    })
  }

  /**
   * Marks the newest version as the last one before a structure operation (never pruned).
   * Returns it, or null when the section has no history yet.
   */
  markBeforeStructure(doc: string, sectionId: string): Promise<VersionRecord | null> {
    return this.serial(doc, sectionId, async () => {
      // The newest version that verifies: a damaged or planted file above it is not history.
      const record = await this.latestValid(doc, sectionId)
      if (record === null || record.beforeStructure) return record
      return this.rewrite({ ...record, beforeStructure: true })
    })
  }

  /**
   * Deletes versions (pruning). Refuses to delete the highest version and the newest valid one,
   * because the next number is computed from it (a damaged file above it is not obeyed); versions
   * already gone are ignored. Returns how many files were removed.
   */
  removeVersions(doc: string, sectionId: string, versions: readonly number[]): Promise<number> {
    return this.serial(doc, sectionId, async () => {
      const dir = this.ws.historyDir(doc, sectionId)
      const top = (await versionsIn(dir)).at(-1)
      const head = (await this.latestValid(doc, sectionId))?.version
      for (const keep of [top, head]) {
        if (keep !== undefined && versions.includes(keep))
          throw new Error(
            `Refusing to delete ${versionFileName(keep)} of “${sectionId}”: it is the highest version (valid or not), and the next number is counted from it.`
          )
      }
      let removed = 0
      for (const v of versions) {
        try {
          if (await removeFile(path.join(dir, versionFileName(v)))) removed++
        } catch (err) {
          if (errCode(err) !== 'ENOENT') throw err
        }
      }
      if (removed > 0) await fsyncDir(dir)
      this.saving.get(doc)?.delete(sectionId)
      return removed
    })
  }

  /** Section ids of a document that have history, read from the records (folder names are hashed). */
  async listSections(doc: string): Promise<string[]> {
    const ids = new Set<string>()
    for (const folder of await historyFolders(this.ws, this.ws.docKey(doc))) {
      const who = await identifyFolder(folder)
      if (who && who.document === doc) ids.add(who.sectionId)
    }
    return [...ids].sort()
  }

  /** Workspace-relative paths of every document that has history, read from the records. */
  async listDocuments(): Promise<string[]> {
    const docs = new Set<string>()
    const seenKeys = new Set<string>()
    for (const folder of await historyFolders(this.ws)) {
      if (seenKeys.has(folder.docKey)) continue // one intact record per document folder is enough
      const who = await identifyFolder(folder)
      if (who && this.ws.docKey(who.document) === folder.docKey) {
        docs.add(who.document)
        seenKeys.add(folder.docKey)
      }
    }
    return [...docs].sort()
  }

  /** Verifies every history file of the workspace; returns the problems found and never throws for bad data. */
  verifyAll(): Promise<IntegrityProblem[]> {
    return verifyHistory(this.ws)
  }

  private async read(doc: string, sectionId: string, version: number): Promise<VersionRecord> {
    const file = path.join(this.ws.historyDir(doc, sectionId), versionFileName(version))
    // Typed and bounded: a pipe, a link or a huge file here is a ShareFileError naming the file.
    const buf = await readFileOrNull(file, READ_LIMITS.version)
    if (buf === null) {
      throw new NotFoundError(`Version ${version} of section “${sectionId}” in ${doc} does not exist.`)
    }
    const text = buf.toString('utf8')
    const res = inspectVersion(text, version)
    if (!res.ok) throw new IntegrityError(`The history file ${file} is damaged: ${res.problem}.`)
    if (res.record.document !== doc || res.record.sectionId !== sectionId) {
      throw new IntegrityError(
        `The history file ${file} belongs to section “${res.record.sectionId}” of ${res.record.document}, not to “${sectionId}” of ${doc}.`
      )
    }
    return res.record
  }

  private async rewrite(record: VersionRecord): Promise<VersionRecord> {
    this.saving.get(record.document)?.delete(record.sectionId)
    const file = path.join(
      this.ws.historyDir(record.document, record.sectionId),
      versionFileName(record.version)
    )
    await writeFileAtomic(file, encodeVersion(record))
    return record
  }

  /** Runs changes to one section one after another in this process. */
  private serial<T>(doc: string, sectionId: string, fn: () => Promise<T>): Promise<T> {
    const key = this.ws.historyDir(doc, sectionId)
    const prev = this.queues.get(key) ?? Promise.resolve()
    const run = prev.then(fn)
    const tail = run.catch(() => undefined)
    this.queues.set(key, tail)
    // Forget the queue once idle so the map does not grow with every section ever touched.
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key)
    })
    return run
  }
}

async function exists(file: string): Promise<boolean> {
  return (await lstatOrNull(file)) !== null
}
