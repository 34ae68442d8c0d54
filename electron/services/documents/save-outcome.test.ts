import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cli } from '../../host/cli/test-processes'
import { openWorkspace, type AppServices } from '../app-services'
import { sha256Hex } from '../sections/section-index'
import { FakeClock } from '../test-support/fake-clock'
import { testIdentity } from '../test-support/test-identity'
import { finishIntents, pendingIntents, writeIntent } from './save-intent'

// Issue 11: a save's outcome is decided by the document's rename; the index is a cache, never an
// authority; a planted history file is reported, not obeyed.

const DOC = 'doc.md'
const OLD = '# Title\n\nintro\n\n## Alpha\n\nalpha text\n\n## Beta\n\nbeta text\n'

let root: string
let ann: AppServices

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-outcome-'))
  await fs.writeFile(path.join(root, DOC), OLD)
  ann = await openWorkspace({
    folder: root,
    identity: testIdentity('ann'),
    clock: new FakeClock(),
    lockSettings: { idleTimeoutMs: 0 }
  })
})

afterEach(async () => {
  await ann.dispose()
  await fs.rm(root, { recursive: true, force: true })
})

async function edit(sectionId: string, text: string): Promise<{ code: number | null; stderr: string }> {
  const file = path.join(root, '..', `${path.basename(root)}-${sectionId}.md`)
  await fs.writeFile(file, text)
  const r = await cli(['edit', path.join(root, DOC), sectionId, '--text-file', file, '--user', 'bob'])
  await fs.rm(file, { force: true })
  return r
}

function indexFile(): string {
  return ann.workspace.indexFile(DOC)
}

describe('an index that lies about its file is not trusted', () => {
  it('swapped ids with the right file checksum: edit beta changes only Beta’s bytes', async () => {
    await ann.documents.read(DOC) // stores the index
    const index = JSON.parse(await fs.readFile(indexFile(), 'utf8')) as { sections: { id: string }[] }
    const ids = index.sections.map((s) => s.id)
    expect(ids).toEqual(['preamble', 'title', 'alpha', 'beta'])
    index.sections[2].id = 'beta'
    index.sections[3].id = 'alpha'
    await fs.writeFile(indexFile(), JSON.stringify(index))
    const r = await edit('beta', '## Beta\n\nbeta, edited\n')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(await fs.readFile(path.join(root, DOC), 'utf8')).toBe(OLD.replace('beta text\n', 'beta, edited\n'))
  })

  it('wrong ranges with the right file checksum: the edit lands in its own section', async () => {
    await ann.documents.read(DOC)
    const index = JSON.parse(await fs.readFile(indexFile(), 'utf8')) as {
      sections: { id: string; start: number; end: number }[]
    }
    index.sections[2].end -= 5 // Alpha's range stops short, Beta's starts early
    index.sections[3].start -= 5
    await fs.writeFile(indexFile(), JSON.stringify(index))
    const verify = await cli(['verify', root])
    expect(verify.code).toBe(5)
    expect(verify.stdout + verify.stderr).toMatch(/section index lies about its file/)
    const r = await edit('alpha', '## Alpha\n\nalpha, edited\n\n')
    expect(r.code, r.stderr).toBe(0)
    expect(await fs.readFile(path.join(root, DOC), 'utf8')).toBe(
      OLD.replace('alpha text\n', 'alpha, edited\n')
    )
    expect((await cli(['verify', root])).code).toBe(0) // the save stored a true index
  })
})

describe('a planted history file is reported, not obeyed', () => {
  it('v999999999.json does not exhaust the numbers: the save lands with the next valid version', async () => {
    expect((await edit('alpha', '## Alpha\n\nfirst\n\n')).code).toBe(0) // versions 1 (baseline) and 2
    const dir = ann.workspace.historyDir(DOC, 'alpha')
    await fs.writeFile(path.join(dir, 'v999999999.json'), '{"planted": true}')
    const r = await edit('alpha', '## Alpha\n\nsecond\n\n')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(await fs.readFile(path.join(root, DOC), 'utf8')).toContain('second')
    const v3 = JSON.parse(await fs.readFile(path.join(dir, 'v000000003.json'), 'utf8')) as { content: string }
    expect(v3.content).toBe('## Alpha\n\nsecond\n\n')
    const verify = await cli(['verify', root])
    expect(verify.code).toBe(5)
    expect(verify.stdout + verify.stderr).toContain('v999999999.json')
  })
})

describe('unfinished saves (intents)', () => {
  const NEW = OLD.replace('alpha text\n', 'alpha, landed\n')
  const version = {
    sectionId: 'alpha',
    heading: 'Alpha',
    content: '## Alpha\n\nalpha, landed\n\n',
    author: 'ann',
    instanceId: 'i-ann',
    reason: 'save'
  }

  async function plant(): Promise<void> {
    await ann.documents.read(DOC)
    await writeIntent(ann.workspace, {
      format: 1,
      document: DOC,
      before: sha256Hex(Buffer.from(OLD)),
      after: sha256Hex(Buffer.from(NEW)),
      versions: [version],
      retired: []
    })
  }

  async function finish(): Promise<string[]> {
    const buf = await fs.readFile(path.join(root, DOC))
    const index = await ann.documents.indexFor(DOC, buf, false)
    return (await finishIntents(ann.workspace, ann.history, DOC, buf, index)).map((o) => o.outcome)
  }

  it('a save that reached the file gets its version, once', async () => {
    await plant()
    await fs.writeFile(path.join(root, DOC), NEW) // the rename happened, then the saver died
    expect(await finish()).toEqual(['completed'])
    expect(await finish()).toEqual([])
    const versions = await ann.history.list(DOC, 'alpha')
    expect(versions.filter((v) => v.content === version.content)).toHaveLength(1)
    expect(await pendingIntents(ann.workspace, DOC)).toEqual([])
  })

  it('a save that never reached the file leaves no version', async () => {
    await plant()
    expect(await finish()).toEqual(['dropped'])
    expect((await ann.history.list(DOC, 'alpha')).some((v) => v.content === version.content)).toBe(false)
  })

  it('when the file changed since, a version is recorded only if its text is still there', async () => {
    await plant()
    await fs.writeFile(path.join(root, DOC), NEW.replace('beta text', 'beta changed outside'))
    expect(await finish()).toEqual(['completed'])
    expect((await ann.history.list(DOC, 'alpha')).some((v) => v.content === version.content)).toBe(true)
    await plant()
    await fs.writeFile(path.join(root, DOC), OLD.replace('beta text', 'beta changed again'))
    expect(await finish()).toEqual(['completed'])
    expect((await ann.history.list(DOC, 'alpha')).filter((v) => v.content === version.content)).toHaveLength(
      1
    )
  })

  it('verify names an unfinished save and --repair finishes it', async () => {
    await plant()
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
