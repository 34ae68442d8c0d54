import { promises as fs } from 'node:fs'
import type { AppServices } from '../app-services'
import type { Disposable } from '../core/clock'
import { listDocumentLocks } from '../locks/lock-scan'
import { sha256Hex } from '../sections/section-index'

/** What the poller reports. */
export interface PollerSink {
  locksChanged(document: string): void
  documentChanged(document: string, fileSha256: string): void
}

/**
 * Polls the documents that windows have open for lock and content changes made by other
 * instances or programs. Polling works on every file system, including network drives where
 * native events never see another computer's writes; a cheap stat and a listing of the lock
 * folders per tick, and the file is read only when its size or mtime moved.
 */
export class OpenDocumentsPoller {
  private readonly open = new Map<string, { locks: string | null; stat: string; sha: string | null }>()
  private timer: Disposable | null = null
  private ticking: Promise<void> | null = null

  constructor(
    private readonly s: AppServices,
    private readonly sink: PollerSink,
    private readonly intervalMs = 250
  ) {}

  /** Starts watching a document a window opened. */
  watch(document: string, fileSha256: string): void {
    if (!this.open.has(document)) this.open.set(document, { locks: null, stat: '', sha: fileSha256 })
    if (!this.timer) this.timer = this.s.clock.setInterval(() => this.tick(), this.intervalMs)
    void this.tick()
  }

  /** One polling round (also called directly by tests). */
  tick(): Promise<void> {
    this.ticking ??= this.round().finally(() => (this.ticking = null))
    return this.ticking
  }

  async dispose(): Promise<void> {
    this.timer?.dispose()
    this.timer = null
    await this.ticking
  }

  private async round(): Promise<void> {
    for (const [document, seen] of this.open) {
      try {
        const locks = (await listDocumentLocks(this.s.workspace, this.s.workspace.docKey(document)))
          .filter((l) => l.kind !== 'write')
          .map((l) => `${l.dir}:${l.state.kind}:${'top' in l.state ? l.state.top : 0}`)
          .join('|')
        // The first sighting is reported too: a lock taken between the window's open and this
        // round would otherwise become the baseline and never be announced.
        if (locks !== seen.locks) this.sink.locksChanged(document)
        seen.locks = locks
        const abs = this.s.workspace.resolveDocument(document).abs
        const st = await fs.stat(abs)
        const stat = `${st.size}:${st.mtimeMs}`
        if (stat !== seen.stat) {
          seen.stat = stat
          const sha = sha256Hex(await fs.readFile(abs))
          if (seen.sha !== null && sha !== seen.sha) this.sink.documentChanged(document, sha)
          seen.sha = sha
        }
      } catch {
        // A document being replaced or removed right now: the next round sees its new state.
      }
    }
  }
}
