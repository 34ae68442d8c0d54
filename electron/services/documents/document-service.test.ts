import { promises as fs } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  ConflictError,
  ErrorCode,
  LockLostError,
  NotFoundError,
  PathOutsideError,
  ValidationError
} from '../../../shared/errors'
import { listBackups } from '../history/backups'
import { FakeClock } from '../../../test/harness/fake-clock'
import { DocumentService } from './document-service'
import { StructureOps } from './structure-ops'
import { DOC, ORIGINAL } from '../../../test/harness/report-document'
import { servicesWorkspace } from '../../../test/harness/services-workspace'

const { root, open } = servicesWorkspace('docs', { [DOC]: ORIGINAL })

describe('reading', () => {
  it('lists sections with stable ids, ignoring front matter and code', async () => {
    const ann = await open('ann')
    const snap = await ann.documents.read(DOC)
    expect(snap.sections.map((s) => [s.id, s.level, s.heading])).toEqual([
      ['preamble', 0, ''],
      ['budget', 1, 'Budget'],
      ['timeline', 1, 'Timeline'],
      ['risks', 2, 'Risks']
    ])
    expect(await ann.documents.listDocuments()).toEqual([DOC])
  })

  it('refuses paths outside the workspace and missing documents with clear errors', async () => {
    const ann = await open('ann')
    await expect(ann.documents.read('../etc/passwd.md')).rejects.toBeInstanceOf(PathOutsideError)
    await expect(ann.documents.read('.sectioned/x.md')).rejects.toBeInstanceOf(PathOutsideError)
    await expect(ann.documents.read('notes.txt')).rejects.toBeInstanceOf(PathOutsideError)
    await expect(ann.documents.read('missing.md')).rejects.toBeInstanceOf(NotFoundError)
    await expect(ann.documents.section(DOC, 'nope')).rejects.toBeInstanceOf(NotFoundError)
  })
})

