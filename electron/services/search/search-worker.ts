/**
 * The search index's thread: a SearchEngine driven by messages (search-protocol.ts). Reading
 * thousands of files, splitting them into sections and indexing them takes seconds on a large
 * workspace; here it never delays the thread that answers the windows' requests.
 * Bundled as out/node/search-worker.cjs (scripts/build-node.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { SearchEngine } from './search-engine'
import type { FromWorker, ToWorker, WorkerInit } from './search-protocol'

const port = parentPort
if (port) {
  const post = (m: FromWorker) => port.postMessage(m)
  const engine = new SearchEngine((workerData as WorkerInit).root, (progress) =>
    post({ type: 'progress', progress })
  )
  port.on('message', (m: ToWorker) => {
    switch (m.type) {
      case 'build':
        void engine.build(m.paths)
        break
      case 'update':
        void engine.update(m.document)
        break
      case 'remove':
        void engine.remove(m.document)
        break
      case 'query':
        post({ type: 'answer', id: m.id, answer: engine.query(m.query, m.limit) })
        break
      case 'idle':
        void engine.idle().then(() => post({ type: 'idle', id: m.id }))
        break
    }
  })
}
