/**
 * `storedIndexOf` (plain loops, for indexes of tens of thousands of sections) accepts and refuses
 * exactly what the zod schema it replaced did, and keeps only the fields that schema kept.
 */
import fc from 'fast-check'
import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { storedIndexOf } from './index-store'

/** The schema `IndexStore.read` used before (zod strips keys it does not know). */
const referenceSection = z.object({
  id: z.string().min(1),
  level: z.number().int().min(0).max(6),
  heading: z.string(),
  startLine: z.number().int().nonnegative(),
  endLine: z.number().int().nonnegative(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  sha256: z.string(),
  bodySha256: z.string().optional()
})
const reference = z.object({
  format: z.literal(1),
  fileSha256: z.string(),
  fileSize: z.number().int().nonnegative(),
  sections: z.array(referenceSection).min(1),
  retired: z.array(z.string())
})

const anyValue = fc.oneof(
  fc.string(),
  fc.integer({ min: -3, max: 9 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(Number.NaN),
  fc.constant(-0),
  fc.constant(2 ** 60),
  fc.constant([]),
  fc.constant({})
)
const field = (good: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 15, arbitrary: good }, { weight: 1, arbitrary: anyValue })
const section = fc.record(
  {
    id: field(fc.string({ maxLength: 3 })),
    level: field(fc.integer({ min: 0, max: 6 })),
    heading: field(fc.string()),
    startLine: field(fc.nat()),
    endLine: field(fc.nat()),
    start: field(fc.nat()),
    end: field(fc.nat()),
    sha256: field(fc.string()),
    bodySha256: field(fc.string()),
    extra: fc.string()
  },
  { requiredKeys: ['id', 'level', 'heading', 'startLine', 'endLine', 'start', 'end', 'sha256'] }
)
const index = fc.record(
  {
    format: field(fc.constant(1)),
    fileSha256: field(fc.string()),
    fileSize: field(fc.nat()),
    sections: field(fc.array(section, { maxLength: 3 })),
    retired: field(fc.array(field(fc.string()), { maxLength: 2 })),
    extra: fc.string()
  },
  { requiredKeys: ['format', 'fileSha256', 'fileSize', 'sections', 'retired'] }
)

describe('storedIndexOf', () => {
  it('agrees with the zod schema it replaced on random indexes, values and near-misses', () => {
    let accepted = 0
    let refused = 0
    fc.assert(
      fc.property(fc.oneof({ weight: 12, arbitrary: index }, { weight: 1, arbitrary: anyValue }), (value) => {
        // What `IndexStore.read` gives it: parsed JSON (no undefined, no NaN).
        const json = JSON.stringify(value)
        const v: unknown = json === undefined ? value : JSON.parse(json)
        const want = reference.safeParse(v)
        const got = storedIndexOf(v)
        if (want.success) {
          accepted++
          expect(got).toStrictEqual(want.data)
        } else {
          refused++
          expect(got).toBeNull()
        }
      }),
      { numRuns: 3000 }
    )
    expect(accepted).toBeGreaterThan(100)
    expect(refused).toBeGreaterThan(100)
  })
})
