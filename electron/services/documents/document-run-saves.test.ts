import { promises as fs, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConflictError, LimitError, LockAcquisitionError, LockLostError } from '../../../shared/errors'
import { type AppServices } from '../app-services'
import { readAudit } from '../audit/audit-log'
import { RECORD_FILE } from '../locks/lock-dir'
import { FakeClock } from '../../../test/harness/fake-clock'
import { DOC, ORIGINAL } from '../../../test/harness/report-document'
import { documentsNoting, servicesWorkspace } from '../../../test/harness/services-workspace'

const { root, open } = servicesWorkspace('docs', { [DOC]: ORIGINAL })

describe('run saves: new and deleted headings', () => {
  const BUDGET = '# Budget\n\nMoney.\n\n```sh\n# a comment, not a heading\n```\n\n'
  const TIMELINE = 'Timeline\n========\n\nSoon.\n\n'
  const read = () => fs.readFile(path.join(root(), DOC), 'utf8')
  const held = (s: AppServices) => s.locks.heldLocks().map((l) => `${l.kind}:${l.sectionId}`)

  it('a save adding a heading writes one copy of the new section, locked by the saver before the document changes', async () => {
    const ann = await open('ann')
    const bob = await open('bob')
    // Whoever writes the document first hears `note`: at that moment the new section's lock must be on disk.
    const seenAtWrite: { lockHolder: string | null; document: string }[] = []
    const lockDir = ann.locks.lockDir('section', DOC, 'travel')
    const docs = documentsNoting(ann, () => {
      const gens = readdirSync(lockDir).sort()
      const record = JSON.parse(readFileSync(path.join(lockDir, gens[gens.length - 1], RECORD_FILE), 'utf8'))
      seenAtWrite.push({
        lockHolder: record.holder.user,
        document: readFileSync(path.join(root(), DOC), 'utf8')
      })
    })
    const { section } = await docs.section(DOC, 'budget')
    const lock = await ann.locks.acquireSection(DOC, 'budget')
    const r = await docs.saveSection(lock, section.sha256, `${BUDGET}## Travel\n\nTrains.\n\n`)
    expect(seenAtWrite).toEqual([{ lockHolder: 'ann', document: ORIGINAL }])
    const after = await read()
    expect(after).toBe(ORIGINAL.replace(BUDGET, `${BUDGET}## Travel\n\nTrains.\n\n`))
    expect(after.split('## Travel').length).toBe(2) // exactly one copy
    expect(r.run.map((x) => x.id)).toEqual(['budget', 'travel'])
    expect(r.retired).toEqual([])
    expect(r.acquired.map((l) => [l.kind, l.sectionId])).toEqual([['section', 'travel']])
    expect(r.sections.map((x) => x.id)).toEqual(['preamble', 'budget', 'travel', 'timeline', 'risks'])
    // Another instance is refused the new section right away; the saver holds it.
    await expect(bob.locks.acquireSection(DOC, 'travel')).rejects.toThrow(/being edited by ann/)
    await ann.locks.assertHeld(r.acquired[0])
    // The new section starts its own history; the unchanged first section gets no new version.
    expect((await ann.history.list(DOC, 'travel')).map((v) => [v.version, v.content])).toEqual([
      [1, '## Travel\n\nTrains.\n\n']
    ])
    expect(r.version).toBeNull()
    await ann.audit.flush()
    const audit = await readAudit(ann.workspace, { types: ['save', 'split', 'merge'] })
    expect(audit.map((e) => [e.type, e.sectionId, e.created ?? null])).toEqual([
      ['save', 'budget', null],
      ['split', 'budget', ['travel']]
    ])
  })

  it('a save whose lock on a new section is refused, or over the lock limit (L7), writes and keeps nothing', async () => {
    const ann = await open('ann', new FakeClock(), { maxLocksPerDocument: 4 })
    const bob = await open('bob')
    const { section } = await ann.documents.section(DOC, 'budget')
    const lock = await ann.locks.acquireSection(DOC, 'budget')
    // Bob holds the id the new heading would get (the lock service does not care that it has no section yet).
    const bobs = await bob.locks.acquireSection(DOC, 'travel')
    const text = `${BUDGET}## Hotels\n\nOne.\n\n## Travel\n\nTrains.\n\n`
    const refused = await ann.documents.saveSection(lock, section.sha256, text).catch((e) => e)
    expect(refused).toBeInstanceOf(LockAcquisitionError)
    expect(refused.message).toMatch(/^The new section “Travel” is being edited by bob/)
    expect(await read()).toBe(ORIGINAL)
    expect(held(ann)).toEqual(['section:budget']) // the lock on “Hotels” taken meanwhile was released
    await bob.locks.release(bobs)
    // Four new sections beside “Budget” under a limit of four locks: the fourth is over the limit,
    // the three taken before it are given back.
    const limited = await ann.documents
      .saveSection(lock, section.sha256, `${text}## Food\n\nSoup.\n\n## Maps\n\nMany.\n\n`)
      .catch((e) => e)
    expect(limited).toBeInstanceOf(LimitError)
    expect(await read()).toBe(ORIGINAL)
    expect(held(ann)).toEqual(['section:budget'])
    expect(await ann.history.list(DOC, 'budget')).toEqual([])
    expect((await ann.documents.read(DOC)).sections.map((x) => x.id)).toEqual([
      'preamble',
      'budget',
      'timeline',
      'risks'
    ])
    for (const id of ['hotels', 'travel', 'food']) await bob.locks.acquireSection(DOC, id) // free: nothing half-done
  })

  it('a run save merging B into A retires B, releases its lock and keeps its history readable', async () => {
    const ann = await open('ann')
    const snap = await ann.documents.read(DOC)
    const [, budget, timeline] = snap.sections
    const a = await ann.locks.acquireSection(DOC, 'budget')
    const b = await ann.locks.acquireSection(DOC, 'timeline')
    const saved = await ann.documents.saveSection(b, timeline.sha256, 'Timeline\n========\n\nSooner.\n\n')
    const merged = `${BUDGET}Sooner, now part of the budget.\n\n`
    const r = await ann.documents.saveRun(
      [
        { lock: a, baseSha256: budget.sha256 },
        { lock: b, baseSha256: saved.section.sha256 }
      ],
      merged
    )
    expect(await read()).toBe(ORIGINAL.replace(BUDGET + TIMELINE, merged))
    expect(r.retired).toEqual(['timeline'])
    expect(r.run.map((x) => x.id)).toEqual(['budget'])
    expect(r.acquired).toEqual([])
    expect(r.sections.map((x) => x.id)).toEqual(['preamble', 'budget', 'risks'])
    expect(held(ann)).toEqual(['section:budget'])
    await expect(ann.locks.assertHeld(b)).rejects.toBeInstanceOf(LockLostError)
    const history = await ann.history.list(DOC, 'timeline')
    expect(history.map((v) => [v.reason, v.content])).toEqual([
      ['baseline', TIMELINE],
      ['save', 'Timeline\n========\n\nSooner.\n\n']
    ])
    expect(history.at(-1)?.beforeStructure).toBe(true) // pruning keeps a retired section's last text
    expect((await ann.history.list(DOC, 'budget')).map((v) => v.content)).toEqual([BUDGET, merged])
    // The id stays retired: the heading written again is a new section.
    const again = await ann.documents.saveSection(a, r.section.sha256, `${merged}# Timeline\n\nBack.\n\n`)
    expect(again.run.map((x) => x.id)).toEqual(['budget', 'timeline-2'])
    await ann.audit.flush()
    const audit = await readAudit(ann.workspace, { types: ['merge'] })
    expect(audit.map((e) => [e.sectionId, e.retired])).toEqual([['budget', ['timeline']]])
  })

  it('a base mismatch on the second section of a run is a conflict carrying the whole run, and nothing changes', async () => {
    const ann = await open('ann')
    const snap = await ann.documents.read(DOC)
    const [, budget, timeline] = snap.sections
    const a = await ann.locks.acquireSection(DOC, 'budget')
    const b = await ann.locks.acquireSection(DOC, 'timeline')
    const edited = ORIGINAL.replace('Soon.', 'Edited outside.')
    await fs.writeFile(path.join(root(), DOC), edited)
    const mine = `${BUDGET}Timeline\n========\n\nMine.\n\n`
    const err = await ann.documents
      .saveRun(
        [
          { lock: a, baseSha256: budget.sha256 },
          { lock: b, baseSha256: timeline.sha256 }
        ],
        mine
      )
      .catch((e) => e)
    expect(err).toBeInstanceOf(ConflictError)
    expect(err.mine).toBe(mine)
    expect(err.theirs).toBe(`${BUDGET}Timeline\n========\n\nEdited outside.\n\n`)
    expect(err.theirsChecksum).toBe(budget.sha256)
    expect(await read()).toBe(edited)
    expect(held(ann)).toEqual(['section:budget', 'section:timeline'])
    expect(await ann.history.list(DOC, 'budget')).toEqual([])
    expect(await ann.history.list(DOC, 'timeline')).toEqual([])
    // Sections that no longer follow each other are refused the same way.
    const r = await ann.locks.acquireSection(DOC, 'risks')
    const risks = snap.sections[3]
    const apart = await ann.documents
      .saveRun(
        [
          { lock: a, baseSha256: budget.sha256 },
          { lock: r, baseSha256: risks.sha256 }
        ],
        '# Budget\n'
      )
      .catch((e) => e)
    expect(apart).toBeInstanceOf(ConflictError)
    expect(await read()).toBe(edited)
  })
})
