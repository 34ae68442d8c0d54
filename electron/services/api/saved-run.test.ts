/**
 * A window's own save brings its copy forward from the save's answer (shared/patch-snapshot.ts
 * `patchSavedRun`), without reading the document again: the copy ends byte-equal to the file and
 * to what `documents:open` answers — new headings in the saved text, sections merged into the one
 * above, other writers' saves in between (then the answer does not chain and the window asks what
 * changed), CRLF files and characters of every UTF-8 width.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ResponseOf } from '../../../shared/contract'
import { patchSavedRun, patchSnapshot } from '../../../shared/patch-snapshot'
import type { OwnedDispatcher } from './dispatcher'
import { DOC, dispatcherWorkspace, ok } from '../../../test/harness/dispatcher-harness'

type Snapshot = ResponseOf<'documents:open'>
type Saved = ResponseOf<'sections:save'>

const ws = dispatcherWorkspace()
const content = (s: Snapshot) => ({ fileSha256: s.fileSha256, text: s.text, sections: s.sections })

async function openDoc(d: OwnedDispatcher, clientId: string): Promise<Snapshot> {
  return ok<Snapshot>(await d.call('documents:open', { document: DOC }, { clientId }))
}

/** Takes the sections, saves `text` over them as one run, releases every lock the run ends with. */
async function saveRun(d: OwnedDispatcher, clientId: string, snap: Snapshot, ids: string[], text: string) {
  const ctx = { clientId }
  const base = (id: string) => snap.sections.find((s) => s.id === id)?.sha256 ?? ''
  for (const id of ids) ok(await d.call('locks:acquire', { document: DOC, sectionId: id }, ctx))
  const saved = ok<Saved>(
    await d.call(
      'sections:save',
      {
        document: DOC,
        sectionId: ids[0],
        baseSha256: base(ids[0]),
        text,
        ...(ids.length > 1
          ? { following: ids.slice(1).map((id) => ({ sectionId: id, baseSha256: base(id) })) }
          : {})
      },
      ctx
    )
  )
  for (const s of saved.run) await d.call('locks:release', { document: DOC, sectionId: s.id }, ctx)
  return saved
}

/** What the window does on an event: asks what changed since the version it has, and applies it. */
async function follow(d: OwnedDispatcher, have: Snapshot): Promise<Snapshot> {
  const c = ok<ResponseOf<'documents:changes'>>(
    await d.call('documents:changes', { document: DOC, since: have.fileSha256 }, { clientId: 'bob-window' })
  )
  if (c.kind === 'full') return c.snapshot
  if (c.kind === 'same') return have
  const next = patchSnapshot(have, c)
  expect(next, 'changes since the version the window named apply to it').not.toBeNull()
  return next!
}

/** A section's first line as the copy has it (its heading line; '' for the preamble). */
function headingLine(snap: Snapshot, i: number): string {
  if (snap.sections[i].id === 'preamble') return ''
  const t = snap.text.slice(snap.sections[i].from, snap.sections[i].to)
  return t.slice(0, t.indexOf('\n') + 1)
}

