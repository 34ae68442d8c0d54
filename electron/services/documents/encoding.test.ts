import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ValidationError } from '../../../shared/errors'
import type { Identity } from '../../../shared/types'
import { openWorkspace, type AppServices } from '../app-services'
import { FakeClock } from '../test-support/fake-clock'

let root: string
let ann: AppServices

const ident: Identity = {
  ownerId: 'ann',
  user: 'ann',
  host: 'pc',
  hostId: 'h',
  pid: process.pid,
  instanceId: 'i-ann'
}

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-encoding-'))
  ann = await openWorkspace({
    folder: root,
    identity: ident,
    clock: new FakeClock(),
    lockSettings: { idleTimeoutMs: 0 }
  })
})

afterEach(async () => {
  await ann.dispose()
  await fs.rm(root, { recursive: true, force: true })
})

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')
const cases: Record<string, { bytes: Buffer; reason: RegExp }> = {
  'PNG bytes': { bytes: PNG, reason: /not a text file/ },
  'UTF-16 with a byte-order mark': {
    bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('# Plan\n\nCafé\n', 'utf16le')]),
    reason: /UTF-16/
  },
  'Latin-1 (invalid UTF-8)': {
    bytes: Buffer.from('# Plan\n\nCaf\xe9 cr\xe8me\n', 'latin1'),
    reason: /not valid UTF-8/
  }
}

/** Tries every way the app writes a document; returns the errors. */
async function tryToWrite(doc: string, sectionId: string): Promise<unknown[]> {
  const errors: unknown[] = []
  const { section } = await ann.documents.section(doc, sectionId)
  const lock = await ann.locks.acquireSection(doc, sectionId)
  await ann.documents
    .saveSection(lock, section.sha256, `${section.heading ? '# Plan' : ''}\n\nnew\n`)
    .catch((e) => errors.push(e))
  await ann.locks.release(lock)
  return errors
}

describe('documents that are not UTF-8 text, or have a second name, open read-only', () => {
  for (const [what, { bytes, reason }] of Object.entries(cases)) {
    it(`${what}: read-only with the reason; a save is refused and the bytes stay exactly as they were`, async () => {
      const file = path.join(root, 'plan.md')
      await fs.writeFile(file, bytes)
      const snap = await ann.documents.read('plan.md')
      expect(snap.readOnly).toMatch(reason)
      expect(snap.readOnly).toContain('plan.md')
      const errors = await tryToWrite('plan.md', 'preamble')
      expect(errors).toHaveLength(1)
      expect(errors[0]).toBeInstanceOf(ValidationError)
      expect((await fs.readFile(file)).equals(bytes)).toBe(true)
      const history = path.join(root, '.sectioned', 'docs')
      const versions = (await fs.readdir(history, { recursive: true }).catch(() => [] as string[])).filter(
        (f) => /v\d{9}\.json$/.test(String(f))
      )
      expect(versions).toEqual([])
    })
  }

  it('a hard-linked document: read-only, the save refused, both names keep the same bytes', async () => {
    const text = '# Plan\n\nOne file, two names.\n'
    await fs.writeFile(path.join(root, 'plan.md'), text)
    await fs.link(path.join(root, 'plan.md'), path.join(root, 'copy.md'))
    const snap = await ann.documents.read('plan.md')
    expect(snap.readOnly).toMatch(/hard link/)
    const errors = await tryToWrite('plan.md', 'plan')
    expect(errors[0]).toBeInstanceOf(ValidationError)
    expect(await fs.readFile(path.join(root, 'copy.md'), 'utf8')).toBe(text)
    expect((await fs.stat(path.join(root, 'plan.md'))).nlink).toBe(2)
  })

  it('(contrast) a UTF-8 document, BOM or not, is editable', async () => {
    await fs.writeFile(path.join(root, 'plan.md'), '\ufeff# Plan\n\nCafé ✓\n')
    expect((await ann.documents.read('plan.md')).readOnly).toBeNull()
  })
})
