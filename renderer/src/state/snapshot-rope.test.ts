/**
 * The window's copy spliced on a rope (snapshot-rope.ts) against the string splice it replaced
 * (patchSnapshot, patchSavedRun): random chains of others' saves and this window's own saves, over
 * texts with CRLF, lone CRs and characters outside the BMP, with the text read at random moments.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ResponseOf } from '../../../shared/contract'
import { patchSavedRun, patchSnapshot } from '../../../shared/patch-snapshot'
import { utf8Length } from '../../../shared/section-ranges'
import { patchRope, patchSavedRope, withLocks } from './snapshot-rope'

type Snapshot = ResponseOf<'documents:open'>
type Changes = Extract<ResponseOf<'documents:changes'>, { kind: 'sections' }>
type SaveAnswer = ResponseOf<'sections:save'>

const piece = fc.constantFrom('# H\n', 'text', '\r\n', '\n', '\r', 'é', '😀', '', 'x\n\n')
const sectionText = fc.array(piece, { maxLength: 6 }).map((p) => p.join(''))

const step = fc.oneof(
  fc.record({
    kind: fc.constant('changes' as const),
    picks: fc.array(fc.nat(), { maxLength: 3 }),
    texts: fc.array(sectionText, { minLength: 3, maxLength: 3 }),
    read: fc.boolean()
  }),
  fc.record({
    kind: fc.constant('saved' as const),
    at: fc.nat(),
    count: fc.integer({ min: 1, max: 2 }),
    texts: fc.array(sectionText, { minLength: 1, maxLength: 2 }),
    read: fc.boolean()
  }),
  fc.record({ kind: fc.constant('locks' as const), read: fc.boolean() })
)

function start(texts: string[]): Snapshot {
  let at = 0
  const sections = texts.map((t, i) => {
    const s = { id: `s${i}`, level: 1, heading: `S${i}`, sha256: `v0-${i}`, from: at, to: at + t.length }
    at += t.length
    return s
  })
  return {
    document: 'd.md',
    fileSha256: 'f0',
    text: texts.join(''),
    sections,
    locks: [],
    readOnly: null
  } as unknown as Snapshot
}

let version = 0
describe('the copy on a rope', () => {
  it('equals the string splice after any chain of saves, read or not in between', () => {
    fc.assert(
      fc.property(
        fc.array(sectionText, { minLength: 1, maxLength: 6 }),
        fc.array(step, { maxLength: 8 }),
        (texts, steps) => {
          let plain: Snapshot = start(texts)
          let rope: Snapshot = plain
          for (const st of steps) {
            const n = plain.sections.length
            const next = `f${++version}`
            if (st.kind === 'changes') {
              const ids = [...new Set(st.picks.map((p) => plain.sections[p % n].id))]
              const changes = {
                kind: 'sections',
                since: plain.fileSha256,
                fileSha256: next,
                changed: ids.map((id, k) => ({
                  id,
                  level: 2,
                  heading: `H${k}`,
                  sha256: `${next}-${id}`,
                  text: st.texts[k]
                })),
                locks: []
              } as unknown as Changes
              plain = patchSnapshot(plain, changes)!
              rope = patchRope(rope, changes)!
            } else if (st.kind === 'saved') {
              const first = st.at % n
              const ids = plain.sections.slice(first, first + st.count).map((s) => s.id)
              const runText = st.texts.join('')
              let byte = 1000
              const run = st.texts.map((t, k) => {
                const s = {
                  id: k === 0 ? ids[0] : `n${version}-${k}`,
                  level: 1,
                  heading: 'R',
                  sha256: `${next}-r${k}`,
                  start: byte,
                  end: byte + utf8Length(t)
                }
                byte = s.end
                return s
              })
              const answer = {
                fileSha256: next,
                baseFileSha256: plain.fileSha256,
                run,
                runText
              } as unknown as SaveAnswer
              plain = patchSavedRun(plain, ids, answer)!
              rope = patchSavedRope(rope, ids, answer)!
            } else {
              const locks = [{ kind: 'document' }] as unknown as Snapshot['locks']
              plain = { ...plain, locks }
              rope = withLocks(rope, locks)
            }
            expect(plain).not.toBeNull()
            const { text: _a, ...p } = plain
            const { text: _b, ...r } = Object.getOwnPropertyDescriptors(rope)
            expect(Object.fromEntries(Object.entries(r).map(([k, d]) => [k, d.value]))).toEqual(p)
            if (st.read) expect(rope.text).toBe(plain.text)
          }
          expect(rope.text).toBe(plain.text)
          expect(rope).toEqual(plain)
        }
      ),
      { numRuns: 2000 }
    )
  })
})
