/**
 * File operations on a real folder with two instances: rename and move under the document lock,
 * refused while another instance holds a section (naming them); the document's section ids,
 * history, drafts and backups follow it; trash and restore; duplicate, create and mkdir.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { LockAcquisitionError, NotFoundError, ValidationError } from '../../../shared/errors'
import { listBackups } from '../history/backups'
import { servicesWorkspace } from '../../../test/harness/services-workspace'
import type { AppServices } from '../app-services'
import type { FakeClock } from '../../../test/harness/fake-clock'

const DOC = 'plan.md'
const ws = servicesWorkspace('files', { [DOC]: '# Budget\n\nOne.\n\n# Dates\n\nTwo.\n' })
const open = ws.open
const root = ws.root
const exists = (rel: string) =>
  fs.lstat(path.join(root(), rel)).then(
    () => true,
    () => false
  )

/** Saves `text` into section `id` of `doc` as `s` (takes and releases the lock). */
async function save(s: AppServices, doc: string, id: string, text: string): Promise<void> {
  const { section } = await s.documents.section(doc, id)
  const lock = await s.locks.acquireSection(doc, id)
  await s.documents.saveSection(lock, section.sha256, text)
  await s.locks.release(lock)
}

describe('rename and move', () => {
  it('moves the file, and section ids, history, drafts and backups follow it', async () => {
    const ann = await open('ann')
    await save(ann, DOC, 'budget', '# Budget\n\nOne, revised.\n\n')
    await ann.documents.drafts.keep(DOC, 'dates', 'unsaved words', 'test')
    const dl = await ann.locks.acquireDocument(DOC)
    await ann.structure.moveSection(dl, 'dates', 'budget') // makes a backup
    await ann.locks.release(dl)
    const before = await ann.history.list(DOC, 'budget')
    expect(before.length).toBeGreaterThan(0)

    await fs.mkdir(path.join(root(), 'archive'))
    expect(await ann.files.rename(DOC, 'archive/plan 2024.md')).toEqual({
      from: DOC,
      to: 'archive/plan 2024.md',
      fileSha256: expect.stringMatching(/^[0-9a-f]{64}$/)
    })
    expect(await exists(DOC)).toBe(false)
    const moved = 'archive/plan 2024.md'
    // Another instance sees the same history under the new name, with the same section ids.
    const bob = await open('bob')
    const snap = await bob.documents.read(moved)
    expect(snap.sections.map((x) => x.id)).toEqual(['preamble', 'dates', 'budget'])
    const after = await bob.history.list(moved, 'budget')
    expect(after.map((v) => [v.version, v.content])).toEqual(before.map((v) => [v.version, v.content]))
    expect(after.every((v) => v.document === moved)).toBe(true)
    expect((await bob.documents.drafts.list(moved)).map((d) => d.text)).toEqual(['unsaved words'])
    expect((await listBackups(bob.workspace, moved)).length).toBe(1)
    expect(await bob.history.list(DOC, 'budget')).toEqual([])
    // Saving under the new name goes on numbering from the old history.
    await save(bob, moved, 'budget', '# Budget\n\nThird.\n\n')
    expect((await bob.history.list(moved, 'budget')).at(-1)?.version).toBe(before.at(-1)!.version + 1)
    expect(await bob.history.verifyAll()).toEqual([])
  })

  it('is refused while another instance holds a section, naming the holder; nothing changes', async () => {
    const ann = await open('ann')
    const bob = await open('bob')
    const held = await bob.locks.acquireSection(DOC, 'dates')
    const err = await ann.files.rename(DOC, 'other.md').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LockAcquisitionError)
    expect((err as Error).message).toMatch(
      /“plan\.md” cannot be renamed: section “dates” is being edited by bob/
    )
    await expect(ann.files.trash(DOC)).rejects.toThrow(
      /cannot be deleted: section “dates” is being edited by bob/
    )
    expect(await exists(DOC)).toBe(true)
    expect(await exists('other.md')).toBe(false)
    await bob.locks.release(held)
    await ann.files.rename(DOC, 'other.md')
    expect(await exists('other.md')).toBe(true)
  })

  it('is refused while a window of the same instance holds a section', async () => {
    const ann = await open('ann')
    await ann.locks.acquireSection(DOC, 'budget')
    await expect(ann.files.rename(DOC, 'x.md')).rejects.toThrow(/section “budget” is being edited by ann/)
  })

  it('holds the document lock meanwhile: a section cannot be taken during the rename', async () => {
    const ann = await open('ann')
    const bob = await open('bob')
    const tried: unknown[] = []
    ann.files['o'].afterStep = async (step) => {
      if (step === 'data') tried.push(await bob.locks.acquireSection(DOC, 'budget').catch((e: unknown) => e))
    }
    await ann.files.rename(DOC, 'moved.md')
    expect(tried[0]).toBeInstanceOf(LockAcquisitionError)
    expect((tried[0] as Error).message).toMatch(/whole document is locked/)
  })

  it('renames in case only (one file whatever the file system)', async () => {
    const ann = await open('ann')
    await save(ann, DOC, 'budget', '# Budget\n\nCased.\n\n')
    await ann.files.rename(DOC, 'Plan.md')
    expect(await fs.readdir(root())).toContain('Plan.md')
    expect(await fs.readdir(root())).not.toContain(DOC)
    expect((await ann.history.list('Plan.md', 'budget')).at(-1)?.content).toContain('Cased.')
  })
})

