/**
 * `sectionListSchema` and `snapshotSectionListSchema` (one plain loop each, for documents of tens of
 * thousands of sections) accept and refuse exactly what `z.array(sectionSchema)` and
 * `z.array(snapshotSectionSchema)` do.
 */
import fc from 'fast-check'
import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import {
  sectionListSchema,
  sectionSchema,
  snapshotSectionListSchema,
  snapshotSectionSchema
} from './contract'

const anyValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(Number.NaN),
  fc.constant(Infinity),
  fc.constant(2 ** 60),
  fc.constant([]),
  fc.constant({})
)
const field = (good: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: anyValue })
const section = fc.record(
  {
    id: field(fc.string()),
    level: field(fc.integer({ min: 0, max: 6 })),
    heading: field(fc.string()),
    startLine: field(fc.nat()),
    endLine: field(fc.nat()),
    start: field(fc.nat()),
    end: field(fc.nat()),
    sha256: field(fc.string())
  },
  { requiredKeys: ['id', 'level', 'heading', 'startLine', 'endLine', 'start', 'end'] }
)

/**
 * Random lists of `item` (and any other value) are accepted by `fast` exactly when `z.array` of
 * `schema` accepts them; enough of both kinds are seen for the agreement to mean something.
 */
function expectAgreement(fast: z.ZodType, schema: z.ZodType, item: fc.Arbitrary<unknown>): void {
  const reference = z.array(schema)
  let accepted = 0
  let refused = 0
  fc.assert(
    fc.property(
      fc.oneof(
        { weight: 8, arbitrary: fc.array(item, { maxLength: 4 }) },
        { weight: 1, arbitrary: anyValue }
      ),
      (v) => {
        const want = reference.safeParse(v).success
        expect(fast.safeParse(v).success).toBe(want)
        if (want) accepted++
        else refused++
      }
    ),
    { numRuns: 2000 }
  )
  expect(accepted).toBeGreaterThan(100)
  expect(refused).toBeGreaterThan(100)
}

describe('sectionListSchema', () => {
  it('agrees with z.array(sectionSchema) on random lists, values and near-misses', () => {
    expectAgreement(sectionListSchema, sectionSchema, section)
  })
})

const snapshotSection = fc.record(
  {
    id: field(fc.string()),
    level: field(fc.integer({ min: 0, max: 6 })),
    heading: field(fc.string()),
    from: field(fc.nat()),
    to: field(fc.nat()),
    sha256: field(fc.string())
  },
  { requiredKeys: ['id', 'level', 'heading', 'from', 'to'] }
)

describe('snapshotSectionListSchema', () => {
  it('agrees with z.array(snapshotSectionSchema) on random lists, values and near-misses', () => {
    expectAgreement(snapshotSectionListSchema, snapshotSectionSchema, snapshotSection)
  })
})
