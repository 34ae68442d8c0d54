import { promises as fs } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../shared/errors'
import type { ResponseOf } from '../../../shared/contract'
import { DOC, TEXT, dispatcherWorkspace, fail, ok } from '../../../test/harness/dispatcher-harness'

const ws = dispatcherWorkspace()

type Answer = ResponseOf<'search:query'>

/** Asks until the index is built (the first query starts the build and answers from what is there). */
async function search(call: (q: unknown) => Promise<Answer>, query: string): Promise<Answer> {
  for (;;) {
    const r = await call({ query })
    if (!r.building) return r
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('search:query', () => {
  it('refuses bad queries with a validation error and changes nothing', async () => {
    const { d } = await ws.open('ann')
    const ctx = { clientId: 'w1' }
    const bad: unknown[] = [
      {},
      { query: '' },
      { query: '   ' },
      { query: 42 },
      { query: 'x'.repeat(501) },
      { query: 'budget', limit: 0 },
      { query: 'budget', limit: 1.5 },
      { query: 'budget', limit: 10_000 },
      { query: 'budget', extra: true },
      'budget',
      null
    ]
    for (const payload of bad) {
      const e = fail(await d.call('search:query', payload, ctx))
      expect(e.code, JSON.stringify(payload)).toBe(ErrorCode.Validation)
      expect(e.message).toMatch(/^Invalid request for search:query/)
    }
    expect(await fs.readFile(path.join(ws.root(), DOC), 'utf8')).toBe(TEXT)
    expect((await fs.readdir(ws.root())).filter((n) => !n.startsWith('.'))).toEqual([DOC])
  })

  it('answers sections grouped by document with their holder, and finds a save in the next query', async () => {
    const { d } = await ws.open('ann')
    const bob = await ws.open('bob')
    const call = (q: unknown) => d.call('search:query', q, { clientId: 'w1' }).then((r) => ok<Answer>(r))
    expect(await search(call, 'money')).toMatchObject({
      indexed: 1,
      total: 1,
      building: false,
      results: [{ document: DOC, sections: [{ sectionId: 'budget', heading: 'Budget', holder: null }] }]
    })
    // Bob holds "Budget": the result says so.
    ok(await bob.d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, { clientId: 'b' }))
    const held = await search(call, 'money')
    expect(held.results[0].sections[0].holder).toMatchObject({ user: 'bob' })
    // Ann saves "Risks" in her window: her next search finds the new text.
    const snap = ok<{ sections: { id: string; sha256: string }[] }>(
      await d.call('documents:open', { document: DOC }, { clientId: 'w1' })
    )
    ok(await d.call('locks:acquire', { document: DOC, sectionId: 'risks' }, { clientId: 'w1' }))
    const base = snap.sections.find((x) => x.id === 'risks')?.sha256
    ok(
      await d.call(
        'sections:save',
        { document: DOC, sectionId: 'risks', baseSha256: base, text: '## Risks\n\nFloods.\n' },
        { clientId: 'w1' }
      )
    )
    // The query waits for the save's re-indexing (announced by the save itself, not the watcher).
    const found = await call({ query: 'floods' })
    expect(found.results[0].sections[0]).toMatchObject({ sectionId: 'risks', holder: { user: 'ann' } })
  })
})
