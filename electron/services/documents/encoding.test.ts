import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode, ValidationError } from '../../../shared/errors'
import type { Identity } from '../../../shared/types'
import { createDispatcher } from '../api/dispatcher'
import { openWorkspace, type AppServices } from '../app-services'
import { sha256Hex } from '../sections/section-index'
import { readOnlyReason } from './encoding'
import { FakeClock } from '../../../test/harness/fake-clock'

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

/** The history version files in the workspace (`v000000001.json`, …). */
async function versionFiles(): Promise<string[]> {
  const history = path.join(root, '.sectioned', 'docs')
  const all = await fs.readdir(history, { recursive: true }).catch(() => [] as string[])
  return all.map(String).filter((f) => /v\d{9}\.json$/.test(f))
}

/**
 * Tries every way the app writes a document — a save, a restore, a structure operation, and a
 * window taking a lock to edit through the dispatcher — and returns the errors, one per way.
 */
async function tryToWrite(doc: string, sectionId: string): Promise<unknown[]> {
  const errors: unknown[] = []
  const { section } = await ann.documents.section(doc, sectionId)
  const lock = await ann.locks.acquireSection(doc, sectionId)
  await ann.documents
    .saveSection(lock, section.sha256, `${section.heading ? '# Plan' : ''}\n\nnew\n`)
    .catch((e) => errors.push(e))
  await ann.documents.restoreVersion(lock, 1, section.sha256).catch((e) => errors.push(e))
  await ann.locks.release(lock)
  const docLock = await ann.locks.acquireDocument(doc)
  await ann.structure.deleteSection(docLock, sectionId).catch((e) => errors.push(e))
  await ann.locks.release(docLock)
  const d = createDispatcher(ann)
  try {
    const w = { clientId: 'w' }
    const open = await d.call('documents:open', { document: doc }, w)
    if (!open.ok || !(open.value as { readOnly: string | null }).readOnly)
      errors.push(new Error('documents:open did not say read-only'))
    for (const id of [sectionId, null]) {
      const r = await d.call('locks:acquire', { document: doc, sectionId: id }, w)
      if (!r.ok) errors.push(r.error)
    }
    const held = await d.call('locks:list', { document: doc }, w)
    if (!held.ok || (held.value as { locks: unknown[] }).locks.length > 0)
      errors.push(new Error('a lock was taken'))
  } finally {
    await d.dispose()
  }
  return errors
}

/** Every error is a refusal carrying the read-only reason. */
function expectRefusals(errors: unknown[], reason: RegExp) {
  expect(errors).toHaveLength(5)
  for (const e of errors) {
    expect(e instanceof ValidationError || (e as { code?: string }).code === ErrorCode.Validation).toBe(true)
    expect((e as Error).message).toMatch(reason)
  }
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
      expectRefusals(errors, reason)
      expect((await fs.readFile(file)).equals(bytes)).toBe(true)
      expect(await versionFiles()).toEqual([])
    })
  }

  it('a hard-linked document: read-only, the save refused, both names keep the same bytes', async () => {
    const text = '# Plan\n\nOne file, two names.\n'
    await fs.writeFile(path.join(root, 'plan.md'), text)
    await fs.link(path.join(root, 'plan.md'), path.join(root, 'copy.md'))
    const snap = await ann.documents.read('plan.md')
    expect(snap.readOnly).toMatch(/hard link/)
    const errors = await tryToWrite('plan.md', 'plan')
    expectRefusals(errors, /hard link/)
    expect(await fs.readFile(path.join(root, 'copy.md'), 'utf8')).toBe(text)
    expect((await fs.stat(path.join(root, 'plan.md'))).nlink).toBe(2)
    expect(await fs.readFile(path.join(root, 'plan.md'), 'utf8')).toBe(text)
    expect(await versionFiles()).toEqual([])
  })

  it('a document marked read-only (chmod 444): read-only, the save refused, bytes and mode kept', async () => {
    const text = '# Plan\n\nDo not touch.\n'
    const file = path.join(root, 'plan.md')
    await fs.writeFile(file, text)
    await fs.chmod(file, 0o444)
    const snap = await ann.documents.read('plan.md')
    expect(snap.readOnly).toMatch(/marked read-only on the shared folder/)
    expectRefusals(await tryToWrite('plan.md', 'plan'), /marked read-only/)
    expect(await fs.readFile(file, 'utf8')).toBe(text)
    expect((await fs.stat(file)).mode & 0o777).toBe(0o444)
    expect(await versionFiles()).toEqual([])
  })

  it('(contrast) a UTF-8 document, BOM or not, is editable', async () => {
    await fs.writeFile(path.join(root, 'plan.md'), '\ufeff# Plan\n\nCafé ✓\n')
    expect((await ann.documents.read('plan.md')).readOnly).toBeNull()
    // …and saves, keeping history (so `versionFiles` above does find versions when there are some).
    const { section } = await ann.documents.section('plan.md', 'plan')
    const lock = await ann.locks.acquireSection('plan.md', 'plan')
    await ann.documents.saveSection(lock, section.sha256, '# Plan\n\nnew\n')
    await ann.locks.release(lock)
    expect(await fs.readFile(path.join(root, 'plan.md'), 'utf8')).toBe('\ufeff# Plan\n\nnew\n')
    expect((await versionFiles()).length).toBeGreaterThan(0)
  })
})

