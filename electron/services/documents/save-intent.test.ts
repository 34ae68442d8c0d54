import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cli } from '../../../test/harness/test-processes'
import { openWorkspace, type AppServices } from '../app-services'
import { sha256Hex } from '../sections/section-index'
import { FakeClock } from '../../../test/harness/fake-clock'
import { testIdentity } from '../../../test/harness/test-identity'
import {
  finishIntents,
  intentsDir,
  intentVersion,
  pendingIntents,
  writeIntent,
  type SaveIntent
} from './save-intent'

// Repairing unfinished saves from their intents (save-intent.ts): a save that reached the file is
// completed once, one that did not is discarded, one the file no longer tells about is reported.

const DOC = 'doc.md'
const OLD = '# Title\n\nintro\n\n## Alpha\n\nalpha text\n\n## Beta\n\nbeta text\n'
const NEW = OLD.replace('alpha text', 'alpha, landed')
const LANDED = '## Alpha\n\nalpha, landed\n\n'
const TIME = '2026-01-02T03:04:05.000Z'

let root: string
let ann: AppServices

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-intent-'))
  await fs.writeFile(path.join(root, DOC), OLD)
  ann = await openWorkspace({
    folder: root,
    identity: testIdentity('ann'),
    clock: new FakeClock(),
    lockSettings: { idleTimeoutMs: 0 }
  })
  await ann.documents.read(DOC) // stores the index of OLD
})

afterEach(async () => {
  await ann.dispose()
  await fs.rm(root, { recursive: true, force: true })
})

const sha = (text: string) => sha256Hex(Buffer.from(text))

function intent(before: string, after: string, content = LANDED, sectionId = 'alpha'): SaveIntent {
  return {
    format: 1,
    document: DOC,
    before: sha(before),
    after: sha(after),
    time: TIME,
    versions: [
      intentVersion({
        sectionId,
        heading: 'Alpha',
        content,
        author: 'ann',
        instanceId: 'i-ann',
        reason: 'save'
      })
    ],
    retired: []
  }
}

/** Finishes the intents against the file as it is on disk now. */
async function finish(): Promise<string[]> {
  const buf = await fs.readFile(path.join(root, DOC))
  const index = await ann.documents.indexFor(DOC, buf, false)
  return (await finishIntents(ann.workspace, ann.history, DOC, buf, index)).map((o) => o.outcome)
}

const contents = async (id = 'alpha') => (await ann.history.list(DOC, id)).map((v) => v.content)

