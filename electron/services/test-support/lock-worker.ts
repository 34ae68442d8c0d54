/**
 * A worker process for multi-process lock tests. It repeatedly takes a section lock and, while
 * holding it, creates a marker file exclusively: if two processes ever held the lock at once, the
 * second `wx` create fails and the worker exits with code 9 ("double grant").
 *
 *   node out/node/lock-worker.cjs <folder> <doc> <sectionId> <iterations> <markerDir>
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { createIdentity } from '../core/identity'
import { clockFromEnv } from '../core/clock'
import { Workspace } from '../core/workspace'
import { LockService } from '../locks/lock-service'

async function main(): Promise<number> {
  const [folder, doc, sectionId, iterationsRaw, markerDir] = process.argv.slice(2)
  const iterations = Number(iterationsRaw)
  const locks = new LockService({
    workspace: new Workspace(folder),
    identity: createIdentity({ user: `worker-${process.pid}` }),
    clock: clockFromEnv(),
    settings: { retries: 10_000, minBackoffMs: 1, maxBackoffMs: 20, heartbeatIntervalMs: 1_000 }
  })
  const marker = path.join(markerDir, `${sectionId}.held`)
  let acquired = 0
  try {
    for (let i = 0; i < iterations; i++) {
      const lock = await locks.acquireSection(doc, sectionId)
      try {
        await fs.writeFile(marker, String(process.pid), { flag: 'wx' })
      } catch {
        process.stderr.write(`double grant: ${marker} exists while pid ${process.pid} holds the lock\n`)
        return 9
      }
      acquired++
      await new Promise((r) => setTimeout(r, 1))
      await fs.unlink(marker)
      await locks.release(lock)
    }
  } finally {
    await locks.dispose()
  }
  process.stdout.write(`acquired ${acquired}\n`)
  return 0
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`worker failed: ${err instanceof Error ? err.stack : String(err)}\n`)
    process.exitCode = 1
  }
)
