import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Identity } from '../../../shared/types'
import { openWorkspace, type AppServices } from '../app-services'
import { sha256Hex } from '../sections/section-index'
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
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-ro-sections-'))
  ann = await openWorkspace({ folder: root, identity: ident, clock: new FakeClock() })
})

afterEach(async () => {
  await ann.dispose()
  await fs.rm(root, { recursive: true, force: true })
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
