/**
 * The full-text index of a workspace: one MiniSearch entry per document (its path, headings and
 * text, folded for case and diacritics), built document by document and kept current by `update`
 * and `remove`; the sections of the best documents are found by section-match.ts. Pure Node with
 * no service dependencies, so it runs in a worker thread (search-worker.ts) or, where no worker
 * bundle exists, in the caller's thread.
 */
import MiniSearch from 'minisearch'
import { Workspace } from '../core/workspace'
import { IndexStore } from '../documents/index-store'
import { snippetOf } from './fold'
import { indexTerm, queryWords, sectionsFound, WORD_BREAK, type SectionFound } from './section-match'
import { sectionText } from '../sections/section-index'
import { readSectionTexts, textsOf, type DocumentSections } from './section-texts'

/** One matching section. */
export interface SearchHit {
  document: string
  sectionId: string
  heading: string
  snippet: string
  score: number
}

/** How far the index is: documents looked at of those known, and whether a build is under way. */
export interface SearchProgress {
  indexed: number
  total: number
  building: boolean
  /** Documents that could not be indexed (a link, a pipe, too large, unreadable). */
  skipped: number
}

/** The answer to a query: the best sections (best first) and the progress when it was answered. */
export interface EngineAnswer extends SearchProgress {
  hits: SearchHit[]
}

interface Entry {
  document: string
  heading: string
  text: string
}

/** Between progress reports while building: often enough for a status line, not per file. */
const PROGRESS_EVERY = 48
/**
 * Sections answered from one document before the next best document has its turn: a word in
 * every section of one long document must not fill the answer with it alone.
 */
const PER_DOCUMENT = 10
/**
 * Documents looked through for one answer at most: a document whose match the sections do not
 * show (a word only the index's tokenizer split so) gives none, and a common word must not make
 * one keystroke decode every matching document.
 */
const MAX_DOCUMENTS_LOOKED = 200

/** Documents read at once while building. */
const READ_AHEAD = 8

/** The index itself; operations that read files run one at a time, queries answer at once. */
export class SearchEngine {
  private readonly ws: Workspace
  private readonly indexes: IndexStore
  private readonly mini = new MiniSearch<Entry>({
    idField: 'document',
    fields: ['heading', 'document', 'text'],
    tokenize: (text) => text.split(WORD_BREAK),
    processTerm: indexTerm,
    searchOptions: {
      boost: { heading: 3, document: 2 },
      // The last word may be unfinished (typing); one typo is forgiven in long words. Prefixes and
      // typos of every word tripled a query's time over a thousand documents.
      prefix: (_term, i, terms) => i === terms.length - 1,
      fuzzy: (term) => (term.length >= 7 ? 1 : false),
      combineWith: 'AND'
    }
  })
  /** What is indexed per document: its checksum and sections (for snippets and removal). */
  private readonly docs = new Map<string, DocumentSections>()
  /** Documents known to exist (listed, or announced by the watcher), indexed or not yet. */
  private readonly known = new Set<string>()
  private readonly skipped = new Set<string>()
  private readonly looked = new Set<string>()
  private builds = 0
  private queue: Promise<void> = Promise.resolve()

  constructor(
    root: string,
    private readonly onProgress: (p: SearchProgress) => void = () => undefined
  ) {
    this.ws = new Workspace(root)
    this.indexes = new IndexStore(this.ws)
  }

  /** Indexes every document of `paths` (the workspace's listing), one after another. */
  build(paths: readonly string[]): Promise<void> {
    for (const p of paths) this.known.add(p)
    this.builds++
    this.report()
    // In batches, each its own turn in the queue: a save announced meanwhile is indexed after the
    // batch under way, not after the whole workspace.
    const batches: Promise<void>[] = []
    for (let i = 0; i < paths.length || i === 0; i += READ_AHEAD) {
      const batch = paths.slice(i, i + READ_AHEAD)
      const last = i + READ_AHEAD >= paths.length
      batches.push(
        this.enqueue(async () => {
          try {
            await this.refreshAll(batch)
          } finally {
            if (last) this.builds--
            if (last || (i / READ_AHEAD) % (PROGRESS_EVERY / READ_AHEAD) === 0) this.report()
          }
        })
      )
    }
    return Promise.all(batches).then(() => undefined)
  }

  /** Reads `document` again (changed, new, or gone) and replaces its sections in the index. */
  update(document: string): Promise<void> {
    return this.enqueue(async () => {
      await this.refresh(document)
      this.report()
    })
  }

