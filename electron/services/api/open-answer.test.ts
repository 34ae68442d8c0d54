/**
 * The answer of `documents:open` gives each section as UTF-16 offsets into the answer's text (the
 * editor's own unit), so a window slices its sections without converting byte offsets: each slice
 * is the section's text in the file (its checksum is the section's), the slices tile the text, and
 * the answer carries no byte offsets or line numbers — on CRLF, a BOM and characters of every
 * UTF-8 width, and for a file that is not UTF-8 (shown read-only).
 */
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ResponseOf } from '../../../shared/contract'
import { DOC, dispatcherWorkspace, ok } from '../../../test/harness/dispatcher-harness'

type Snapshot = ResponseOf<'documents:open'>

const ws = dispatcherWorkspace()
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

async function openAnswer(file: Buffer): Promise<Snapshot> {
  await fs.writeFile(path.join(ws.root(), DOC), file)
  const { d } = await ws.open('ann')
  return ok<Snapshot>(await d.call('documents:open', { document: DOC }, { clientId: 'w' }))
}

function expectTiled(snap: Snapshot) {
  let at = 0
  for (const s of snap.sections) {
    expect(Object.keys(s).sort()).toEqual(['from', 'heading', 'id', 'level', 'sha256', 'to'])
    expect(s.from, s.id).toBe(at)
    at = s.to
  }
  expect(at).toBe(snap.text.length)
}

describe('documents:open answers sections in the text’s own positions', () => {
  it('each section’s slice of the text is its bytes in the file, on CRLF, a BOM and wide characters', async () => {
    const text =
      '\uFEFFIntro é 😀\r\n\r\n# Budget — €\r\n\r\nMoney 漢字\r\n\r\n## Risks 😀😀\r\n\r\nSome\r\n# Ünïcode\nend\n'
    const snap = await openAnswer(Buffer.from(text, 'utf8'))
    expect(snap.sections.map((s) => s.heading)).toEqual(['', 'Budget — €', 'Risks 😀😀', 'Ünïcode'])
    expectTiled(snap)
    for (const s of snap.sections) {
      const slice = snap.text.slice(s.from, s.to)
      expect(sha(Buffer.from(slice, 'utf8')), s.id).toBe(s.sha256)
    }
    expect(snap.text.slice(snap.sections[2].from, snap.sections[2].to)).toBe('## Risks 😀😀\r\n\r\nSome\r\n')
  })

  it('opened again (the index kept), the same answer', async () => {
    const snap = await openAnswer(Buffer.from('# A\r\nä\r\n# B\r\n😀\r\n', 'utf8'))
    const { d } = await ws.open('bob')
    const again = ok<Snapshot>(await d.call('documents:open', { document: DOC }, { clientId: 'x' }))
    expect(again.sections).toEqual(snap.sections)
    expect(snap.text.slice(snap.sections[2].from, snap.sections[2].to)).toBe('# B\r\n😀\r\n')
  })

  it('a file that is not UTF-8 (read-only): the offsets index the text as shown', async () => {
    const snap = await openAnswer(
      Buffer.concat([Buffer.from('# A\nbad \xff here\n', 'latin1'), Buffer.from('# B\n😀\n')])
    )
    expect(snap.readOnly).not.toBeNull()
    expectTiled(snap)
    expect(snap.text.slice(snap.sections.at(-1)!.from)).toBe('# B\n😀\n')
  })
})
