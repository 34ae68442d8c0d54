/**
 * `documents:changes` and the window's patch (shared/patch-snapshot.ts): a window that
 * follows a document by its changed sections ends byte-equal to the file and to what
 * `documents:open` answers; a version the host never answered with, or a change of the sections
 * themselves, gets the whole document.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ResponseOf } from '../../../shared/contract'
import { patchSnapshot } from '../../../shared/patch-snapshot'
import type { OwnedDispatcher } from './dispatcher'
import { DOC, TEXT, dispatcherWorkspace, ok } from '../../../test/harness/dispatcher-harness'

type Snapshot = ResponseOf<'documents:open'>
type Changes = ResponseOf<'documents:changes'>

const ws = dispatcherWorkspace()

async function openDoc(d: OwnedDispatcher, clientId: string): Promise<Snapshot> {
  return ok<Snapshot>(await d.call('documents:open', { document: DOC }, { clientId }))
}

async function changes(d: OwnedDispatcher, clientId: string, since: string): Promise<Changes> {
  return ok<Changes>(await d.call('documents:changes', { document: DOC, since }, { clientId }))
}

/** Takes, saves and releases one section as another writer's window would. */
async function edit(d: OwnedDispatcher, clientId: string, sectionId: string, text: string): Promise<void> {
  const ctx = { clientId }
  const snap = await openDoc(d, clientId)
  const base = snap.sections.find((s) => s.id === sectionId)?.sha256 ?? ''
  ok(await d.call('locks:acquire', { document: DOC, sectionId }, ctx))
  ok(await d.call('sections:save', { document: DOC, sectionId, baseSha256: base, text }, ctx))
  ok(await d.call('locks:release', { document: DOC, sectionId }, ctx))
}

/** What a window compares: the text and the sections (locks are per window). */
const content = (s: Snapshot) => ({ fileSha256: s.fileSha256, text: s.text, sections: s.sections })

describe('documents:changes', () => {
  it('answers same, then only the changed section, and the patched copy equals a fresh open', async () => {
    const { d } = await ws.open('bob')
    const ann = await ws.open('ann')
    const have = await openDoc(d, 'bob-window')
    expect(await changes(d, 'bob-window', have.fileSha256)).toMatchObject({ kind: 'same' })
    await edit(ann.d, 'ann-window', 'budget', '# Budget\r\n\r\nMoney — €12,000 😀\r\n\r\n')
    const c = await changes(d, 'bob-window', have.fileSha256)
    expect(c.kind).toBe('sections')
    if (c.kind !== 'sections') return
    expect(c.changed.map((x) => x.id)).toEqual(['budget'])
    // As the file has it: the services wrote it with the file's line breaks.
    expect(c.changed[0].text).toBe('# Budget\n\nMoney — €12,000 😀\n\n')
    const patched = patchSnapshot(have, c)
    expect(patched).not.toBeNull()
    expect(content(patched!)).toEqual(content(await openDoc(d, 'bob-window')))
    expect(patched!.text).toBe(await fs.readFile(path.join(ws.root(), DOC), 'utf8'))
  })

  it('answers the whole document for a version it never answered with, or when sections were added', async () => {
    const { d } = await ws.open('bob')
    const have = await openDoc(d, 'w')
    // A version this host never sent (a window of a host that restarted, or one that missed one).
    expect((await changes(d, 'w', 'f'.repeat(64))).kind).toBe('full')
    await fs.writeFile(path.join(ws.root(), DOC), `${TEXT}\n# Added\n\nNew.\n`)
    const c = await changes(d, 'w', have.fileSha256)
    expect(c.kind).toBe('full')
    if (c.kind === 'full') expect(c.snapshot.text).toBe(`${TEXT}\n# Added\n\nNew.\n`)
  })

  it('a patch that does not chain onto the copy is refused (the window then reads the whole document)', async () => {
    const { d } = await ws.open('bob')
    const ann = await ws.open('ann')
    const v1 = await openDoc(d, 'w')
    await edit(ann.d, 'a', 'risks', '## Risks\n\nFewer\n')
    const v2 = await openDoc(d, 'w')
    await edit(ann.d, 'a', 'budget', '# Budget\n\nLess\n\n')
    const c = await changes(d, 'w', v2.fileSha256)
    expect(c.kind).toBe('sections')
    if (c.kind === 'sections') expect(patchSnapshot(v1, c)).toBeNull() // v1 missed the risks save
  })

  it('over random saves by two writers, a window following by changes (missing some) ends equal to the file', async () => {
    const { d } = await ws.open('bob')
    const ann = await ws.open('ann')
    const ids = ['preamble', 'budget', 'risks']
    const body = fc.array(fc.constantFrom('word', 'é', '😀', '漢字', '\r\n', '\n', '  ', 'x'), {
      maxLength: 12
    })
    const step = fc.record({
      writer: fc.constantFrom('bob', 'ann'),
      section: fc.nat(2),
      body,
      windowLooks: fc.boolean()
    })
    let rounds = 0
    const seen = { sections: 0, full: 0 }
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        rounds++
        let have = await openDoc(d, 'bob-window')
        let fulls = 0
        for (const st of steps) {
          const id = ids[st.section]
          const heading = { preamble: '', budget: '# Budget\n', risks: '## Risks\n' }[id]
          const text = `${heading}${st.body.join('')}\n`
          await edit(st.writer === 'bob' ? d : ann.d, `${st.writer}-editor`, id, text)
          if (!st.windowLooks) continue // this event was missed
          const c = await changes(d, 'bob-window', have.fileSha256)
          if (c.kind === 'full') {
            fulls++
            seen.full++
            have = c.snapshot
          } else if (c.kind === 'sections') {
            seen.sections++
            const next = patchSnapshot(have, c)
            expect(next).not.toBeNull()
            have = next!
          }
        }
        const c = await changes(d, 'bob-window', have.fileSha256)
        if (c.kind === 'sections') have = patchSnapshot(have, c)!
        if (c.kind === 'full') have = c.snapshot
        expect(content(have)).toEqual(content(await openDoc(d, 'bob-window')))
        expect(have.text).toBe(await fs.readFile(path.join(ws.root(), DOC), 'utf8'))
        return fulls <= steps.length
      }),
      { numRuns: Number(process.env.CHANGES_RUNS ?? 40) }
    )
    expect(rounds).toBeGreaterThan(0)
    // Changes were applied, also across missed events: the host remembers the window's version
    // (the last 16 per document), so a missed event costs no whole read (none happened here).
    expect(seen.sections).toBeGreaterThan(0)
    expect(seen.full).toBe(0)
  }, 120_000)
})
