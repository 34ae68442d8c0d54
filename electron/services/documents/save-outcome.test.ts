import { promises as fs, renameSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cli } from '../../../test/harness/test-processes'
import { openWorkspace, type AppServices } from '../app-services'
import { sha256Hex } from '../sections/section-index'
import { FakeClock } from '../../../test/harness/fake-clock'
import { testIdentity } from '../../../test/harness/test-identity'
import { documentsNoting } from '../../../test/harness/services-workspace'
import { DocumentService } from './document-service'

// Issue 11: a save's outcome is decided by the document's rename; the index is a cache, never an
// authority; a planted history file is reported, not obeyed. These tests use only the services'
// public interface (and the CLI), so they run unchanged against the code before the fix — where
// each of them failed.

const DOC = 'doc.md'
const OLD = '# Title\n\nintro\n\n## Alpha\n\nalpha text\n\n## Beta\n\nbeta text\n'
const ALPHA = '## Alpha\n\nalpha text\n\n'
const BETA = '## Beta\n\nbeta text\n'

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

const readDoc = () => fs.readFile(path.join(root, DOC), 'utf8')

/** A document service of ann's whose `beforeRename` runs once, just before the next document write. */
function servicesWithHook(beforeRename: () => void): DocumentService {
  let armed = true
  return documentsNoting(ann, () => {
    if (armed) beforeRename()
    armed = false
  })
}

/** Saves `text` over section `id` through `docs` (the lock is taken and kept). */
async function save(docs: DocumentService, id: string, text: string) {
  const { section } = await docs.section(DOC, id)
  const lock =
    ann.locks.heldLocks().find((l) => l.sectionId === id) ?? (await ann.locks.acquireSection(DOC, id))
  return docs.saveSection(lock, section.sha256, text)
}

async function contents(id: string): Promise<string[]> {
  return (await ann.history.list(DOC, id)).map((v) => v.content)
}

describe('a save is decided by its rename', () => {
  it('history failing after the rename: the save succeeds, and the next save records its version', async () => {
    const dir = ann.workspace.historyDir(DOC, 'alpha')
    // Right before the rename (after everything checked before it), alpha's history folder turns
    // into a file: writing its version after the rename fails.
    const docs = servicesWithHook(() => {
      renameSync(dir, `${dir}.aside`)
      writeFileSync(dir, 'not a folder')
    })
    const r = await save(docs, 'alpha', '## Alpha\n\nalpha, landed\n\n')
    expect(r.changed).toBe(true)
    expect(await readDoc()).toBe(OLD.replace('alpha text', 'alpha, landed'))
    // The share is healthy again; the next save (of another section) finishes the first one's history.
    await fs.rm(dir)
    renameSync(`${dir}.aside`, dir)
    await save(docs, 'beta', '## Beta\n\nbeta, next\n')
    expect(await contents('alpha')).toEqual([ALPHA, '## Alpha\n\nalpha, landed\n\n'])
    expect(await contents('beta')).toEqual([BETA, '## Beta\n\nbeta, next\n'])
    expect(await readDoc()).toBe(
      OLD.replace('alpha text', 'alpha, landed').replace('beta text', 'beta, next')
    )
  })
  it('while that history still cannot be written, the same section is refused before its rename', async () => {
    const dir = ann.workspace.historyDir(DOC, 'alpha')
    const docs = servicesWithHook(() => {
      renameSync(dir, `${dir}.aside`)
      writeFileSync(dir, 'not a folder')
    })
    await save(docs, 'alpha', '## Alpha\n\nalpha, landed\n\n')
    const landed = await readDoc()
    // Saving alpha again now would put its version before the first one's: refused, file unchanged.
    await expect(save(docs, 'alpha', '## Alpha\n\nalpha, again\n\n')).rejects.toThrow(/earlier save/)
    expect(await readDoc()).toBe(landed)
    await fs.rm(dir)
    renameSync(`${dir}.aside`, dir)
    await save(docs, 'alpha', '## Alpha\n\nalpha, again\n\n')
    expect(await contents('alpha')).toEqual([
      ALPHA,
      '## Alpha\n\nalpha, landed\n\n',
      '## Alpha\n\nalpha, again\n\n'
    ])
  })
})

