/**
 * Group commit (document-writer.ts), in one process on a real folder: saves this instance queues
 * while the document's write mutex is taken are written together, each still checked against its
 * own base and locks, versioned and audited on its own; a refusal refuses only that save.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConflictError } from '../../../shared/errors'
import type { AppServices } from '../app-services'
import { readAudit } from '../audit/audit-log'
import type { LockHandle } from '../locks/lock-service'
import { sha256Hex } from '../sections/section-index'
import { servicesWorkspace } from '../../../test/harness/services-workspace'
import { takeBatch, MAX_BATCH, type Queued, type WritePlan } from './document-writer'

const DOC = 'doc.md'
const IDS = ['a', 'b', 'c', 'd', 'e', 'f']
const text = (id: string, what: string) => `# ${id.toUpperCase()}\n\n${what}\n\n`
const ws = servicesWorkspace('writer', { [DOC]: IDS.map((id) => text(id, `first ${id}`)).join('') })
const open = ws.open
const root = ws.root

/** Ann holds every section; Bob holds the document's write mutex until `release` is called. */
async function queuedBehindBob(): Promise<{
  ann: AppServices
  locks: Map<string, LockHandle>
  release: () => Promise<void>
}> {
  const ann = await open('ann')
  const bob = await open('bob')
  const locks = new Map<string, LockHandle>()
  for (const id of IDS) locks.set(id, await ann.locks.acquireSection(DOC, id))
  const mutex = await bob.locks.acquireWrite(DOC)
  return { ann, locks, release: async () => void (await bob.locks.release(mutex)) }
}

const shaOf = async (s: AppServices, id: string) => (await s.documents.section(DOC, id)).section.sha256
/** Waits until `n` saves wait in the writer's queue (each checks its locks before it gets there). */
async function queued(s: AppServices, n: number): Promise<void> {
  while (s.documents.writer.waiting(DOC) < n) await new Promise((r) => setTimeout(r, 5))
}

