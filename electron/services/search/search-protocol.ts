/** The messages between the search service and its worker thread (search-worker.ts). */
import type { EngineAnswer, SearchProgress } from './search-engine'

/** To the worker. `id` pairs a query with its answer. */
export type ToWorker =
  | { type: 'build'; paths: string[] }
  | { type: 'update'; document: string }
  | { type: 'remove'; document: string }
  | { type: 'query'; id: number; query: string; limit: number }
  | { type: 'idle'; id: number }

/** From the worker. */
export type FromWorker =
  | { type: 'progress'; progress: SearchProgress }
  | { type: 'answer'; id: number; answer: EngineAnswer }
  | { type: 'idle'; id: number }

/** What the worker is started with (`workerData`). */
export interface WorkerInit {
  root: string
}
