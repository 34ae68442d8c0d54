/**
 * Benchmark 1: a section lock's acquire+release, uncontended, on local disk — side by side with
 * raw proper-lockfile lock/unlock and raw mkdir+rmdir (the physical floor) on the same folder.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import lockfile from 'proper-lockfile'
import { openWorkspace } from '../electron/services/app-services'
import { withTempDir, type Benchmark } from './context'
import { sectionedDoc } from './docs'
import { below, row } from './results'
import { sideBySide } from './timing'

/** SPEC §2 promise: lock acquisition under 100 ms. */
const ACQUIRE_TARGET_MS = 100
const WARMUP = 20

/** Benchmark 1, `--only lock`. */
export const lockBenchmark: Benchmark = {
  number: '1',
  id: 'lock',
  title: 'section lock acquire+release vs proper-lockfile vs mkdir',
  run: (ctx) =>
    withTempDir('lock', async (dir) => {
      const n = ctx.quick ? 100 : 500
      const doc = path.join(dir, 'doc.md')
      await fs.writeFile(doc, sectionedDoc(10, 2))
      const s = await openWorkspace({ folder: dir, user: 'bench', lockSettings: { idleTimeoutMs: 0 } })
      try {
        const acquire: number[] = []
        const operations = {
          section: async () => {
            const start = performance.now()
            const lock = await s.locks.acquireSection('doc.md', 'section-1')
            acquire.push(performance.now() - start)
            await s.locks.release(lock)
          },
          proper: async () => {
            const release = await lockfile.lock(doc, { realpath: false, onCompromised: () => undefined })
            await release()
          },
          mkdir: async () => {
            await fs.mkdir(path.join(dir, 'raw.lock'))
            await fs.rmdir(path.join(dir, 'raw.lock'))
          }
        }
        ctx.log(`lock: ${WARMUP} warm-up rounds, then ${n} interleaved rounds`)
        await sideBySide(WARMUP, operations)
        acquire.length = 0
        const samples = await sideBySide(n, operations)
        return [
          row('1', 'section lock acquire+release', samples.section, {
            anchors: {
              'raw proper-lockfile lock+unlock': samples.proper,
              'raw mkdir+rmdir (floor)': samples.mkdir
            }
          }),
          row('1', 'section lock acquire (alone)', acquire, {
            targets: [below('p95', ACQUIRE_TARGET_MS, acquire)]
          })
        ]
      } finally {
        await s.dispose()
      }
    })
}