  /** Forgets a document that was deleted or moved away. */
  remove(document: string): Promise<void> {
    return this.enqueue(async () => {
      this.drop(document)
      this.known.delete(document)
      this.looked.delete(document)
      this.skipped.delete(document)
      this.report()
    })
  }

  /**
   * The best `limit` sections for `query` from what is indexed now: the best documents' sections
   * that have the query's words, up to PER_DOCUMENT of each before the next document (then the
   * rest of them in the same order, when the documents run out first).
   */
  query(query: string, limit: number): EngineAnswer {
    const words = queryWords(query)
    let hits = this.collect(query, words, limit, false)
    // Typos are forgiven only when the words as typed find too little (and only words of seven
    // letters or more are forgiven one): fuzzy matching walks the whole vocabulary per long word,
    // and over 200 MB of text it made the p95 339 ms (exact and prefix alone: see bench/README.md).
    if (hits.length < limit && words.some((w) => w.length >= 7)) {
      const forgiving = this.collect(query, words, limit, true)
      if (forgiving.length > hits.length) hits = forgiving
    }
    return { hits, ...this.progress() }
  }

  private collect(query: string, words: readonly string[], limit: number, fuzzy: boolean): SearchHit[] {
    const hits: SearchHit[] = []
    const more: SearchHit[] = []
    let looked = 0
    for (const r of this.mini.search(query, fuzzy ? {} : { fuzzy: false })) {
      if (hits.length >= limit || ++looked > MAX_DOCUMENTS_LOOKED) break
      const document = r.id as string
      const doc = this.docs.get(document)
      if (!doc) continue
      const found = sectionsFound(textsOf(doc), r, words)
      const hit = ({ section, rank }: SectionFound): SearchHit => ({
        document,
        sectionId: section.id,
        heading: section.heading,
        snippet: snippetOf(section.text, r.terms),
        score: r.score * rank
      })
      const now = Math.min(PER_DOCUMENT, limit - hits.length)
      hits.push(...found.slice(0, now).map(hit))
      if (more.length < limit) more.push(...found.slice(now, now + limit - more.length).map(hit))
    }
    return hits.length < limit ? [...hits, ...more.slice(0, limit - hits.length)] : hits
  }

  /** How far the index is now. */
  progress(): SearchProgress {
    return {
      indexed: this.looked.size,
      total: this.known.size,
      building: this.builds > 0,
      skipped: this.skipped.size
    }
  }

  /** Resolves once every operation asked for so far is done. */
  idle(): Promise<void> {
    return this.queue
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    // One failing operation (a file that vanished mid-read) must not stop the ones after it.
    const run = this.queue.then(op, op)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async refresh(document: string): Promise<void> {
    await this.refreshAll([document])
  }

  /**
   * Reads the documents at once (the file system works on the next while one is parsed: reading
   * one after another left the thread idle a fifth of the build), then indexes them in order.
   */
  private async refreshAll(documents: readonly string[]): Promise<void> {
    const reads = await Promise.all(
      documents.map((d) => readSectionTexts(this.ws, this.indexes, d, this.docs.get(d)?.fileSha256))
    )
    documents.forEach((d, i) => this.apply(d, reads[i]))
  }

  private apply(document: string, read: Awaited<ReturnType<typeof readSectionTexts>>): void {
    if (read.kind === 'unchanged') return
    this.drop(document)
    if (read.kind === 'missing') {
      this.known.delete(document)
      this.looked.delete(document)
      this.skipped.delete(document)
      return
    }
    this.known.add(document)
    this.looked.add(document)
    if (read.kind === 'skipped') {
      this.skipped.add(document)
      return
    }
    this.skipped.delete(document)
    const { fileSha256 } = read
    // Kept for the snippets: an exact copy when the read's buffer is a slice of a larger one (a
    // small file's bytes share Node's 8 KB pool, and a file that grew while read has spare room).
    const bytes =
      read.bytes.byteLength === read.bytes.buffer.byteLength ? read.bytes : Buffer.from(read.bytes)
    // An empty preamble (a document that starts with its first heading) is nothing to find.
    const sections = read.sections.filter((x) => x.heading !== '' || sectionText(bytes, x).trim() !== '')
    this.docs.set(document, { fileSha256, bytes, sections })
    this.mini.add({
      document,
      heading: sections.map((x) => x.heading).join('\n'),
      // Every section's text is the file's text (the headings' lines too, as each section has its own).
      text: bytes.toString('utf8')
    })
  }

  private drop(document: string): void {
    const had = this.docs.get(document)
    if (!had) return
    this.docs.delete(document)
    this.mini.discard(document)
  }

  private report(): void {
    this.onProgress(this.progress())
  }
}
