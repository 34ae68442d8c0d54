/**
 * A worker process for multi-process lock tests. It repeatedly takes a section lock and, while
 * holding it, creates a marker file exclusively: if two processes ever held the lock at once, the
 * second `wx` create fails and the worker exits with code 9 ("double grant").
 *
 *   node out/node/lock-worker.cjs <folder> <doc> <sectionId> <iterations> <markerDir> [write]
 *
 * With `write` it takes the document's write mutex instead (the section is ignored) and holds it
 * 2 ms (a section lock: 1 ms). Either way it prints one line per acquisition: `took <asked> <got>`,
 * epoch milliseconds of when it asked and when it got it — the fairness test counts how often a
 * later asker went first, the contention test how many were waiting at once.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { createIdentity } from '../../electron/services/core/identity'
import { clockFromEnv } from '../../electron/services/core/clock'
import { Workspace } from '../../electron/services/core/workspace'
import { LockService } from '../../electron/services/locks/lock-service'

async function main(): Promise<number> {
  const [folder, doc, sectionId, iterationsRaw, markerDir, mode] = process.argv.slice(2)
  const write = mode === 'write'
  const epoch = () => performance.timeOrigin + performance.now()
  const iterations = Number(iterationsRaw)
  const locks = new LockService({
    workspace: new Workspace(folder),
    identity: createIdentity({ user: `worker-${process.pid}` }),
    clock: clockFromEnv(),
    settings: { retries: 10_000, minBackoffMs: 1, maxBackoffMs: 20, heartbeatIntervalMs: 1_000 }
  })
  const marker = path.join(markerDir, write ? 'write.held' : `${sectionId}.held`)
  let acquired = 0
  try {
    // The first acquisition of a lock service probes the share (are claims exclusive here?) before
    // it asks for anything: done once before the timed ones, so `asked` is when this worker queues.
    if (write) await locks.release(await locks.acquireWrite(doc))
    for (let i = 0; i < iterations; i++) {
      const asked = epoch()
      const lock = write ? await locks.acquireWrite(doc) : await locks.acquireSection(doc, sectionId)
      process.stdout.write(`took ${asked.toFixed(3)} ${epoch().toFixed(3)}\n`)
      try {
        await fs.writeFile(marker, String(process.pid), { flag: 'wx' })
      } catch {
        process.stderr.write(`double grant: ${marker} exists while pid ${process.pid} holds the lock\n`)
        return 9
      }
      acquired++
      await new Promise((r) => setTimeout(r, write ? 2 : 1))
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
