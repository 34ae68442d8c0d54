import { beforeEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { slug } from 'github-slugger'
import { assignIds, baseId, freshId } from './section-ids'
import { buildIndex, clearIndexCache, indexCacheSize, type SectionIndex } from './section-index'

const b = (s: string): Buffer => Buffer.from(s, 'utf8')
const ids = (index: SectionIndex): string[] => index.sections.map((s) => s.id)
const byHeading = (index: SectionIndex): Record<string, string> =>
  Object.fromEntries(index.sections.map((s) => [s.heading || '(preamble)', s.id]))

/** Reconciles like another instance would: no cache, previous index read back from JSON. */
function reconcile(buf: Buffer, previous: SectionIndex): SectionIndex {
  clearIndexCache()
  return buildIndex(buf, JSON.parse(JSON.stringify(previous)) as SectionIndex)
}

beforeEach(() => clearIndexCache())

describe('fresh ids', () => {
  it('uses the GitHub slug of the heading, the preamble id, and a fallback', () => {
    const index = buildIndex(b('intro\n# Hello, World!\n## Über Café\n### ???\n# Preamble\n'), null)
    expect(ids(index)).toEqual(['preamble', 'hello-world', 'über-café', 'section', 'preamble-2'])
  })

  it('makes duplicate headings distinct', () => {
    const index = buildIndex(b('# Notes\n# Notes\n# Notes 2\n# Notes\n'), null)
    expect(ids(index)).toEqual(['preamble', 'notes', 'notes-2', 'notes-2-2', 'notes-3'])
  })

  it('truncates long slugs and never yields a path separator', () => {
    expect(baseId('x'.repeat(80))).toBe('x'.repeat(48))
    expect(baseId('a/b\\c')).not.toMatch(/[/\\]/)
    expect(freshId('Intro', new Set(['intro', 'intro-2']))).toBe('intro-3')
  })

  it("ASCII headings (a shortcut) get exactly github-slugger's id", () => {
    // The general path, as baseId takes it for any heading with a non-ASCII character.
    const bySlugger = (h: string) => {
      const s = Array.from(slug(h).replace(/[/\\\p{Cc}]/gu, ''))
        .slice(0, 48)
        .join('')
      return /[\p{L}\p{N}]/u.test(s) ? s : 'section'
    }
    const every = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)).join('')
    for (const h of [every, ` ${every} `, 'A_b-C d', '---', '_', '  ', '', 'x'.repeat(60)])
      expect(baseId(h)).toBe(bySlugger(h))
    const ascii = fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)) })
    fc.assert(
      fc.property(ascii, (h) => baseId(h) === bySlugger(h)),
      { numRuns: 5_000 }
    )
    // Not ASCII: the general path, as before.
    expect(baseId('Über Café')).toBe('über-café')
  })
})

describe('reconciliation after an external edit', () => {
  const original = '# Intro\nhello\n\n## Budget\nnumbers\n\n## Plan\nsteps\n\n## Notes\nx\n'

  it('keeps every id when other sections are edited', () => {
    const before = buildIndex(b(original), null)
    const after = reconcile(
      b(original.replace('numbers', 'more numbers').replace('steps', 'new steps')),
      before
    )
    expect(ids(after)).toEqual(ids(before))
    expect(after.retired).toEqual([])
  })

  it('keeps existing ids when a section is inserted, even one with an existing heading', () => {
    const before = buildIndex(b(original), null)
    const inserted = original.replace('## Plan', '## Risks\nmany\n\n## Budget\nagain\n\n## Plan')
    const after = reconcile(b(inserted), before)
    expect(after.sections.map((s) => [s.heading, s.id])).toEqual([
      ['', 'preamble'],
      ['Intro', 'intro'],
      ['Budget', 'budget'],
      ['Risks', 'risks'],
      ['Budget', 'budget-2'],
      ['Plan', 'plan'],
      ['Notes', 'notes']
    ])
  })

  it('retires the id of a deleted section and never reuses it', () => {
    const before = buildIndex(b(original), null)
    const deleted = reconcile(b(original.replace('## Budget\nnumbers\n\n', '')), before)
    expect(ids(deleted)).toEqual(['preamble', 'intro', 'plan', 'notes'])
    expect(deleted.retired).toEqual(['budget'])
    const readded = reconcile(b(original), deleted)
    expect(byHeading(readded).Budget).toBe('budget-2')
    expect(readded.retired).toEqual(['budget'])
  })

  it('keeps the id of a renamed section (same body) and of a renamed and edited one', () => {
    const before = buildIndex(b(original), null)
    const renamed = reconcile(b(original.replace('## Budget', '## Money')), before)
    expect(byHeading(renamed).Money).toBe('budget')
    // Renamed and edited at once: recognised because it is the only change between two anchors.
    const both = reconcile(b(original.replace('## Plan\nsteps', '## Roadmap\nother steps')), before)
    expect(byHeading(both).Roadmap).toBe('plan')
    expect(ids(both)).toEqual(ids(before))
  })

  it('keeps duplicate ids in place when another duplicate is inserted before them', () => {
    const dup = '# A\n\n## Notes\none\n\n# B\n\n## Notes\ntwo\n'
    const before = buildIndex(b(dup), null)
    expect(ids(before)).toEqual(['preamble', 'a', 'notes', 'b', 'notes-2'])
    const after = reconcile(b(`## Notes\nzero\n\n${dup.replace('two', 'two, edited')}`), before)
    expect(after.sections.map((s) => s.id)).toEqual(['preamble', 'notes-3', 'a', 'notes', 'b', 'notes-2'])
  })

  it('keeps ids of sections moved unchanged', () => {
    const before = buildIndex(b(original), null)
    const moved = '# Intro\nhello\n\n## Plan\nsteps\n\n## Budget\nnumbers\n\n## Notes\nx\n'
    expect(byHeading(reconcile(b(moved), before))).toEqual(byHeading(before))
  })

  it('works with an index stored without body checksums', () => {
    const before = buildIndex(b(original), null)
    const stripped = { ...before, sections: before.sections.map(({ bodySha256: _, ...s }) => s) }
    const after = reconcile(b(original.replace('numbers', 'changed')), stripped)
    expect(ids(after)).toEqual(ids(before))
  })

  it('is deterministic: two instances reconciling the same edit agree', () => {
    const before = buildIndex(b(original), null)
    const edited = b('## Budget\nnumbers\n\n# Intro\nhello!\n\n## New\n\n## Plan\nsteps\n\n## Plan\n')
    const one = reconcile(edited, before)
    const two = reconcile(edited, before)
    expect(two).toEqual(one)
    expect(new Set(ids(one)).size).toBe(one.sections.length)
    expect(one.retired.every((id) => !ids(one).includes(id))).toBe(true)
  })

  it('assignIds gives a fresh id to the second holder of a duplicated previous id', () => {
    const section = { level: 1, heading: 'A', sha256: 'x', id: 'a' }
    const result = assignIds([{ level: 0, heading: '', sha256: 'p' }, section, { ...section, sha256: 'y' }], {
      sections: [{ level: 0, heading: '', sha256: 'p', id: 'preamble' }, section, section],
      retired: []
    })
    expect(result.ids).toEqual(['preamble', 'a', 'a-2'])
  })
})

