/**
 * Benchmark 6: crash takeover — a holder (the admin CLI's `hold`, a separate process) is killed,
 * and instance B starts taking the section at once. Same host: the dead pid makes the lock stale
 * immediately. Simulated other host (another host id, so the pid cannot be checked): only missed
 * heartbeats, counted on B's own clock, make it stale. Anchor: B's plain acquire of a free section.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { openWorkspace, type AppServices } from '../electron/services/app-services'
import { withTempDir, type Benchmark, type BenchContext } from './context'
import { sectionedDoc } from './docs'
import { bundle, LineProcess } from './processes'
import { row, type ResultRow } from './results'
import { summarize } from './stats'
import { timeOnce } from './timing'

const DOC = 'doc.md'
/** The simulated remote holder's heartbeat: 3 missed beats make a 1.5 s stale window. */
const REMOTE_HEARTBEAT_MS = 500
const STALE_BEATS = 3

interface Takeovers {
  takeover: number[]
  plainAcquire: number[]
}

/** Starts a holder of section-1, kills it, and times B from the kill until B holds the section. */
async function sample(dir: string, b: AppServices, remote: boolean, out: Takeovers): Promise<void> {
  const args = ['hold', path.join(dir, DOC), 'section-1', '--user', 'ann']
  const holder = new LineProcess(
    bundle('cli'),
    remote ? [...args, '--heartbeat-ms', String(REMOTE_HEARTBEAT_MS)] : args,
    { env: remote ? { SECTIONED_HOST_ID: 'bench-other-host', SECTIONED_HOST_NAME: 'other-host' } : {} }
  )
  await holder.waitFor('locked section-1')
  const killedAt = performance.now()
  holder.child.kill('SIGKILL')
  const lock = await b.locks.acquireSection(DOC, 'section-1', { retries: 100 })
  out.takeover.push(performance.now() - killedAt)
  await holder.done
  await b.locks.release(lock)
  out.plainAcquire.push(
    await timeOnce(async () => b.locks.release(await b.locks.acquireSection(DOC, 'section-2')))
  )
}

async function measure(ctx: BenchContext, dir: string, remote: boolean): Promise<ResultRow> {
  const n = remote ? (ctx.quick ? 2 : 6) : ctx.quick ? 3 : 10
  ctx.log(`takeover: ${n} crashes of a holder on ${remote ? 'a simulated other host' : 'this host'}`)
  const b = await openWorkspace({ folder: dir, user: 'bob', lockSettings: { idleTimeoutMs: 0 } })
  const out: Takeovers = { takeover: [], plainAcquire: [] }
  try {
    for (let i = 0; i < n; i++) await sample(dir, b, remote, out)
  } finally {
    await b.dispose()
  }
  const anchors = { 'plain acquire+release of a free section': out.plainAcquire }
  if (!remote) return row('6', 'crash takeover, same host (dead pid)', out.takeover, { anchors })
  const window = REMOTE_HEARTBEAT_MS * STALE_BEATS
  return row('6', 'crash takeover, other host (heartbeats stop)', out.takeover, {
    anchors,
    extra: {
      'heartbeat ms': REMOTE_HEARTBEAT_MS,
      'stale window ms': window,
      'median beyond the window ms': (summarize(out.takeover)?.median ?? NaN) - window
    }
  })
}

/** Benchmark 6, `--only takeover`. */
export const takeoverBenchmark: Benchmark = {
  number: '6',
  id: 'takeover',
  title: 'crash takeover: same host (dead pid) and other host (heartbeats stop)',
  run: (ctx) =>
    withTempDir('takeover', async (dir) => {
      await fs.writeFile(path.join(dir, DOC), sectionedDoc(5, 2))
      return [await measure(ctx, dir, false), await measure(ctx, dir, true)]
    })
}
