/**
 * The `files:*` channels through the dispatcher: validated requests, Result errors with stable
 * codes, the events this instance's windows get at once, and what another instance's watcher
 * shows its windows (the names appearing and going that the folder tree follows).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../shared/errors'
import { openWorkspace } from '../app-services'
import { createDispatcher } from './dispatcher'
import type { ContractEvent } from './dispatcher-types'
import { DOC, dispatcherWorkspace, fail, ok } from '../../../test/harness/dispatcher-harness'
import { testIdentity } from '../../../test/harness/test-identity'

const ws = dispatcherWorkspace()
const ctx = { clientId: 'w1' }

/** A real-clock instance whose dispatcher hears the watcher (another computer's view of the folder). */
async function watching(user: string) {
  const s = await openWorkspace({
    folder: ws.root(),
    identity: testIdentity(user),
    lockSettings: { heartbeatIntervalMs: 5000, idleTimeoutMs: 0 },
    watch: { mode: 'native' }
  })
  const d = createDispatcher(s)
  ws.track(s, d)
  const events: ContractEvent[] = []
  d.onEvent((e) => events.push(e))
  const seen = async (name: string, document: string) => {
    const names = (e: ContractEvent) => {
      const p = e.payload as { document?: string; from?: string }
      return p.document ?? p.from
    }
    for (let waited = 0; waited < 5000; waited += 25) {
      if (events.some((e) => e.name === name && names(e) === document)) return true
      await new Promise((r) => setTimeout(r, 25))
    }
    return false
  }
  return { s, d, seen, events }
}

