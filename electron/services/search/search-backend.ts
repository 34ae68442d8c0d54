/**
 * Where the search index lives: a worker thread when its bundle is there (the CLI, the web host,
 * the app), else this thread (unit tests of the TypeScript sources). Both answer the same way.
 */
import { Worker } from 'node:worker_threads'
import { SearchEngine, type EngineAnswer, type SearchProgress } from './search-engine'
import type { FromWorker, ToWorker, WorkerInit } from './search-protocol'

/** The index's operations, wherever it runs. */
export interface SearchBackend {
  build(paths: string[]): void
  update(document: string): void
  remove(document: string): void
  query(query: string, limit: number): Promise<EngineAnswer>
  /** Resolves when every operation asked for so far is done. */
  idle(): Promise<void>
  dispose(): Promise<void>
}

/** The index in this thread. */
export function inThreadBackend(root: string, onProgress: (p: SearchProgress) => void): SearchBackend {
  const engine = new SearchEngine(root, onProgress)
  return {
    build: (paths) => void engine.build(paths),
    update: (d) => void engine.update(d),
    remove: (d) => void engine.remove(d),
    query: async (q, limit) => engine.query(q, limit),
    idle: () => engine.idle(),
    dispose: () => engine.idle()
  }
}

/** The index in a worker thread started from `file`. */
export function workerBackend(
  file: string,
  root: string,
  onProgress: (p: SearchProgress) => void,
  onError: (err: Error) => void
): SearchBackend {
  const worker = new Worker(file, { workerData: { root } satisfies WorkerInit })
  // An idle index must not keep a one-shot command (or a test) alive.
  worker.unref()
  const waiting = new Map<number, (m: FromWorker) => void>()
  let next = 0
  let failed: Error | null = null
  worker.on('message', (m: FromWorker) => {
    if (m.type === 'progress') onProgress(m.progress)
    else waiting.get(m.id)?.(m)
  })
  const fail = (err: Error) => {
    failed = err
    onError(err)
    for (const w of waiting.values()) w({ type: 'idle', id: -1 })
  }
  worker.on('error', fail)
  worker.on('exit', (code) => {
    if (code !== 0 && !failed) fail(new Error(`the search worker stopped (exit code ${code})`))
  })
  const post = (m: ToWorker) => worker.postMessage(m)
  const ask = (m: ToWorker & { id: number }): Promise<FromWorker> => {
    if (failed) return Promise.reject(failed)
    worker.ref() // an answer is awaited: the process stays for it
    return new Promise<FromWorker>((resolve) => {
      waiting.set(m.id, (reply) => {
        waiting.delete(m.id)
        if (waiting.size === 0) worker.unref()
        resolve(reply)
      })
      post(m)
    })
  }
  return {
    build: (paths) => post({ type: 'build', paths }),
    update: (document) => post({ type: 'update', document }),
    remove: (document) => post({ type: 'remove', document }),
    async query(query, limit) {
      const m = await ask({ type: 'query', id: next++, query, limit })
      if (m.type !== 'answer') throw failed ?? new Error('the search worker stopped')
      return m.answer
    },
    async idle() {
      await ask({ type: 'idle', id: next++ })
    },
    async dispose() {
      failed ??= new Error('the search index was closed') // the exit that follows is no failure
      await worker.terminate()
    }
  }
}
