/**
 * Issue 13: file-system steps in a row of an uncontended section lock and of a save, counted by
 * holding each round of file-system calls until the round before has answered (test/harness/
 * fs-steps.ts) — what their time is made of on a busy machine or a network mount, independent of
 * the load. A change that adds a step in a row fails here; one that saves a step lowers the bound.
 */
import { describe, expect, it } from 'vitest'
import { stepsInARow } from '../../test/harness/fs-steps'
import { servicesWorkspace } from '../../test/harness/services-workspace'

const DOC = 'plan.md'
const TEXT = Array.from({ length: 20 }, (_, i) => `# Part ${i}\n\nText of part ${i}.\n\n`).join('')
const ws = servicesWorkspace('steps', { [DOC]: TEXT })

describe('steps in a row', () => {
  it('an uncontended acquire+release of a section lock this instance released last: 11', async () => {
    const s = await ws.open('ann')
    const id = (await s.documents.read(DOC)).sections[5].id
    const cycle = async () => s.locks.release(await s.locks.acquireSection(DOC, id))
    for (let i = 0; i < 3; i++) await cycle()
    const steps = await stepsInARow(cycle, 10)
    console.log(`acquire+release: ${steps} steps in a row`)
    expect(steps).toBeLessThanOrEqual(11) // 18 before 2026-11-30
  })

  it('saving one section (write mutex, read, checks, intent, document, version, index, release): about 29', async () => {
    const s = await ws.open('ann')
    const id = (await s.documents.read(DOC)).sections[5].id
    const lock = await s.locks.acquireSection(DOC, id)
    let base = (await s.documents.section(DOC, id)).section.sha256
    let n = 0
    const save = async () => {
      base = (await s.documents.saveSection(lock, base, `# Part 5\n\nEdit ${n++}.\n\n`)).section.sha256
    }
    for (let i = 0; i < 3; i++) await save()
    const steps = await stepsInARow(save, 10)
    console.log(`save: ${steps} steps in a row`)
    expect(steps).toBeLessThanOrEqual(29) // 42 before 2026-11-30
  })
})
