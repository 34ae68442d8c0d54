/**
 * An instance started again does not parse an unchanged document to check its unchanged stored
 * index when this machine checked that very pair before (known-good-indexes.ts, in the host's own
 * folder); any change to the index or the document in the share is checked by a parse as before,
 * and a lying index is still caught. Real services on real files, one after another as restarts.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openWorkspace, type AppServices } from '../app-services'
import { FakeClock } from '../../../test/harness/fake-clock'
import { testIdentity } from '../../../test/harness/test-identity'
import { knownGoodIndexesIn } from './known-good-indexes'

const DOC = 'plan.md'
const TEXT = 'Intro\n\n# Bee\n\nB\n\n# Cee\n\nC\n'
let root = ''
let host = ''

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-known-'))
  host = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-known-host-'))
  await fs.writeFile(path.join(root, DOC), TEXT)
})
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true })
  await fs.rm(host, { recursive: true, force: true })
})

/** One run of an instance: opens the workspace with the host folder, reads the document, stops. */
async function run(hostFolder: string | null): Promise<{ parses: number; ids: string[]; starts: number[] }> {
  const s: AppServices = await openWorkspace({
    folder: root,
    identity: testIdentity('ann'),
    clock: new FakeClock(),
    knownGoodIndexesFile: hostFolder === null ? undefined : knownGoodIndexesIn(hostFolder)
  })
  try {
    const snap = await s.documents.read(DOC)
    return {
      parses: s.documents.indexParses,
      ids: snap.sections.map((x) => x.id),
      starts: snap.sections.map((x) => x.start)
    }
  } finally {
    await s.dispose()
  }
}

describe('indexes this machine checked before', () => {
  it('are trusted after a restart without a parse, until the document or the index changes', async () => {
    const ids = ['preamble', 'bee', 'cee']
    const starts = [0, TEXT.indexOf('# Bee'), TEXT.indexOf('# Cee')]
    // First run: no stored index; built (a parse) and stored. Written, not checked: not remembered.
    expect(await run(host)).toEqual({ parses: 1, ids, starts })
    // Second run: the stored index is checked by a parse, and remembered in the host folder.
    expect(await run(host)).toEqual({ parses: 1, ids, starts })
    const remembered = JSON.parse(await fs.readFile(knownGoodIndexesIn(host), 'utf8')) as {
      entries: string[][]
    }
    expect(remembered.entries).toHaveLength(1)
    // Third run: nothing to parse.
    expect(await run(host)).toEqual({ parses: 0, ids, starts })
    // Without the host folder (the CLI) every run checks by a parse.
    expect(await run(null)).toEqual({ parses: 1, ids, starts })

    // The document changed in the share (another editor): parsed again.
    await fs.writeFile(path.join(root, DOC), TEXT.replace('B\n', 'Bb\n'))
    expect((await run(host)).parses).toBeGreaterThan(0)
  })

  it('never trust an index changed in the share: a lie planted after the check is caught', async () => {
    await run(host)
    await run(host) // checked and remembered
    expect((await run(host)).parses).toBe(0)
    const file = path.join(root, '.sectioned', 'docs')
    const [key] = await fs.readdir(file)
    const indexFile = path.join(file, key, 'index.json')
    // The same file checksum, but “bee” said to start a byte later: a lie about the file.
    const index = JSON.parse(await fs.readFile(indexFile, 'utf8')) as { sections: { start: number }[] }
    index.sections[1].start += 1
    await fs.writeFile(indexFile, JSON.stringify(index))
    const after = await run(host)
    expect(after.parses).toBeGreaterThan(0)
    expect(after.starts).toEqual([0, TEXT.indexOf('# Bee'), TEXT.indexOf('# Cee')])
  })

  it('a damaged or foreign file in the host folder is a fresh start, not an error', async () => {
    await fs.writeFile(knownGoodIndexesIn(host), '{"format":1,"checker":1,"entries":[["x","nothex","y"]]}')
    expect((await run(host)).parses).toBe(1)
    await fs.writeFile(knownGoodIndexesIn(host), 'not json at all')
    expect((await run(host)).parses).toBe(1)
    // Verdicts of another check (an older version's) are not taken: parsed again.
    expect((await run(host)).parses).toBe(0)
    const file = JSON.parse(await fs.readFile(knownGoodIndexesIn(host), 'utf8')) as Record<string, unknown>
    await fs.writeFile(knownGoodIndexesIn(host), JSON.stringify({ ...file, checker: 0 }))
    expect((await run(host)).parses).toBe(1)
  })
})
