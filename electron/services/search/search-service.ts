/**
 * Workspace search (issue 14): a full-text index of every section of every document, built on
 * first use off the thread that answers requests (search-backend.ts), and kept current from the
 * workspace watcher's document events and this instance's own saves.
 */
import type { Clock, Disposable } from '../core/clock'
import { Emitter } from '../core/emitter'
import { errorText, type Log } from '../log/log'
import type { WorkspaceWatcherEvents } from '../watch/workspace-watcher'
import { inThreadBackend, workerBackend, type SearchBackend } from './search-backend'
import { defaultWorkerFile } from './search-worker-file'
import type { SearchHit, SearchProgress } from './search-engine'

export type { SearchProgress } from './search-engine'

/** A matching section of a document. */
export interface SectionMatch {
  sectionId: string
  heading: string
  snippet: string
}

/** Matches grouped by document, best document first; the index's progress when answered. */
export interface SearchResults {
  results: { document: string; sections: SectionMatch[] }[]
  indexed: number
  total: number
  building: boolean
}

/** Construction parameters of the search service. */
export interface SearchServiceOptions {
  root: string
  /** The workspace's documents (the document service's listing). */
  listDocuments: () => Promise<string[]>
  /** The workspace watcher's events, when the host watches (else the index is as of its build). */
  watcher: Pick<Emitter<WorkspaceWatcherEvents>, 'on'> | null
  /** The worker bundle; null: index in this thread; absent: the bundle beside this one, if any. */
  workerFile?: string | null
  log: Log
  clock: Clock
}

/**
 * How long a query waits for changes already announced (a save a moment ago) to be indexed: one
 * document's read and indexing, rarely more. A backlog (a thousand files replaced at once) is not
 * waited for; the answer comes from what is indexed.
 */
const FRESH_WAIT_MS = 300

/** The workspace's search index and its queries. */
export class SearchService {
  /** The index's progress while it builds and after each change. */
  readonly events = new Emitter<{ progress: SearchProgress }>()
  private backend: SearchBackend | null = null
  private starting: Promise<SearchBackend> | null = null
  private last: SearchProgress = { indexed: 0, total: 0, building: false, skipped: 0 }
  private readonly subscriptions: Disposable[] = []
  private disposed = false

  constructor(private readonly opts: SearchServiceOptions) {
    const w = opts.watcher
    if (w) {
      this.subscriptions.push(
        w.on('document-changed', ({ document }) => this.changed(document)),
        w.on('document-removed', ({ document }) => this.backend?.remove(document)),
        // The new name raises its own document-changed.
        w.on('document-renamed', ({ from }) => this.backend?.remove(from))
      )
    }
  }

  /** The index's progress as last reported. */
  get progress(): SearchProgress {
    return this.last
  }

  /**
   * Starts building the index (once): lists the documents and hands them to the backend. Changes
   * seen before the build starts need nothing: the build reads every file after it.
   */
  start(): Promise<SearchBackend> {
    if (!this.starting) {
      this.starting = (async () => {
        const onProgress = (p: SearchProgress) => {
          this.last = p
          this.events.emit('progress', p)
        }
        const file = this.opts.workerFile === undefined ? defaultWorkerFile() : this.opts.workerFile
        const backend = file
          ? workerBackend(file, this.opts.root, onProgress, (err) =>
              this.opts.log.warn('the search index stopped', { error: errorText(err) })
            )
          : inThreadBackend(this.opts.root, onProgress)
        this.backend = backend
        const paths = await this.opts.listDocuments()
        // Building from now on, before the backend's first report (a worker's comes a moment later).
        onProgress({ indexed: 0, total: paths.length, building: true, skipped: 0 })
        backend.build(paths)
        return backend
      })()
    }
    return this.starting
  }

  /** A document was written or appeared: indexed again (nothing before the first build). */
  changed(document: string): void {
    this.backend?.update(document)
  }

  /** Resolves when the index is built and every change asked for so far is in it. */
  async settled(): Promise<void> {
    await (await this.start()).idle()
  }

  /** The best `limit` sections for `query`, from what is indexed now (see `building`). */
  async query(query: string, limit: number): Promise<SearchResults> {
    const backend = await this.start()
    if (!this.last.building) {
      let timer: Disposable | undefined
      await Promise.race([
        backend.idle(),
        new Promise<void>((resolve) => (timer = this.opts.clock.setTimeout(resolve, FRESH_WAIT_MS)))
      ])
      timer?.dispose()
    }
    const answer = await backend.query(query, limit)
    const { indexed, total, building } = answer
    return { results: grouped(answer.hits), indexed, total, building }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    for (const d of this.subscriptions) d.dispose()
    this.events.clear()
    const backend = await this.starting?.catch(() => null)
    await backend?.dispose()
  }
}

/** Hits grouped by document, documents in the order of their best hit. */
function grouped(hits: readonly SearchHit[]): SearchResults['results'] {
  const byDoc = new Map<string, SectionMatch[]>()
  for (const h of hits) {
    let list = byDoc.get(h.document)
    if (!list) byDoc.set(h.document, (list = []))
    list.push({ sectionId: h.sectionId, heading: h.heading, snippet: h.snippet })
  }
  return [...byDoc].map(([document, sections]) => ({ document, sections }))
}