describe('buildIndex', () => {
  it('returns copies: callers cannot change what later calls see', () => {
    const buf = b('# A\nx\n')
    const first = buildIndex(buf, null)
    first.sections[1].heading = 'mutated'
    first.sections[1].id = 'mutated'
    first.retired.push('junk')
    const second = buildIndex(buf, null)
    expect(second.sections[1]).toMatchObject({ heading: 'A', id: 'a' })
    expect(second.retired).toEqual([])
    const third = buildIndex(buf, second)
    expect(third).toEqual(second)
    expect(third).not.toBe(second)
    expect(third.sections[1]).not.toBe(second.sections[1])
  })

  it('keeps the cache bounded', () => {
    for (let k = 0; k < 20; k++) buildIndex(b(`# Doc ${k}\n`), null)
    expect(indexCacheSize()).toBeLessThanOrEqual(8)
  })

  it('records checksums of the section bytes', () => {
    const index = buildIndex(b('pre\n# A\nbody\n'), null)
    expect(index.fileSize).toBe(13)
    expect(index.sections[1].sha256).toBe(buildIndex(b('# A\nbody\n'), null).sections[1].sha256)
    expect(index.sections[1].bodySha256).not.toBe(index.sections[1].sha256)
  })
})

describe('reconciliation property', () => {
  const sectionArb = fc.record({
    level: fc.integer({ min: 1, max: 3 }),
    body: fc.array(fc.constantFrom<string>('text', 'more text', '', '- item', '```\n# code\n```'), {
      maxLength: 3
    })
  })
  const render = (s: { level: number; heading: string; body: string[] }): string =>
    `${'#'.repeat(s.level)} ${s.heading}\n${s.body.map((l) => `${l}\n`).join('')}\n`

  it('keeps every surviving id through an external insert, delete or body edit elsewhere', () => {
    fc.assert(
      fc.property(
        fc.array(sectionArb, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.constantFrom('insert', 'delete', 'edit'),
        (raw, pick, op) => {
          // Duplicate headings on purpose: every other section is called "Notes".
          const sections = raw.map((s, k) => ({ ...s, heading: k % 2 ? 'Notes' : `Part ${k}` }))
          const before = buildIndex(b(sections.map(render).join('')), null)
          const k = pick % sections.length
          const edited = [...sections]
          if (op === 'insert') edited.splice(k, 0, { level: 2, heading: 'Notes', body: ['inserted'] })
          if (op === 'delete') edited.splice(k, 1)
          if (op === 'edit') edited[k] = { ...edited[k], body: [...edited[k].body, 'edited'] }
          const after = reconcile(b(edited.map(render).join('')), before)
          const old = before.sections.slice(1).map((s) => s.id)
          const expected = [...old]
          if (op === 'insert') expected.splice(k, 0, after.sections[k + 1].id)
          if (op === 'delete') expected.splice(k, 1)
          expect(after.sections.slice(1).map((s) => s.id)).toEqual(expected)
          if (op === 'insert') expect(old).not.toContain(after.sections[k + 1].id)
          expect(after.retired).toEqual(op === 'delete' ? [old[k]] : [])
        }
      ),
      { numRuns: 300 }
    )
  })
})
