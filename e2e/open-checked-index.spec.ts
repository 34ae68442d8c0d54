/**
 * A big document opened by a fresh instance, whose section index another instance stored in the
 * share: the fresh instance checks that index against the file before it lets it decide anything
 * (index-check.ts). Typing into sections then saves exactly there — with the index true, and with
 * one planted in the share that tiles the file and carries its own checksums but puts a boundary
 * where there is no heading (only the check's parse can tell). The file on disk is the judge.
 */
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { expect, test, type Sectioned } from './fixtures'
import { typeAtEndOf } from './writer'

const PARTS = 10_000
// The typed-into lines are short: End on a wrapped line stops at the wrap, not at the line's end.
const part = (i: number) =>
  `## Part ${i}\n\nText of part ${i}.\n\n${'Words that make the document big enough to matter. '.repeat(2)}\n\n`
const ORIGINAL = ['Front text.\n\n', ...Array.from({ length: PARTS }, (_, i) => part(i))].join('')

interface StoredIndex {
  fileSha256: string
  sections: Array<{ id: string; start: number; end: number; sha256: string }>
}

/** The one stored index of the folder's one document. */
async function indexFile(folder: string): Promise<string> {
  const docs = path.join(folder, '.sectioned', 'docs')
  const [key] = await fs.readdir(docs)
  return path.join(docs, key, 'index.json')
}

/** Ann opens the document (her instance stores its index), saves one edit and stops. */
async function annSavesAndStops(sectioned: Sectioned): Promise<string> {
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('big.md', 'Text of part 0.')
  await typeAtEndOf(a, 'Text of part 1.', ' (ann)')
  const file = path.join(sectioned.folder, 'big.md')
  const expected = ORIGINAL.replace('Text of part 1.', 'Text of part 1. (ann)')
  await expect.poll(() => fs.readFile(file, 'utf8'), { timeout: 20_000 }).toBe(expected)
  await ann.host.stop()
  return expected
}

test('a fresh instance opens a big document with an index another one stored; typing saves into the right sections', async ({
  sectioned
}) => {
  await sectioned.files({ 'big.md': ORIGINAL })
  const afterAnn = await annSavesAndStops(sectioned)
  const stored = JSON.parse(await fs.readFile(await indexFile(sectioned.folder), 'utf8')) as StoredIndex
  expect(stored.sections).toHaveLength(PARTS + 1)
  const bob = await sectioned.start({ user: 'bob' })
  const b = await bob.open('big.md', 'Text of part 0.')
  await typeAtEndOf(b, 'Text of part 3.', ' (bob)')
  await typeAtEndOf(b, 'Text of part 4.', ' (bob too)')
  const expected = afterAnn
    .replace('Text of part 3.', 'Text of part 3. (bob)')
    .replace('Text of part 4.', 'Text of part 4. (bob too)')
  await expect.poll(() => sectioned.read('big.md').then(String), { timeout: 20_000 }).toBe(expected)
})

test('a fresh instance does not trust a planted index of a big document that lies about a boundary; typing saves into the right sections', async ({
  sectioned
}) => {
  await sectioned.files({ 'big.md': ORIGINAL })
  const afterAnn = await annSavesAndStops(sectioned)
  const file = await indexFile(sectioned.folder)
  const stored = JSON.parse(await fs.readFile(file, 'utf8')) as StoredIndex
  const bytes = await sectioned.read('big.md')
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
  expect(stored.fileSha256).toBe(sha(bytes)) // the index of this very file: only a check can refuse it
  // Part 4's range starts after its heading line, which Part 3's range takes: ranges still tile
  // the file and every checksum is of its range. Trusted, a save of Part 4 would splice after the
  // heading and Part 3's would cover Part 4's heading.
  const [p3, p4] = [
    stored.sections.find((s) => s.id === 'part-3'),
    stored.sections.find((s) => s.id === 'part-4')
  ]
  if (!p3 || !p4) throw new Error('no part-3 / part-4 in the stored index')
  const shift = Buffer.byteLength('## Part 4\n\n')
  p3.end += shift
  p4.start += shift
  for (const s of [p3, p4]) s.sha256 = sha(bytes.subarray(s.start, s.end))
  await fs.writeFile(file, JSON.stringify(stored))

  const bob = await sectioned.start({ user: 'bob' })
  const b = await bob.open('big.md', 'Text of part 0.')
  // Opening checked it, found the lie and stored the index of the file in its place — before any
  // typing (a byte-exact splice of the lie's own ranges would leave the file right even if trusted).
  const part4Starts = async () => {
    const index = JSON.parse(await fs.readFile(file, 'utf8')) as StoredIndex
    const at = index.sections.find((s) => s.id === 'part-4')?.start ?? 0
    return (await sectioned.read('big.md')).toString('utf8', at, at + 10)
  }
  await expect.poll(part4Starts, { timeout: 10_000 }).toBe('## Part 4\n')
  await typeAtEndOf(b, 'Text of part 4.', ' (bob)')
  await typeAtEndOf(b, 'Text of part 3.', ' (bob too)')
  const expected = afterAnn
    .replace('Text of part 4.', 'Text of part 4. (bob)')
    .replace('Text of part 3.', 'Text of part 3. (bob too)')
  await expect.poll(() => sectioned.read('big.md').then(String), { timeout: 20_000 }).toBe(expected)
  expect(await part4Starts()).toBe('## Part 4\n')
})