describe('files:* channels', () => {
  it('renames: the windows here hear renamed, removed and changed; another instance sees removed and changed', async () => {
    const { d, events } = await ws.open('ann')
    const bob = await watching('bob')
    const r = ok<{ from: string; to: string }>(
      await d.call('files:rename', { from: DOC, to: 'docs/plan-v2.md' }, ctx)
    )
    expect(r).toMatchObject({ from: DOC, to: 'docs/plan-v2.md' })
    expect(events.map((e) => e.name)).toEqual(['document:renamed', 'document:removed', 'document:changed'])
    expect(events[0].payload).toEqual({ from: DOC, to: 'docs/plan-v2.md' })
    // Bob's watcher pairs the name that went with the one that came with its content: a rename.
    expect(await bob.seen('document:renamed', DOC)).toBe(true)
    expect(await bob.seen('document:changed', 'docs/plan-v2.md')).toBe(true)
    expect(bob.events.some((e) => e.name === 'document:removed')).toBe(false)
    const list = ok<{ documents: string[] }>(await bob.d.call('documents:list', {}, ctx))
    expect(list.documents).toEqual(['docs/plan-v2.md'])
  })

  it('lists folders with the documents, an empty one made a moment ago too, hidden ones never', async () => {
    const { d } = await ws.open('ann')
    ok(await d.call('files:mkdir', { folder: 'drafts/empty' }, ctx))
    const list = ok<{ documents: string[]; folders: string[] }>(await d.call('documents:list', {}, ctx))
    expect(list.documents).toEqual([DOC])
    expect(list.folders).toEqual(['drafts', 'drafts/empty'])
  })

  it('is refused with LOCK_HELD while another window holds a section, and with VALIDATION for a bad name', async () => {
    const { d } = await ws.open('ann')
    ok(await d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, { clientId: 'w2' }))
    const held = fail(await d.call('files:rename', { from: DOC, to: 'x.md' }, ctx))
    expect(held.code).toBe(ErrorCode.LockHeld)
    expect(held.message).toMatch(/section “budget” is being edited by ann/)
    expect(fail(await d.call('files:trash', { document: DOC }, ctx)).code).toBe(ErrorCode.LockHeld)
    const bad = fail(await d.call('files:create', { document: 'PRN.md' }, ctx))
    expect(bad.code).toBe(ErrorCode.Validation)
    expect(fail(await d.call('files:rename', { from: DOC, to: 'x.md', extra: 1 }, ctx)).code).toBe(
      ErrorCode.Validation
    )
  })

  it('moves the unsaved text this machine journalled for the old name to the new one', async () => {
    const s = await openWorkspace({
      folder: ws.root(),
      identity: testIdentity('ann'),
      lockSettings: { heartbeatIntervalMs: 5000, idleTimeoutMs: 0 },
      journalDir: path.join(ws.root(), '..', `${path.basename(ws.root())}-journal`)
    })
    const d = createDispatcher(s)
    ws.track(s, d)
    const entries = [{ sectionId: 'budget', baseSha256: null, text: '# Budget\n\nnot saved yet\n' }]
    ok(await d.call('journal:write', { document: DOC, entries }, ctx))
    ok(await d.call('files:rename', { from: DOC, to: 'moved.md' }, ctx))
    const moved = ok<{ entries: { sectionId: string; text: string }[] }>(
      await d.call('journal:list', { document: 'moved.md' }, ctx)
    )
    expect(moved.entries).toEqual([expect.objectContaining({ sectionId: 'budget', text: entries[0].text })])
    expect(ok<{ entries: unknown[] }>(await d.call('journal:list', { document: DOC }, ctx)).entries).toEqual(
      []
    )
    await fs.rm(path.join(ws.root(), '..', `${path.basename(ws.root())}-journal`), {
      recursive: true,
      force: true
    })
  })

  it('creates, duplicates, trashes, lists and restores', async () => {
    const { d, events } = await ws.open('ann')
    ok(await d.call('files:mkdir', { folder: 'notes' }, ctx))
    ok(await d.call('files:create', { document: 'notes/a.md', text: '# A\n' }, ctx))
    expect(await fs.readFile(path.join(ws.root(), 'notes/a.md'), 'utf8')).toBe('# A\n')
    expect(
      ok<{ document: string }>(await d.call('files:duplicate', { document: 'notes/a.md' }, ctx)).document
    ).toBe('notes/a copy.md')
    const { id } = ok<{ id: string }>(await d.call('files:trash', { document: 'notes/a.md' }, ctx))
    const trash = ok<{ entries: { id: string; original: string; by: string }[] }>(
      await d.call('files:trash-list', {}, ctx)
    )
    expect(trash.entries).toEqual([expect.objectContaining({ id, original: 'notes/a.md', by: 'ann' })])
    ok(await d.call('files:restore', { id }, ctx))
    expect(await fs.readFile(path.join(ws.root(), 'notes/a.md'), 'utf8')).toBe('# A\n')
    expect(events.map((e) => [e.name, (e.payload as { document: string }).document])).toEqual([
      ['document:changed', 'notes/a.md'],
      ['document:changed', 'notes/a copy.md'],
      ['document:removed', 'notes/a.md'],
      ['document:changed', 'notes/a.md']
    ])
  })
  it('a rename made outside the app: another instance tells its windows so, and the history follows the file', async () => {
    const ann = await ws.open('ann')
    const { section } = await ann.s.documents.section(DOC, 'budget')
    const lock = await ann.s.locks.acquireSection(DOC, 'budget')
    await ann.s.documents.saveSection(lock, section.sha256, '# Budget\n\nMore money\n\n')
    await ann.s.locks.release(lock)
    const before = ok<{ versions: unknown[] }>(
      await ann.d.call('history:list', { document: DOC, sectionId: 'budget' }, ctx)
    ).versions
    expect(before.length).toBeGreaterThan(0)
    const bob = await watching('bob')
    // Explorer, Finder, `git mv`: no lock, no intent, just the file moving.
    await fs.mkdir(path.join(ws.root(), 'archive'))
    await fs.rename(path.join(ws.root(), DOC), path.join(ws.root(), 'archive', 'plan-2025.md'))
    expect(await bob.seen('document:renamed', DOC)).toBe(true)
    expect(bob.events.find((e) => e.name === 'document:renamed')?.payload).toEqual({
      from: DOC,
      to: 'archive/plan-2025.md'
    })
    expect(bob.events.some((e) => e.name === 'document:removed')).toBe(false)
    let after: unknown[] = []
    for (let waited = 0; waited < 5000 && after.length < before.length; waited += 50) {
      await new Promise((r) => setTimeout(r, 50))
      const r = await bob.d.call(
        'history:list',
        { document: 'archive/plan-2025.md', sectionId: 'budget' },
        ctx
      )
      after = r.ok ? (r.value as { versions: unknown[] }).versions : []
    }
    expect(after).toEqual(before)
  })

  it('a rename made outside while a section is held: the history follows once the section is released', async () => {
    const ann = await ws.open('ann')
    const { section } = await ann.s.documents.section(DOC, 'budget')
    const lock = await ann.s.locks.acquireSection(DOC, 'budget')
    await ann.s.documents.saveSection(lock, section.sha256, '# Budget\n\nHeld money\n\n')
    const bob = await watching('bob')
    await fs.rename(path.join(ws.root(), DOC), path.join(ws.root(), 'moved.md'))
    expect(await bob.seen('document:renamed', DOC)).toBe(true)
    const versionsAt = async (document: string) => {
      const r = await bob.d.call('history:list', { document, sectionId: 'budget' }, ctx)
      return r.ok ? (r.value as { versions: unknown[] }).versions.length : 0
    }
    // Refused while Ann holds “Budget”: the history stays under the old name, nothing is lost.
    // Bob opens the new name meanwhile (its index is stored there): the history still follows later.
    ok(await bob.d.call('documents:open', { document: 'moved.md' }, ctx))
    await new Promise((r) => setTimeout(r, 500))
    expect(await versionsAt('moved.md')).toBe(0)
    expect(await versionsAt(DOC)).toBeGreaterThan(0)
    await ann.s.locks.release(lock)
    let after = 0
    for (let waited = 0; waited < 8000 && after === 0; waited += 100) {
      await new Promise((r) => setTimeout(r, 100))
      after = await versionsAt('moved.md')
    }
    expect(after).toBeGreaterThan(0)
  })

  it('a document deleted outside the app is reported removed, not renamed', async () => {
    const bob = await watching('bob')
    await fs.rm(path.join(ws.root(), DOC))
    expect(await bob.seen('document:removed', DOC)).toBe(true)
    expect(bob.events.some((e) => e.name === 'document:renamed')).toBe(false)
  })
})