describe('saving a section (S4, H1–H3)', () => {
  it('replaces exactly the section, records baseline and version, and keeps ids when the holder renames', async () => {
    const ann = await open('ann')
    const { section } = await ann.documents.section(DOC, 'budget')
    const lock = await ann.locks.acquireSection(DOC, 'budget')
    const result = await ann.documents.saveSection(lock, section.sha256, '# Costs\n\nLess money.\n\n')
    expect(result.changed).toBe(true)
    expect(result.section.id).toBe('budget')
    expect(result.section.heading).toBe('Costs')
    const after = await fs.readFile(path.join(root(), DOC), 'utf8')
    expect(after).toBe(
      ORIGINAL.replace(
        '# Budget\n\nMoney.\n\n```sh\n# a comment, not a heading\n```\n\n',
        '# Costs\n\nLess money.\n\n'
      )
    )
    const versions = await ann.history.list(DOC, 'budget')
    expect(versions.map((v) => [v.version, v.reason, v.author])).toEqual([
      [1, 'baseline', '(before first save)'],
      [2, 'save', 'ann']
    ])
    // The renamed section keeps its id and its lock.
    await ann.locks.assertHeld(lock)
    expect((await ann.documents.read(DOC)).sections.map((s) => s.id)).toEqual([
      'preamble',
      'budget',
      'timeline',
      'risks'
    ])
  })

  it('refuses a save whose base changed underneath with ConflictError carrying both texts', async () => {
    const ann = await open('ann')
    const { section } = await ann.documents.section(DOC, 'risks')
    const lock = await ann.locks.acquireSection(DOC, 'risks')
    // Another program edits the section on disk.
    const edited = ORIGINAL.replace('Some.', 'Many, says the external editor.')
    await fs.writeFile(path.join(root(), DOC), edited)
    const err = await ann.documents.saveSection(lock, section.sha256, '## Risks\n\nNone.\n').catch((e) => e)
    expect(err).toBeInstanceOf(ConflictError)
    expect(err.code).toBe(ErrorCode.Conflict)
    expect(err.mine).toBe('## Risks\n\nNone.\n')
    expect(err.theirs).toContain('Many, says the external editor.')
    expect(await fs.readFile(path.join(root(), DOC), 'utf8')).toBe(edited) // nothing overwritten
    expect(JSON.parse(await fs.readFile(err.draftFile, 'utf8')).text).toBe('## Risks\n\nNone.\n')
    // Choosing "mine" = saving again on top of theirs; history keeps the external text too.
    const ok = await ann.documents.saveSection(lock, err.theirsChecksum, err.mine)
    expect(ok.changed).toBe(true)
    const versions = await ann.history.list(DOC, 'risks')
    expect(versions.map((v) => v.reason)).toEqual(['baseline', 'save'])
    expect(versions[0].content).toContain('Many, says the external editor.') // their text is kept too
  })

  it('a holder whose lock was taken over cannot save (L5)', async () => {
    const clock = new FakeClock()
    const ann = await open('ann', new FakeClock()) // ann's clock never moves: her instance is frozen
    const bob = await open('bob', clock)
    const { section } = await ann.documents.section(DOC, 'timeline')
    const lock = await ann.locks.acquireSection(DOC, 'timeline')
    await expect(bob.locks.acquireSection(DOC, 'timeline')).rejects.toThrow(/being edited by ann/)
    await clock.advance(3000) // bob watches 3 s without a heartbeat change
    await bob.locks.acquireSection(DOC, 'timeline')
    const err = await ann.documents
      .saveSection(lock, section.sha256, 'Timeline\n========\n\nLate.\n\n')
      .catch((e) => e)
    expect(err).toBeInstanceOf(LockLostError)
    expect(err.message).toMatch(/Your text is kept as a draft/)
    expect(await fs.readFile(path.join(root(), DOC), 'utf8')).toBe(ORIGINAL)
    // The draft is really on disk, and listed for the writer to copy or re-apply.
    expect(JSON.parse(await fs.readFile(err.draftFile, 'utf8')).text).toBe('Timeline\n========\n\nLate.\n\n')
    const drafts = await ann.documents.drafts.list(DOC)
    expect(drafts.map((d) => [d.sectionId, d.user, d.reason])).toEqual([['timeline', 'ann', 'LOCK_LOST']])
    await ann.documents.drafts.discard(DOC, path.basename(drafts[0].file))
    expect(await ann.documents.drafts.list(DOC)).toEqual([])
    await expect(ann.documents.drafts.discard(DOC, '../../report.md')).rejects.toBeInstanceOf(ValidationError)
    expect(await fs.readFile(path.join(root(), DOC), 'utf8')).toBe(ORIGINAL)
  })

  it('refuses text that would change other sections, and text without its heading', async () => {
    const ann = await open('ann')
    const { section } = await ann.documents.section(DOC, 'budget')
    const lock = await ann.locks.acquireSection(DOC, 'budget')
    await expect(
      ann.documents.saveSection(lock, section.sha256, '# Budget\n\n```\nunclosed fence\n')
    ).rejects.toBeInstanceOf(ValidationError)
    await expect(
      ann.documents.saveSection(lock, section.sha256, 'No heading any more.\n')
    ).rejects.toBeInstanceOf(ValidationError)
    expect(await fs.readFile(path.join(root(), DOC), 'utf8')).toBe(ORIGINAL)
  })

  it('keeps ids stable when other writers add and remove their own sections', async () => {
    const ann = await open('ann')
    const bob = await open('bob')
    const risks = await bob.documents.section(DOC, 'risks')
    const bobLock = await bob.locks.acquireSection(DOC, 'risks')
    await bob.documents.saveSection(
      bobLock,
      risks.section.sha256,
      '## Risks\n\nSome.\n\n## Budget\n\nA second budget.\n'
    )
    const ids = (await ann.documents.read(DOC)).sections.map((s) => s.id)
    expect(ids).toEqual(['preamble', 'budget', 'timeline', 'risks', 'budget-2'])
    // An external editor deletes the Timeline section: the others keep their ids.
    const text = await fs.readFile(path.join(root(), DOC), 'utf8')
    await fs.writeFile(path.join(root(), DOC), text.replace('Timeline\n========\n\nSoon.\n\n', ''))
    expect((await ann.documents.read(DOC)).sections.map((s) => s.id)).toEqual([
      'preamble',
      'budget',
      'risks',
      'budget-2'
    ])
  })
})

describe('a file read half-way through an outside program’s in-place save', () => {
  it('a read of the truncated file does not retire a locked section: the finished file gives it back its id', async () => {
    const ann = await open('ann')
    const bob = await open('bob')
    await bob.documents.read(DOC)
    await ann.locks.acquireSection(DOC, 'budget')
    await fs.writeFile(path.join(root(), DOC), '')
    expect((await bob.documents.read(DOC)).sections.map((s) => s.id)).toEqual(['preamble'])
    await fs.writeFile(path.join(root(), DOC), ORIGINAL.replace('Money.', 'Money, changed outside.'))
    const again = await bob.documents.read(DOC)
    expect(again.sections.map((s) => s.id)).toEqual(['preamble', 'budget', 'timeline', 'risks'])
    expect(await ann.documents.read(DOC)).toMatchObject({ sections: again.sections })
  })

  it('(contrast) with no lock on them, the sections an outside edit removed are retired as before', async () => {
    const bob = await open('bob')
    await bob.documents.read(DOC)
    await fs.writeFile(path.join(root(), DOC), '')
    await bob.documents.read(DOC)
    await fs.writeFile(path.join(root(), DOC), ORIGINAL)
    expect((await bob.documents.read(DOC)).sections.map((s) => s.id)).toEqual([
      'preamble',
      'budget-2',
      'timeline-2',
      'risks-2'
    ])
  })
})