describe('a window follows its own saves from their answers', () => {
  it('a new heading and a merged section: the copy equals the file, with no read', async () => {
    await fs.writeFile(
      path.join(ws.root(), DOC),
      'Intro\r\n\r\n# Budget\r\n\r\nMoney\r\n\r\n## Risks\r\n\r\nSome\r\n'
    )
    const { d } = await ws.open('bob')
    let have = await openDoc(d, 'w')
    const split = await saveRun(
      d,
      'w',
      have,
      ['budget'],
      '# Budget\n\nMoney — €1 😀\n\n### Travel\n\nTrains 漢字\n\n'
    )
    expect(split.run.map((s) => s.id)).toEqual(['budget', 'travel'])
    have = patchSavedRun(have, ['budget'], split)!
    expect(have).not.toBeNull()
    expect(have.text).toBe(await fs.readFile(path.join(ws.root(), DOC), 'utf8'))
    expect(content(have)).toEqual(content(await openDoc(d, 'w')))

    const merged = await saveRun(d, 'w', have, ['travel', 'risks'], '### Travel\n\nTrains, and some risks\n')
    expect(merged.retired).toEqual(['risks'])
    have = patchSavedRun(have, ['travel', 'risks'], merged)!
    expect(have).not.toBeNull()
    expect(have.text).toBe(await fs.readFile(path.join(ws.root(), DOC), 'utf8'))
    expect(content(have)).toEqual(content(await openDoc(d, 'w')))
  })

  it("after its own save, another writer's save reaches the window as the changed section, not the whole document", async () => {
    const { d } = await ws.open('bob')
    const ann = await ws.open('ann')
    let have = await openDoc(d, 'w')
    have = patchSavedRun(have, ['budget'], await saveRun(d, 'w', have, ['budget'], '# Budget\n\nMine\n\n'))!
    await saveRun(ann.d, 'a', await openDoc(ann.d, 'a'), ['risks'], '## Risks\n\nTheirs\n')
    const c = ok<ResponseOf<'documents:changes'>>(
      await d.call('documents:changes', { document: DOC, since: have.fileSha256 }, { clientId: 'w' })
    )
    expect(c.kind).toBe('sections')
    if (c.kind === 'sections') expect(c.changed.map((x) => x.id)).toEqual(['risks'])
  })

  it('an answer onto a version the copy does not have is refused (the window asks what changed)', async () => {
    const { d } = await ws.open('bob')
    const ann = await ws.open('ann')
    const have = await openDoc(d, 'w')
    await saveRun(ann.d, 'a', await openDoc(ann.d, 'a'), ['risks'], '## Risks\n\nFewer\n')
    const mine = await saveRun(d, 'w', await openDoc(d, 'other'), ['budget'], '# Budget\n\nLess\n\n')
    expect(mine.baseFileSha256).not.toBe(have.fileSha256)
    expect(patchSavedRun(have, ['budget'], mine)).toBeNull()
  })

  it('over random own and other saves, a window following by answers and changes ends equal to the file', async () => {
    const { d } = await ws.open('bob')
    const ann = await ws.open('ann')
    const body = fc.array(fc.constantFrom('word', 'é', '😀', '漢字', '\r\n', '\n', '  ', 'x'), {
      maxLength: 10
    })
    const step = fc.record({
      mine: fc.boolean(),
      pick: fc.nat(),
      body,
      heading: fc.boolean(), // the saved text adds a heading (the run splits)
      merge: fc.boolean(), // the next section is saved with it, its heading gone (it retires)
      windowLooks: fc.boolean()
    })
    const seen = { answers: 0, refused: 0 }
    let n = 0
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        let have = await openDoc(d, 'bob-window')
        for (const st of steps) {
          const writer = st.mine ? d : ann.d
          const theirs = st.mine ? have : await openDoc(ann.d, 'ann-window')
          const i = st.pick % theirs.sections.length
          const ids = [theirs.sections[i].id]
          if (st.merge && i + 1 < theirs.sections.length) ids.push(theirs.sections[i + 1].id)
          const added = st.heading ? `\n#### Added ${++n}\n\nmore\n` : ''
          const text = `${headingLine(theirs, i)}${st.body.join('')}\n${added}`
          // A window's own save can be refused when its copy is behind (a base the file no longer has).
          const saved = await saveRun(writer, st.mine ? 'bob-window' : 'ann-window', theirs, ids, text).catch(
            () => null
          )
          if (st.mine && saved) {
            const next = patchSavedRun(have, ids, saved)
            if (saved.baseFileSha256 === have.fileSha256) expect(next).not.toBeNull()
            if (next) {
              seen.answers++
              have = next
              continue
            }
            seen.refused++
          } else if (!st.windowLooks) continue // this event was missed
          have = await follow(d, have)
        }
        have = await follow(d, have)
        expect(content(have)).toEqual(content(await openDoc(d, 'bob-window')))
        expect(have.text).toBe(await fs.readFile(path.join(ws.root(), DOC), 'utf8'))
      }),
      { numRuns: Number(process.env.CHANGES_RUNS ?? 40) }
    )
    expect(seen.answers).toBeGreaterThan(0)
  }, 120_000)
})
