/**
 * Names a file operation refuses, table-driven, on a real folder: each refusal is a
 * ValidationError (or PathOutsideError for paths leaving the workspace) and changes nothing.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PathOutsideError, ValidationError } from '../../../shared/errors'
import { servicesWorkspace } from '../../../test/harness/services-workspace'

const ws = servicesWorkspace('names', { 'plan.md': '# A\n', 'Notes.md': '# B\n' })

/** [target, what the message says] */
const REFUSED: [string, RegExp][] = [
  ['a/b\\c.md', /contains \\/],
  ['../outside.md', /climb out/],
  ['/etc/passwd.md', /absolute/],
  ['C:/x.md', /absolute/],
  ['sub//x.md', /empty/],
  ['CON.md', /device name on Windows/],
  ['con', /device name/],
  ['lpt9.md', /device name/],
  ['folder/aux.txt.md', /device name/],
  ['com1/x.md', /device name/],
  ['trailing.md.', /ends with a dot or a space/],
  ['space .md ', /ends with a dot or a space/],
  ['dir./x.md', /ends with a dot/],
  ['tab\there.md', /control character/],
  ['line\nbreak.md', /control character/],
  ['invoice\u202egpj.md', /direction override/],
  ['what?.md', /Windows does not allow/],
  ['.hidden.md', /starts with a dot/],
  ['.sectioned/x.md', /starts with a dot/],
  ['notes.md', /differs only in case from “Notes\.md”/],
  ['PLAN.md', /differs only in case from “plan\.md”/],
  ['Notes.md', /already exists/],
  ['plan.txt', /must end in \.md/],
  ['plan', /must end in \.md/],
  [`${'x'.repeat(260)}.md`, /longer than 255 bytes/]
]

describe('name refusals', () => {
  // `PLAN.md` is plan.md's own case-only rename (allowed; file-ops.test.ts), so not refused here.
  it.each(REFUSED.filter(([t]) => t !== 'PLAN.md'))(
    'refuses renaming plan.md to %j',
    async (target, message) => {
      const ann = await ws.open('ann')
      const before = (await fs.readdir(ws.root())).sort()
      const err = await ann.files.rename('plan.md', target).catch((e: unknown) => e)
      expect(err instanceof ValidationError || err instanceof PathOutsideError).toBe(true)
      expect((err as Error).message).toMatch(message)
      expect((await fs.readdir(ws.root())).sort()).toEqual(before)
    }
  )

  it.each(REFUSED)('refuses creating %j', async (target, message) => {
    const ann = await ws.open('ann')
    await expect(ann.files.create(target, 'x')).rejects.toThrow(message)
    expect((await fs.readdir(ws.root())).sort()).toEqual(['.sectioned', 'Notes.md', 'plan.md'])
  })

  it('refuses a folder whose name differs only in case from an existing one', async () => {
    const ann = await ws.open('ann')
    await fs.mkdir(path.join(ws.root(), 'Drafts'))
    await expect(ann.files.mkdir('drafts')).rejects.toThrow(/differs only in case from “Drafts”/)
    await expect(ann.files.create('drafts/x.md')).rejects.toThrow(/differs only in case/)
    await expect(ann.files.mkdir('nul')).rejects.toThrow(/device name/)
  })

  it('renames a document in case only, but never moves it into its folder spelled in another case', async () => {
    const ann = await ws.open('ann')
    await fs.mkdir(path.join(ws.root(), 'Drafts'))
    await fs.writeFile(path.join(ws.root(), 'Drafts', 'x.md'), '# X\n')
    // The folder is not the entry being renamed: `drafts/` would be a second folder here.
    await expect(ann.files.rename('Drafts/x.md', 'drafts/x.md')).rejects.toThrow(
      /“drafts\/x\.md” differs only in case from “Drafts”/
    )
    expect((await fs.readdir(ws.root())).sort()).toEqual(['.sectioned', 'Drafts', 'Notes.md', 'plan.md'])
    await ann.files.rename('Drafts/x.md', 'Drafts/X.md')
    expect(await fs.readdir(path.join(ws.root(), 'Drafts'))).toEqual(['X.md'])
  })
})