describe('crash leftovers', () => {
  it('removes temp files of interrupted saves once they are old, and nothing else', async () => {
    const ann = await open('ann')
    const old = path.join(root(), `${DOC}.2718281828`)
    const fresh = path.join(root(), `${DOC}.3141592653`)
    const lookalike = path.join(root(), 'notes.md.bak')
    for (const f of [old, fresh, lookalike]) await fs.writeFile(f, 'partial')
    // Two hours before now on the file system's clock (the one that stamps mtimes), not this process's.
    const twoHoursAgo = new Date((await fs.stat(fresh)).mtimeMs - 2 * 3600_000)
    await fs.utimes(old, twoHoursAgo, twoHoursAgo)
    await fs.utimes(lookalike, twoHoursAgo, twoHoursAgo)
    expect(await ann.documents.removeStaleTempFiles()).toEqual([old])
    const left = (await fs.readdir(root())).filter((n) => n !== '.sectioned').sort()
    expect(left).toEqual([DOC, `${DOC}.3141592653`, 'notes.md.bak'].sort())
  })
})

describe('structure operations (L1, H4, H5)', () => {
  it('moves and deletes sections under the document lock, with backups and history kept', async () => {
    const clock = new FakeClock()
    const ann = await open('ann', clock)
    const ops = new StructureOps({ ...ann, documents: ann.documents })
    const docLock = await ann.locks.acquireDocument(DOC)
    const moved = await ops.moveSection(docLock, 'risks', 'budget')
    expect(moved.sections.map((s) => s.id)).toEqual(['preamble', 'risks', 'budget', 'timeline'])
    const text = await fs.readFile(path.join(root(), DOC), 'utf8')
    expect(text.indexOf('## Risks')).toBeLessThan(text.indexOf('# Budget'))
    const deleted = await ops.deleteSection(docLock, 'timeline')
    expect(deleted.sections.map((s) => s.id)).toEqual(['preamble', 'risks', 'budget'])
    expect(await fs.readFile(path.join(root(), DOC), 'utf8')).not.toContain('Timeline')
    const backups = await listBackups(ann.workspace, DOC)
    expect(backups).toHaveLength(2)
    const timeline = await ann.history.list(DOC, 'timeline')
    expect(timeline.at(-1)?.content).toContain('Soon.')
    expect(timeline.at(-1)?.beforeStructure).toBe(true)
    await expect(ops.deleteSection(docLock, 'preamble')).rejects.toBeInstanceOf(ValidationError)
  })
})

describe('a stale read through a network drive cache', () => {
  /**
   * sshfs was seen serving another mount's save as the new bytes cut to the old length for ~1 s.
   * Played here by writing the document cut short while the section index (written by every save
   * under the write mutex) records the whole file, and putting the whole file back 400 ms later.
   */
  async function tornReadSave(settleMs: number): Promise<string> {
    // Returns what the save wrote (read back at once, before anything else touches the file).
    const s = await open('ann', new FakeClock())
    const docs = new DocumentService({
      workspace: s.workspace,
      identity: s.identity,
      locks: s.locks,
      history: s.history,
      clock: s.clock,
      settleMs
    })
    const snap = await docs.read(DOC)
    const budget = snap.sections.find((x) => x.id === 'budget')
    if (!budget) throw new Error('no budget section')
    const lock = await s.locks.acquireSection(DOC, 'budget')
    // An earlier save recorded the whole file; the cache now serves it cut short.
    const whole = await docs.saveSection(lock, budget.sha256, '# Budget\n\nMoney, v2.\n\n')
    const file = path.join(root(), DOC)
    const full = await fs.readFile(file)
    await fs.writeFile(file, full.subarray(0, full.length - 12))
    let healed = false
    const heal = new Promise<void>((resolve) =>
      setTimeout(() => void fs.writeFile(file, full).then(() => ((healed = true), resolve())), 400)
    )
    await docs.saveSection(lock, whole.section.sha256, '# Budget\n\nMoney, v3.\n\n')
    const written = await fs.readFile(file, 'utf8')
    // With settling the save ran after the heal; without it, before (and the heal overwrote it).
    expect(healed).toBe(settleMs > 0)
    await heal
    return written
  }

  it('waits for the read to agree with the last save before splicing, so the tail is kept', async () => {
    const text = await tornReadSave(1500)
    expect(text).toContain('Money, v3.')
    expect(text.endsWith('## Risks\n\nSome.\n')).toBe(true)
  })

  it('(contrast) splicing into the torn read without waiting cuts the tail off', async () => {
    const text = await tornReadSave(0)
    expect(text).toContain('Money, v3.')
    expect(text.endsWith('## Risks\n\nSome.\n')).toBe(false)
  })
})