/** The text of each section as the window cuts it: byte ranges into the shown text's UTF-8 form. */
function shownSections(snap: { text: string; sections: { start: number; end: number }[] }): string[] {
  const shown = Buffer.from(snap.text, 'utf8')
  return snap.sections.map((s) => shown.subarray(s.start, s.end).toString('utf8'))
}

const LATIN1 = Buffer.from(
  'caf\xe9 cr\xe8me \xe0 la \xe9\xe9\xe9\n\n# Plan\n\nNa\xefve.\n\n# Next\n\nEnd.\n',
  'latin1'
)

describe('a read-only document is cut into sections of the text the window shows', () => {
  it('invalid UTF-8 (Latin-1): each section range covers its own heading in the shown text', async () => {
    await fs.writeFile(path.join(root, 'plan.md'), LATIN1)
    const snap = await ann.documents.read('plan.md')
    expect(snap.readOnly).toMatch(/not valid UTF-8/)
    const parts = shownSections(snap)
    expect(parts).toHaveLength(3)
    expect(parts[1].startsWith('# Plan\n')).toBe(true)
    expect(parts[2]).toBe('# Next\n\nEnd.\n')
    expect(parts.join('')).toBe(snap.text)
    expect(snap.fileSha256).toBe(sha256Hex(LATIN1)) // the file's own checksum, not its shown form's
    expect((await fs.readFile(path.join(root, 'plan.md'))).equals(LATIN1)).toBe(true)
  })

  it('UTF-16 big-endian with a byte-order mark is shown as its text, sections included', async () => {
    const text = '# Plan\n\nCafé ✓\n\n# Next\n\nEnd.\n'
    const le = Buffer.from(text, 'utf16le')
    const be = Buffer.alloc(le.length)
    for (let i = 0; i < le.length; i += 2) [be[i], be[i + 1]] = [le[i + 1], le[i]]
    const bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), be])
    await fs.writeFile(path.join(root, 'plan.md'), bytes)
    const snap = await ann.documents.read('plan.md')
    expect(snap.readOnly).toMatch(/UTF-16/)
    expect(snap.text).toBe(text)
    expect(shownSections(snap)).toEqual(['', '# Plan\n\nCafé ✓\n\n', '# Next\n\nEnd.\n'])
  })

  it('(contrast) a hard-linked UTF-8 document keeps its stored section ids', async () => {
    await fs.writeFile(path.join(root, 'plan.md'), '# Plan\n\nCafé\n')
    const before = await ann.documents.read('plan.md')
    await fs.link(path.join(root, 'plan.md'), path.join(root, 'copy.md'))
    const after = await ann.documents.read('plan.md')
    expect(after.readOnly).toMatch(/hard link/)
    expect(after.sections).toEqual(before.sections)
  })
})

describe('readOnlyReason', () => {
  it('calls bytes UTF-8 exactly when a fatal TextDecoder reads them (overlong, surrogates, beyond U+10FFFF, cut short)', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true })
    const decodes = (b: Uint8Array) => {
      try {
        fatal.decode(b)
        return true
      } catch {
        return false
      }
    }
    // Bytes near the edges of the encoding's ranges, so invalid sequences are common but not all.
    const byte = fc.constantFrom(
      0x41,
      0x0a,
      0x7f,
      0x80,
      0x9f,
      0xa0,
      0xbf,
      0xc0,
      0xc2,
      0xdf,
      0xe0,
      0xed,
      0xef,
      0xf0,
      0xf4,
      0xf5,
      0xff
    )
    let invalid = 0
    fc.assert(
      fc.property(
        fc
          .uint8Array({ maxLength: 12 })
          .chain((head) =>
            fc.array(byte, { maxLength: 12 }).map((t) => Buffer.from([...head.filter((b) => b !== 0), ...t]))
          ),
        (buf) => {
          if (buf[0] === 0xff || buf[0] === 0xfe) return // a UTF-16 byte-order mark has its own reason
          const reason = readOnlyReason(buf, 1, 'a.md')
          if (!decodes(buf)) invalid++
          expect(reason === null).toBe(decodes(buf))
        }
      ),
      { numRuns: 3000 }
    )
    expect(invalid).toBeGreaterThan(300)
  })
})
