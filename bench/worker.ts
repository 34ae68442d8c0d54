/**
 * Entry of the benchmark worker bundle (out/node/bench-worker.cjs): one separate app instance per
 * process, in one of four roles. Workers answer in JSON lines on stdout.
 *
 *   node out/node/bench-worker.cjs contend <folder> <doc> <sections> <markerDir> <index>
 *   node out/node/bench-worker.cjs contend-plain <folder> <doc> <sections> <markerDir> <index>
 *   node out/node/bench-worker.cjs actor <folder> <user>
 *   node out/node/bench-worker.cjs split <file> <rounds>
 */
import { runActor } from './worker-actor'
import { runContender } from './worker-contend'
import { runPlainContender } from './worker-contend-plain'
import { runSplit } from './worker-split'

const roles: Record<string, (args: string[]) => Promise<void>> = {
  contend: runContender,
  'contend-plain': runPlainContender,
  actor: runActor,
  split: runSplit
}

const [role, ...rest] = process.argv.slice(2)
const run = roles[role ?? '']
if (!run) {
  process.stderr.write(
    `bench-worker: unknown role “${role ?? ''}” (contend, contend-plain, actor or split)\n`
  )
  process.exitCode = 2
} else {
  run(rest).catch((err: unknown) => {
    process.stderr.write(`bench-worker ${role} failed: ${err instanceof Error ? err.stack : String(err)}\n`)
    process.exitCode = 1
  })
}