describe('finishing unfinished saves', () => {
  it('after matches (the save landed, then died): its version is recorded once, with the save’s time', async () => {
    await writeIntent(ann.workspace, intent(OLD, NEW))
    await fs.writeFile(path.join(root, DOC), NEW)
    expect(await finish()).toEqual(['completed'])
    expect(await finish()).toEqual([])
    const versions = await ann.history.list(DOC, 'alpha')
    expect(versions.map((v) => [v.content, v.author, v.timestamp])).toEqual([[LANDED, 'ann', TIME]])
    expect(await pendingIntents(ann.workspace, DOC)).toEqual([])
  })

  it('a version already written is not written again (the saver died before removing the intent)', async () => {
    await writeIntent(ann.workspace, intent(OLD, NEW))
    await fs.writeFile(path.join(root, DOC), NEW)
    await ann.history.append(DOC, 'alpha', {
      heading: 'Alpha',
      content: LANDED,
      author: 'ann',
      instanceId: 'i-ann',
      reason: 'save'
    })
    expect(await finish()).toEqual(['completed'])
    expect(await contents()).toEqual([LANDED])
  })

  it('before matches (killed before the rename): discarded, no version', async () => {
    await writeIntent(ann.workspace, intent(OLD, NEW))
    expect(await finish()).toEqual(['discarded'])
    expect(await contents()).toEqual([])
    expect(await pendingIntents(ann.workspace, DOC)).toEqual([])
  })

  it('neither matches, its text still in the file: recorded, reported as ambiguous', async () => {
    await writeIntent(ann.workspace, intent(OLD, NEW))
    await fs.writeFile(path.join(root, DOC), NEW.replace('beta text', 'beta changed outside'))
    expect(await finish()).toEqual(['ambiguous'])
    expect(await contents()).toEqual([LANDED])
    expect(await pendingIntents(ann.workspace, DOC)).toEqual([])
  })

  it('neither matches, its text gone: no version (history never claims it), the intent kept aside', async () => {
    const file = await writeIntent(ann.workspace, intent(OLD, NEW))
    await fs.writeFile(path.join(root, DOC), OLD.replace('alpha text', 'alpha changed outside'))
    expect(await finish()).toEqual(['ambiguous'])
    expect(await contents()).toEqual([])
    expect(await pendingIntents(ann.workspace, DOC)).toEqual([])
    const aside = path.join(intentsDir(ann.workspace, DOC), 'unresolved', path.basename(file))
    expect(JSON.parse(await fs.readFile(aside, 'utf8'))).toMatchObject({ versions: [{ content: LANDED }] })
  })

  it('two unfinished saves in a row both landed: both versions, in order', async () => {
    const NEWER = NEW.replace('alpha, landed', 'alpha, again')
    await writeIntent(ann.workspace, intent(OLD, NEW))
    await new Promise((r) => setTimeout(r, 2)) // distinct ulid times
    await writeIntent(ann.workspace, intent(NEW, NEWER, '## Alpha\n\nalpha, again\n\n'))
    await fs.writeFile(path.join(root, DOC), NEWER)
    expect(await finish()).toEqual(['completed', 'completed'])
    expect(await contents()).toEqual([LANDED, '## Alpha\n\nalpha, again\n\n'])
  })

  it('a damaged intent (its text does not match its checksum) is never carried out', async () => {
    const bad = intent(OLD, NEW)
    bad.versions[0].content = 'tampered'
    await writeIntent(ann.workspace, bad)
    await fs.writeFile(path.join(root, DOC), NEW)
    expect(await finish()).toEqual(['damaged'])
    expect(await contents()).toEqual([])
  })

  it('an empty intent (not fsynced, cut by a power loss) is discarded; the next save records the text', async () => {
    const file = await writeIntent(ann.workspace, intent(OLD, NEW))
    await fs.writeFile(file, '')
    await fs.writeFile(path.join(root, DOC), NEW)
    expect(await finish()).toEqual(['discarded'])
    expect(await pendingIntents(ann.workspace, DOC)).toEqual([])
    // The landed text is not lost: the next save of the section keeps it first, as an outside edit.
    const doc = await ann.documents.read(DOC)
    const alpha = doc.sections.find((s) => s.id === 'alpha')
    if (!alpha) throw new Error('no section alpha')
    const lock = await ann.locks.acquireSection(DOC, 'alpha')
    await ann.documents.saveSection(lock, alpha.sha256, '## Alpha\n\nalpha, next\n\n')
    expect(await contents()).toEqual([LANDED, '## Alpha\n\nalpha, next\n\n'])
  })
})

describe('who finishes them', () => {
  it('opening the document after a save died past its rename records the version', async () => {
    await writeIntent(ann.workspace, intent(OLD, NEW))
    await fs.writeFile(path.join(root, DOC), NEW) // the index still describes OLD
    await ann.documents.read(DOC)
    expect(await contents()).toEqual([LANDED])
    expect(await pendingIntents(ann.workspace, DOC)).toEqual([])
  })

  it('repairIntents (verify --repair) finishes them under the write mutex and says what it did', async () => {
    await writeIntent(ann.workspace, intent(OLD, NEW))
    await fs.writeFile(path.join(root, DOC), NEW)
    const done = await ann.documents.repairIntents(DOC)
    expect(done.map((d) => d.outcome)).toEqual(['completed'])
    expect(await contents()).toEqual([LANDED])
    expect(await ann.documents.repairIntents(DOC)).toEqual([])
  })

  it('the CLI: verify names an unfinished save and --repair finishes it', async () => {
    await writeIntent(ann.workspace, intent(OLD, NEW))
    await fs.writeFile(path.join(root, DOC), NEW)
    const before = await cli(['verify', root])
    expect(before.code).toBe(5)
    expect(before.stdout + before.stderr).toMatch(/an unfinished save/)
    const repair = await cli(['verify', root, '--repair'])
    expect(repair.code, repair.stdout + repair.stderr).toBe(0)
    expect((await cli(['verify', root])).code).toBe(0)
    const history = await cli(['history', path.join(root, DOC), 'alpha', '--json'])
    expect(history.stdout).toContain('alpha, landed')
  })
})
