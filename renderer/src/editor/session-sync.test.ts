import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { LockView } from '../../../shared/contract'
import { sectionLocks } from './lock-state'
import { holderPatch, holdersFor, sectionsOfSnapshot } from './session-sync'
import { sectionIndex } from './section-index'
import { lockedState } from './test-support'
import type { Who } from './test-support'

const NOW = Date.parse('2026-11-29T12:00:00Z')

function lock(kind: 'section' | 'document', sectionId: string | null, user = 'Bob'): LockView {
  return {
    kind,
    document: 'doc.md',
    sectionId,
    holder: { ownerId: `${user}-1`, user, host: 'pc', instanceId: 'i1', since: '2026-11-29T11:00:00Z' },
    lastHeartbeat: '2026-11-29T11:59:00Z',
    mine: false,
    mineElsewhere: false,
    stale: false
  }
}

/** Who shows as the holder of each section after applying `locks` the way the session does. */
function applied(who: Parameters<typeof lockedState>[0], locks: LockView[]): Record<string, string | null> {
  let { state } = lockedState(who)
  const spec = holderPatch(state, holdersFor(sectionLocks(state), locks, NOW))
  if (spec) state = state.update(spec).state
  return Object.fromEntries(sectionLocks(state).map((s) => [s.id, s.holder?.user ?? null]))
}

describe('holdersFor / holderPatch', () => {
  it('leaves out sections that show no holder and get none, and keeps those that change', () => {
    const { state } = lockedState({ a: 'ann' })
    const holders = holdersFor(sectionLocks(state), [lock('section', 'b')], NOW)
    // a: Ann's badge goes (null); b: Bob's comes; preamble and c: nothing to do, not listed.
    expect([...holders.keys()].sort()).toEqual(['a', 'b'])
    expect(holders.get('a')).toBeNull()
    expect(holders.get('b')?.user).toBe('Bob')
  })

  it('puts holders on, takes gone ones off, and leaves this window’s own sections alone', () => {
    expect(applied({ a: 'ann', c: 'mine' }, [lock('section', 'b'), lock('section', 'c')])).toEqual({
      preamble: null,
      a: null,
      b: 'Bob',
      c: null
    })
  })

  it('gives every section this window does not hold to the holder of the document lock', () => {
    expect(applied({ b: 'mine' }, [lock('document', null, 'Cy')])).toEqual({
      preamble: 'Cy',
      a: 'Cy',
      b: null,
      c: 'Cy'
    })
  })

  it('is no transaction at all when nobody else holds anything and no badge shows', () => {
    const { state } = lockedState({ a: 'mine' })
    expect(holdersFor(sectionLocks(state), [], NOW).size).toBe(0)
    expect(holderPatch(state, holdersFor(sectionLocks(state), [], NOW))).toBeNull()
    // A badge that shows is taken off even when the lock list is empty.
    expect(applied({ b: 'ann' }, [])).toEqual({ preamble: null, a: null, b: null, c: null })
  })
})

describe('sectionsOfSnapshot', () => {
  const text = 'Intro é\r\n\r\n# A 😀\r\nmine\r\n# B\r\nbob’s\r\n# C\r\nfree\r\n'
  const cut = (at: string) => text.indexOf(at)
  const section = (id: string, from: number, to: number) => ({
    id,
    level: id === 'preamble' ? 0 : 1,
    heading: id === 'preamble' ? '' : id.toUpperCase(),
    from,
    to,
    sha256: id.repeat(64).slice(0, 64)
  })
  const snapshot = (locks: LockView[]) => ({
    document: 'doc.md',
    fileSha256: 'f'.repeat(64),
    text,
    sections: [
      section('preamble', 0, cut('# A')),
      section('a', cut('# A'), cut('# B')),
      section('b', cut('# B'), cut('# C')),
      section('c', cut('# C'), text.length)
    ],
    locks,
    readOnly: null
  })

  it('puts each section at its editor positions (a CRLF one) with its phase, holder and saved text', () => {
    const editor = text.replace(/\r\n/g, '\n')
    const mine = { ...lock('section', 'a', 'Me'), mine: true }
    const got = sectionsOfSnapshot(snapshot([mine, lock('section', 'b')]), NOW)
    expect(got.map((s) => editor.slice(s.from, s.to))).toEqual([
      'Intro é\n\n',
      '# A 😀\nmine\n',
      '# B\nbob’s\n',
      '# C\nfree\n'
    ])
    expect(got.map((s) => s.phase)).toEqual(['free', 'held', 'other', 'free'])
    expect(got[1]).toMatchObject({ editable: true, saved: '# A 😀\nmine\n', sha: 'a'.repeat(64) })
    expect(got[2]).toMatchObject({ editable: false, holder: { user: 'Bob' } })
    expect(got[3].holder).toBeUndefined()
  })

  it('the document lock of someone else shows on every section; none: all free', () => {
    expect(sectionsOfSnapshot(snapshot([lock('document', null)]), NOW).map((s) => s.holder?.user)).toEqual([
      'Bob',
      'Bob',
      'Bob',
      'Bob'
    ])
    expect(sectionsOfSnapshot(snapshot([]), NOW).every((s) => s.phase === 'free' && !s.editable)).toBe(true)
  })
})

describe('holdersFor with the section index', () => {
  it('gives the holders the whole scan gives, through any sequence of lock lists', () => {
    const ids = ['preamble', 'a', 'b', 'c']
    const who = fc.constantFrom<Who>('mine', 'ann', 'free')
    const lockList = fc.array(
      fc.record({
        doc: fc.boolean(),
        id: fc.constantFrom(...ids),
        user: fc.constantFrom('Bob', 'Cy'),
        mine: fc.boolean()
      }),
      { maxLength: 4 }
    )
    fc.assert(
      fc.property(
        fc.tuple(who, who, who, who),
        fc.array(lockList, { minLength: 1, maxLength: 6 }),
        (w, steps) => {
          let { state } = lockedState(Object.fromEntries(ids.map((id, i) => [id, w[i]])))
          for (const step of steps) {
            const locks = step.map((l) => ({
              ...lock(l.doc && l.mine ? 'document' : 'section', l.doc && l.mine ? null : l.id, l.user),
              mine: !l.doc && l.mine
            }))
            const sections = sectionLocks(state)
            const indexed = holdersFor(sections, locks, NOW, sectionIndex(sections))
            expect(new Map([...indexed].sort())).toEqual(
              new Map([...holdersFor(sections, locks, NOW)].sort())
            )
            const spec = holderPatch(state, indexed)
            if (spec) state = state.update(spec).state
          }
        }
      ),
      { numRuns: 2000 }
    )
  })
})
