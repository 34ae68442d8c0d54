/**
 * `checkedBySplice` accepts another instance's saved index exactly when redoing the save proves it:
 * it accepts every real save from the version held here (unless the full check would rebuild its
 * ids), and whatever it accepts, a full parse agrees with (the index tells the truth, ids included).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildIndex, clearIndexCache, type SectionIndex } from '../sections/section-index'
import { spliceRun } from '../sections/splice'
import { documentArb, lines, replacementArb } from '../../../test/harness/markdown-arbitraries'
import { idProblems, indexProblems } from './index-check'
import { checkedBySplice } from './splice-check'

/** What someone who forged or botched an index might store instead. */
function tampered(index: SectionIndex, how: number): SectionIndex {
  const s = index.sections.map((x) => ({ ...x }))
  const k = how % s.length
  switch (how % 5) {
    case 0:
      if (s.length > 2) [s[1].id, s[2].id] = [s[2].id, s[1].id]
      break
    case 1:
      s[k].heading += ' x'
      break
    case 2:
      if (k > 0) s[k].start += 1
      break
    case 3:
      s[k].id = `${s[k].id}-forged`
      break
    default:
      s.splice(k, 1)
  }
  return { ...index, sections: s }
}

describe('checkedBySplice', () => {
  it('accepts each save from the checked version, and never accepts what a full parse refuses', () => {
    let accepted = 0
    let saves = 0
    let forgedRefused = 0
    fc.assert(
      fc.property(
        documentArb,
        fc.nat(),
        fc.nat(),
        replacementArb,
        lines(3),
        fc.nat(),
        (d, pick, width, repl, more, how) => {
          clearIndexCache()
          const before = buildIndex(d.buf, null)
          const i = pick % before.sections.length
          const j = i + (width % Math.min(3, before.sections.length - i))
          const ids = before.sections.slice(i, j + 1).map((s) => s.id)
          const text = repl + (more.length ? `\n${more.join('\n')}\n` : '')
          const runText = i === 0 ? text.replace(/^[^\n]*\n?/, '') : text
          let saved
          try {
            saved = spliceRun(d.buf, before, ids, runText)
          } catch {
            return // refused by the save itself
          }
          if (saved.buffer.equals(d.buf)) return // nothing changed: no new version to check
          saves++
          clearIndexCache() // the check must not lean on a parse cached by the save
          const prev = { buf: d.buf, index: before }
          // Every save is accepted, but one whose ids the full check rebuilds too (two headings
          // carrying each other's ids), so every instance keeps the same ids.
          const ok = checkedBySplice(prev, saved.buffer, saved.index)
          expect(ok).toBe(idProblems(saved.index).length === 0)
          if (ok) accepted++
          const forged = tampered(saved.index, how)
          if (checkedBySplice(prev, saved.buffer, forged)) {
            expect(indexProblems(saved.buffer, forged)).toEqual([])
          } else forgedRefused++
        }
      ),
      { numRuns: Number(process.env.SPLICE_RUNS ?? 400) }
    )
    expect(saves).toBeGreaterThan(100)
    expect(accepted).toBeGreaterThan(saves * 0.9)
    expect(forgedRefused).toBeGreaterThan(50)
  })

  it('leaves an outside edit (not a splice of this version) to the full parse, or agrees with it', () => {
    fc.assert(
      fc.property(documentArb, documentArb, (a, b) => {
        clearIndexCache()
        const before = buildIndex(a.buf, null)
        const after = buildIndex(b.buf, before) // the outside edit's reconciled index
        if (checkedBySplice({ buf: a.buf, index: before }, b.buf, after))
          expect(indexProblems(b.buf, after)).toEqual([])
      }),
      { numRuns: 300 }
    )
  })
})