describe('a move whose mover stopped on another computer', () => {
  it('is finished by a running instance once the mover’s locks stop beating (its own clock)', async () => {
    const ann = await open('ann') // ann-pc; her fake clock never moves: her heartbeats stop
    await save(ann, DOC, 'budget', '# Budget\n\nBefore the move.\n\n')
    let reached!: () => void
    const atData = new Promise<void>((resolve) => (reached = resolve))
    ann.files['o'].afterStep = (step) => {
      if (step !== 'data') return
      reached()
      return new Promise<void>(() => undefined) // frozen mid-move, its locks held
    }
    void ann.files.rename(DOC, 'moved.md')
    await atData
    const bob = await open('bob') // bob-pc: the locks are not his host's, so not stale at first sight
    expect(await bob.files.recoverMoves()).toEqual([expect.objectContaining({ outcome: 'busy' })])
    const clock = bob.clock as FakeClock
    // Each beat's retry finishes before the next beat: a loaded machine's slow retry must not let
    // the fake clock run past the beats in which the stopped heartbeats are observed.
    for (let i = 0; i < 20 && (await exists(DOC)); i++) {
      await clock.advance(1000)
      await bob.files.idle()
    }
    expect(await exists(DOC)).toBe(false)
    expect((await bob.history.list('moved.md', 'budget')).at(-1)?.content).toContain('Before the move.')
    expect(await fs.readdir(path.join(root(), '.sectioned', 'moves'))).toEqual([])
  })
})

describe('trash and restore', () => {
  it('keeps the bytes and the history, lists who and when, and restores both', async () => {
    const ann = await open('ann')
    await save(ann, DOC, 'budget', '# Budget\n\nKept.\n\n')
    const bytes = await fs.readFile(path.join(root(), DOC))
    const { id } = await ann.files.trash(DOC)
    expect(await exists(DOC)).toBe(false)
    const list = await ann.files.trashList()
    expect(list).toEqual([
      expect.objectContaining({ id, original: DOC, by: 'ann', at: expect.stringMatching(/^\d{4}-/) })
    ])
    expect(await ann.history.list(DOC, 'budget')).toEqual([])
    expect((await ann.files.restore(id)).document).toBe(DOC)
    expect(await fs.readFile(path.join(root(), DOC))).toEqual(bytes)
    expect((await ann.history.list(DOC, 'budget')).at(-1)?.content).toContain('Kept.')
    expect(await ann.files.trashList()).toEqual([])
    await expect(ann.files.restore(id)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('refuses a restore onto a name that is taken now, and changes nothing', async () => {
    const ann = await open('ann')
    const { id } = await ann.files.trash(DOC)
    await ann.files.create(DOC, '# New\n')
    await expect(ann.files.restore(id)).rejects.toThrow(
      /cannot be restored where it was: that name already exists/
    )
    expect(await fs.readFile(path.join(root(), DOC), 'utf8')).toBe('# New\n')
    expect((await ann.files.trashList()).map((t) => t.id)).toEqual([id])
  })
})

describe('create, mkdir, duplicate', () => {
  it('creates documents and folders that did not exist, and duplicates without history', async () => {
    const ann = await open('ann')
    const made = await ann.files.create('notes/new.md', '# Hello\n')
    expect(made.document).toBe('notes/new.md')
    expect(await fs.readFile(path.join(root(), 'notes/new.md'), 'utf8')).toBe('# Hello\n')
    await expect(ann.files.create('notes/new.md')).rejects.toBeInstanceOf(ValidationError)
    expect(await ann.files.mkdir('drafts/2024')).toEqual({ folder: 'drafts/2024' })
    expect((await fs.stat(path.join(root(), 'drafts/2024'))).isDirectory()).toBe(true)
    await expect(ann.files.mkdir('drafts/2024')).rejects.toThrow(/already exists/)
    expect((await ann.files.duplicate(DOC)).document).toBe('plan copy.md')
    expect((await ann.files.duplicate(DOC)).document).toBe('plan copy 2.md')
    expect(await fs.readFile(path.join(root(), 'plan copy.md'))).toEqual(
      await fs.readFile(path.join(root(), DOC))
    )
    expect(await ann.documents.listDocuments()).toEqual([
      'notes/new.md',
      'plan copy 2.md',
      'plan copy.md',
      DOC
    ])
  })
})