describe('a planted history file is reported, not obeyed', () => {
  it('a damaged v999999999.json does not exhaust the numbers: the save lands with the next valid one', async () => {
    await save(ann.documents, 'alpha', '## Alpha\n\nfirst\n\n') // versions 1 (baseline) and 2
    const dir = ann.workspace.historyDir(DOC, 'alpha')
    await fs.copyFile(path.join(dir, 'v000000002.json'), path.join(dir, 'v999999999.json'))
    const r = await save(ann.documents, 'alpha', '## Alpha\n\nsecond\n\n')
    expect(r.version?.version).toBe(3)
    expect(await readDoc()).toBe(OLD.replace('alpha text', 'second'))
    const v3 = JSON.parse(await fs.readFile(path.join(dir, 'v000000003.json'), 'utf8')) as { content: string }
    expect(v3.content).toBe('## Alpha\n\nsecond\n\n')
  })

  it('a valid v999999999.json refuses the save before the rename, naming the file', async () => {
    await save(ann.documents, 'alpha', '## Alpha\n\nfirst\n\n')
    const dir = ann.workspace.historyDir(DOC, 'alpha')
    const record = JSON.parse(await fs.readFile(path.join(dir, 'v000000002.json'), 'utf8')) as object
    await fs.writeFile(path.join(dir, 'v999999999.json'), JSON.stringify({ ...record, version: 999_999_999 }))
    const before = await readDoc()
    await expect(save(ann.documents, 'alpha', '## Alpha\n\nsecond\n\n')).rejects.toThrow(/v999999999\.json/)
    expect(await readDoc()).toBe(before) // nothing changed
  })

  it('the CLI: a planted file gives no “run out of version numbers”, and verify names it', async () => {
    expect((await edit('alpha', '## Alpha\n\nfirst\n\n')).code).toBe(0)
    const dir = ann.workspace.historyDir(DOC, 'alpha')
    await fs.writeFile(path.join(dir, 'v999999999.json'), '{"planted": true}')
    const r = await edit('alpha', '## Alpha\n\nsecond\n\n')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(await readDoc()).toContain('second')
    const verify = await cli(['verify', root])
    expect(verify.code).toBe(5)
    expect(verify.stdout + verify.stderr).toContain('v999999999.json')
  })
})

describe('an index that lies about its file is not trusted', () => {
  type Index = { sections: { id: string; start: number; end: number; sha256: string }[] }
  const indexFile = () => ann.workspace.indexFile(DOC)
  async function tamper(change: (index: Index, buf: Buffer) => void): Promise<void> {
    await ann.documents.read(DOC) // stores the index
    const index = JSON.parse(await fs.readFile(indexFile(), 'utf8')) as Index
    expect(index.sections.map((s) => s.id)).toEqual(['preamble', 'title', 'alpha', 'beta'])
    change(index, await fs.readFile(path.join(root, DOC)))
    await fs.writeFile(indexFile(), JSON.stringify(index))
  }

  it('swapped ids with the right file checksum: saving beta changes only Beta’s bytes', async () => {
    await tamper((index) => {
      index.sections[2].id = 'beta'
      index.sections[3].id = 'alpha'
    })
    await save(ann.documents, 'beta', '## Beta\n\nbeta, edited\n')
    expect(await readDoc()).toBe(OLD.replace('beta text', 'beta, edited'))
  })

  it('ranges cut mid-heading with consistent checksums: the edit lands in its own section', async () => {
    await tamper((index, buf) => {
      index.sections[2].end += 3 // Alpha's range takes "## " of Beta's heading
      index.sections[3].start += 3
      for (const s of index.sections.slice(2)) s.sha256 = sha256Hex(buf.subarray(s.start, s.end))
    })
    await save(ann.documents, 'alpha', '## Alpha\n\nalpha, edited\n\n')
    expect(await readDoc()).toBe(OLD.replace('alpha text', 'alpha, edited'))
  })

  it('the CLI: swapped ids — edit beta leaves Alpha alone; verify names a lying index', async () => {
    await tamper((index) => {
      index.sections[2].id = 'beta'
      index.sections[3].id = 'alpha'
    })
    const verify = await cli(['verify', root])
    expect(verify.code).toBe(5)
    expect(verify.stdout + verify.stderr).toMatch(/section index lies about its file/)
    const r = await edit('beta', '## Beta\n\nbeta, edited\n')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(await readDoc()).toBe(OLD.replace('beta text', 'beta, edited'))
    expect((await cli(['verify', root])).code).toBe(0) // the save stored a true index
  })
})

async function edit(sectionId: string, text: string): Promise<{ code: number | null; stderr: string }> {
  const file = path.join(root, '..', `${path.basename(root)}-${sectionId}.md`)
  await fs.writeFile(file, text)
  const r = await cli(['edit', path.join(root, DOC), sectionId, '--text-file', file, '--user', 'bob'])
  await fs.rm(file, { force: true })
  return r
}

describe('a document renamed or deleted while a section of it is held', () => {
  it('the save is refused naming it, and the text is kept as a draft', async () => {
    const { section } = await ann.documents.section(DOC, 'alpha')
    const lock = await ann.locks.acquireSection(DOC, 'alpha')
    await fs.rename(path.join(root, DOC), path.join(root, 'renamed.md'))
    const err = (await ann.documents
      .saveSection(lock, section.sha256, '## Alpha\n\nmy words\n\n')
      .catch((e: unknown) => e)) as Error
    expect(err.message).toMatch(/There is no document “doc\.md”/)
    const draft = /kept as a draft in (.+)\.$/.exec(err.message)?.[1]
    expect(draft).toBeDefined()
    expect(await fs.readFile(draft as string, 'utf8')).toContain('my words')
    expect(await fs.readFile(path.join(root, 'renamed.md'), 'utf8')).toBe(OLD)
  })
})
