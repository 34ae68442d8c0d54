/**
 * A worker process for the file-move crash test: renames (or trashes) a document and kills itself
 * with SIGKILL right after a given step of the move (files/doc-move.ts) — a real kill -9 at a known
 * point, with the locks, the intent and the half-moved data as the crash leaves them:
 *
 *   node out/node/move-worker.cjs <folder> rename <from> <to> <step>
 *   node out/node/move-worker.cjs <folder> trash <document> <step>
 *   → `at <step>` (synchronously, just before the kill); `finished` if the step never came
 */
import { writeSync } from 'node:fs'
import { openWorkspace } from '../../electron/services/app-services'
import { clockFromEnv } from '../../electron/services/core/clock'
import { createIdentity } from '../../electron/services/core/identity'
import { FileOps } from '../../electron/services/files/file-ops'

async function main(): Promise<void> {
  const [folder, op, ...rest] = process.argv.slice(2)
  const step = rest[rest.length - 1]
  const s = await openWorkspace({
    folder,
    identity: createIdentity({ user: `mover-${process.pid}` }),
    clock: clockFromEnv(),
    lockSettings: { heartbeatIntervalMs: 1_000, idleTimeoutMs: 0 }
  })
  const { workspace, identity, clock, locks, documents, ownWrites, audit } = s
  const files = new FileOps({
    workspace,
    identity,
    clock,
    locks,
    documents,
    ownWrites,
    audit,
    afterStep: (at) => {
      if (at !== step) return
      writeSync(1, `at ${at}\n`)
      process.kill(process.pid, 'SIGKILL')
    }
  })
  if (op === 'rename') await files.rename(rest[0], rest[1])
  else await files.trash(rest[0])
  writeSync(1, 'finished\n')
  await s.dispose()
}

main().catch((err: unknown) => {
  writeSync(2, `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