describe('group commit (one instance, one document)', () => {
  it('writes the saves queued behind the mutex in one rename, each checked, versioned and audited', async () => {
    const { ann, locks, release } = await queuedBehindBob()
    const bases = new Map<string, string>()
    for (const id of IDS) bases.set(id, await shaOf(ann, id))
    const before = ann.documents.writer.stats.batches
    const saves = IDS.map((id) =>
      ann.documents.saveSection(locks.get(id)!, bases.get(id)!, text(id, `second ${id}`))
    )
    await queued(ann, IDS.length)
    await release()
    const results = await Promise.all(saves)

    const file = await fs.readFile(path.join(root(), DOC), 'utf8')
    expect(file).toBe(IDS.map((id) => text(id, `second ${id}`)).join(''))
    expect(ann.documents.writer.stats.batches - before).toBe(1)
    // Each result is the version its own change made: the checksums chain from the file read to the file written.
    const chain = [...results].sort((x, y) => order(results, x) - order(results, y))
    expect(chain[0].baseFileSha256).toBe(sha256Hex(IDS.map((id) => text(id, `first ${id}`)).join('')))
    for (let k = 1; k < chain.length; k++) expect(chain[k].baseFileSha256).toBe(chain[k - 1].fileSha256)
    expect(chain[chain.length - 1].fileSha256).toBe(sha256Hex(file))
    for (const [k, id] of IDS.entries()) {
      expect(results[k].changed).toBe(true)
      const versions = await ann.history.list(DOC, id)
      expect(versions.map((v) => [v.reason, v.content])).toEqual([
        ['baseline', text(id, `first ${id}`)],
        ['save', text(id, `second ${id}`)]
      ])
      expect(results[k].version?.version).toBe(2)
    }
    await ann.audit.flush()
    const lines = (await readAudit(ann.workspace)).filter((e) => e.type === 'save')
    expect(lines.map((e) => e.sectionId).sort()).toEqual([...IDS].sort())
    expect(await fs.readdir(path.join(ann.workspace.docDir(DOC), 'intents')).catch(() => [])).toEqual([])
  })

  it('refuses only the save whose base is stale; the others in its batch land', async () => {
    const { ann, locks, release } = await queuedBehindBob()
    const saves = IDS.map(async (id) => {
      const base = id === 'c' ? sha256Hex('not the text') : await shaOf(ann, id)
      return ann.documents.saveSection(locks.get(id)!, base, text(id, `second ${id}`))
    })
    await queued(ann, IDS.length)
    await release()
    const settled = await Promise.allSettled(saves)
    expect(settled.map((x) => x.status)).toEqual(IDS.map((id) => (id === 'c' ? 'rejected' : 'fulfilled')))
    expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError)
    const file = await fs.readFile(path.join(root(), DOC), 'utf8')
    expect(file).toBe(IDS.map((id) => text(id, id === 'c' ? 'first c' : `second ${id}`)).join(''))
    expect((await ann.history.list(DOC, 'c')).map((v) => v.reason)).toEqual([])
    // The refused text is kept as a draft, as for any refused save.
    expect((await ann.documents.drafts.list(DOC)).map((d) => d.sectionId)).toEqual(['c'])
  })

  it('never batches two saves of one section: the second (based on the first) lands after it', async () => {
    const { ann, locks, release } = await queuedBehindBob()
    const base = await shaOf(ann, 'b')
    const first = ann.documents.saveSection(locks.get('b')!, base, text('b', 'one'))
    // Sent before the first is answered, on the text the first will leave (a pipelined save); once
    // the first is queued (two calls at once reach the queue in either order: each checks its lock first).
    await queued(ann, 1)
    const second = ann.documents.saveSection(locks.get('b')!, sha256Hex(text('b', 'one')), text('b', 'two'))
    await queued(ann, 2)
    const batches = ann.documents.writer.stats.batches
    await release()
    const [r1, r2] = await Promise.all([first, second])
    expect(ann.documents.writer.stats.batches - batches).toBe(2)
    expect(r2.baseFileSha256).toBe(r1.fileSha256)
    expect((await ann.history.list(DOC, 'b')).map((v) => v.content)).toEqual([
      text('b', 'first b'),
      text('b', 'one'),
      text('b', 'two')
    ])
  })
})

describe('takeBatch', () => {
  const plan = (touches: readonly string[] | 'all'): Queued => ({
    plan: {
      rel: DOC,
      abs: DOC,
      touches,
      plan: () => Promise.reject(new Error('not run'))
    } as WritePlan<unknown>,
    resolve: () => undefined,
    reject: () => undefined
  })
  const ids = (q: Queued[]) => q.map((x) => x.plan.touches)

  it('takes later saves of other sections, skips overlapping ones, and stops at a structure operation', () => {
    const q = [plan(['a']), plan(['a']), plan(['b', 'c']), plan(['c']), plan('all'), plan(['d'])]
    expect(ids(takeBatch(q))).toEqual([['a'], ['b', 'c']])
    expect(ids(q)).toEqual([['a'], ['c'], 'all', ['d']])
    expect(ids(takeBatch(q))).toEqual([['a'], ['c']])
    expect(ids(takeBatch(q))).toEqual(['all'])
    expect(ids(takeBatch(q))).toEqual([['d']])
  })

  it('caps a batch', () => {
    const q = Array.from({ length: MAX_BATCH + 5 }, (_, k) => plan([`s${k}`]))
    expect(takeBatch(q)).toHaveLength(MAX_BATCH)
    expect(q).toHaveLength(5)
  })
})

/** Position of a result in the batch: the chain of checksums it continues. */
function order(all: { baseFileSha256: string; fileSha256: string }[], r: { baseFileSha256: string }): number {
  let k = 0
  let cur = r.baseFileSha256
  for (;;) {
    const prev = all.find((x) => x.fileSha256 === cur)
    if (!prev) return k
    cur = prev.baseFileSha256
    k++
  }
}
