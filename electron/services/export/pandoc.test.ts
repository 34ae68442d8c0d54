/**
 * DOCX/ODT export through the real pandoc (skipped, with the reason printed, where it is not
 * installed): the DOCX pandoc writes is read back by pandoc with the same headings in order, a
 * section exports alone, and an image path that leads out of the workspace pulls nothing in.
 */
import { execFileSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DOC, dispatcherWorkspace, fail, ok } from '../../../test/harness/dispatcher-harness'
import { ErrorCode } from '../../../shared/errors'
import { pandocStatus } from './pandoc'

const ws = dispatcherWorkspace()
const ctx = { clientId: 'w1' }
const status = await pandocStatus()
if (!status.available) console.log(`pandoc export tests skipped: ${status.reason}`)

/** The headings pandoc reads back from a converted file, as "level text". */
async function headingsOf(data: Buffer, from: 'docx' | 'odt'): Promise<string[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-pandoc-'))
  try {
    const file = path.join(dir, `out.${from}`)
    await fs.writeFile(file, data)
    const md = execFileSync('pandoc', ['-f', from, '-t', 'markdown', '--markdown-headings=atx', file], {
      encoding: 'utf8'
    })
    return md
      .split('\n')
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => l.replace(/\s*\{[^}]*\}\s*$/, '').replace(/\[\]\{#[^}]*\}/g, ''))
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

/** The pictures inside a DOCX (its `word/media/` entries). */
async function mediaIn(data: Buffer): Promise<string[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-pandoc-'))
  try {
    await fs.writeFile(path.join(dir, 'x.docx'), data)
    const list = execFileSync('unzip', ['-Z1', path.join(dir, 'x.docx')], { encoding: 'utf8' })
    return list.split('\n').filter((name) => name.startsWith('word/media/'))
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

/** The text pandoc reads back from a DOCX. */
async function textOf(data: Buffer): Promise<string> {
  return execFileSync('pandoc', ['-f', 'docx', '-t', 'plain'], { input: data, encoding: 'utf8' })
}

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64'
)

describe.skipIf(!status.available)('export:convert (pandoc)', () => {
  const text = [
    '---',
    'title: Budget: 2027 (not valid YAML)',
    '---',
    'Intro with a footnote[^1] and $e^{i\\pi}+1=0$.',
    '',
    '# Budget',
    '',
    '| a | b |',
    '|---|---|',
    '| 1 | 2 |',
    '',
    '## Risks',
    '',
    '![secret words](/etc/hostname.png) ![up](../../outside.png) ![remote](https://example.com/x.png) ![ok](img/ok.png)',
    '',
    '# Summary',
    '',
    '[^1]: The note.',
    ''
  ].join('\n')

  it('writes a DOCX that pandoc reads back with the same headings in order; only images inside the workspace go in', async () => {
    await fs.writeFile(path.join(ws.root(), DOC), text)
    await fs.mkdir(path.join(ws.root(), 'img'))
    await fs.writeFile(path.join(ws.root(), 'img/ok.png'), PNG)
    const { d } = await ws.open('ann')
    expect(ok<{ pandoc: boolean }>(await d.call('export:formats', {}, ctx)).pandoc).toBe(true)
    const r = ok<{ fileName: string; mime: string; data: string }>(
      await d.call('export:convert', { document: DOC, to: 'docx' }, ctx)
    )
    expect(r.fileName).toBe('plan.docx')
    const data = Buffer.from(r.data, 'base64')
    expect(data.subarray(0, 2).toString('latin1')).toBe('PK')
    expect(await headingsOf(data, 'docx')).toEqual(['# Budget', '## Risks', '# Summary'])
    // One picture inside (the workspace's own), the refused ones as their words.
    expect(await mediaIn(data)).toHaveLength(1)
    expect(await textOf(data)).toMatch(/secret words/)
  })

  it('exports one section alone, and ODT', async () => {
    await fs.writeFile(path.join(ws.root(), DOC), text)
    const { d } = await ws.open('ann')
    const r = ok<{ fileName: string; data: string }>(
      await d.call('export:convert', { document: DOC, sectionId: 'risks', to: 'odt' }, ctx)
    )
    expect(r.fileName).toBe('plan-risks.odt')
    expect(await headingsOf(Buffer.from(r.data, 'base64'), 'odt')).toEqual(['## Risks'])
  })

  it('refuses a document outside the workspace', async () => {
    const { d } = await ws.open('ann')
    expect(fail(await d.call('export:convert', { document: '../x.md', to: 'docx' }, ctx)).code).toBe(
      ErrorCode.PathOutside
    )
  })
})

describe('pandocStatus', () => {
  it('says pandoc is missing, and why, when the command cannot be run', async () => {
    const st = await pandocStatus('/nonexistent/pandoc-for-this-test')
    expect(st).toMatchObject({ available: false, version: null })
    expect(st.reason).toMatch(/need pandoc/)
  })
})
