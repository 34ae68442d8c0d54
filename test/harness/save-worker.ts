/**
 * A worker process for the group-commit crash test: one instance holds every section of a document
 * and saves all of them at once, round after round, so its saves queue behind each other and are
 * written in batches (documents/document-writer.ts). Each save it got an answer for is printed at
 * once, with a synchronous write (nothing buffered is lost to kill -9):
 *
 *   node out/node/save-worker.cjs <folder> <doc>
 *   → `ready`, then `ack <sectionId> <round>` per answered save, `batches <n> <plans>` each round
 *
 * Section `S<k>` is saved in round r as `# S<k>\n\nround <r> of S<k>: <padding>\n` — the test knows
 * every text it can have.
 */
import { writeSync } from 'node:fs'
import { openWorkspace } from '../../electron/services/app-services'
import { clockFromEnv } from '../../electron/services/core/clock'
import { createIdentity } from '../../electron/services/core/identity'
import { roundText } from './save-rounds'

async function main(): Promise<void> {
  const [folder, doc] = process.argv.slice(2)
  const s = await openWorkspace({
    folder,
    identity: createIdentity({ user: `saver-${process.pid}` }),
    clock: clockFromEnv(),
    lockSettings: { heartbeatIntervalMs: 1_000, idleTimeoutMs: 0 }
  })
  const snap = await s.documents.read(doc)
  const sections = snap.sections.filter((x) => x.heading !== '')
  const held = await Promise.all(
    sections.map(async (x) => ({
      id: x.id,
      heading: x.heading,
      lock: await s.locks.acquireSection(doc, x.id),
      base: x.sha256
    }))
  )
  writeSync(1, 'ready\n')
  for (let round = 1; ; round++) {
    await Promise.all(
      held.map(async (h) => {
        const r = await s.documents.saveSection(h.lock, h.base, roundText(h.heading, round))
        h.base = r.section.sha256
        writeSync(1, `ack ${h.heading} ${round}\n`)
      })
    )
    const { batches, plans } = s.documents.writer.stats
    writeSync(1, `batches ${batches} ${plans}\n`)
  }
}

main().catch((err: unknown) => {
  writeSync(2, `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
