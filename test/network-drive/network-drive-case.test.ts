/**
 * A case-insensitive share, as macOS, Windows and SMB servers are: one folder mounted with rclone's
 * `--vfs-case-insensitive` (FUSE), where `plan.md` opens `Plan.md`. Debian 12 has no ciopfs and this
 * kernel has no ext4 casefold, so rclone is the case-insensitive FUSE file system here.
 *
 * On Linux, renaming `Plan.md` to `plan.md` on such a mount finds the same file at both names and
 * the kernel does nothing and reports success (rename(2): two links to one file). A writer expects
 * the case-only rename to work as in Finder or Explorer: the file takes the new spelling, with its
 * section ids and history. A different document may not take a name that differs only in case from
 * an existing one: refused, nothing changed on disk. A case-only rename killed between its two
 * renames is finished by the next recovery.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openWorkspace, type AppServices } from '../../electron/services/app-services'
import { relOf, writeMoveIntent } from '../../electron/services/files/doc-move'
import { FakeClock } from '../harness/fake-clock'
import { mountRclone, rcloneProblem, unmountRclone } from '../harness/rclone-mounts'
import { testIdentity } from '../harness/test-identity'

const problem = rcloneProblem()
if (problem) console.log(`case-insensitive mount suite skipped: ${problem}`)

const PLAN = '# Budget\n\nOne.\n\n# Dates\n\nTwo.\n'
const OTHER = '# Other\n\nElse.\n'

describe.skipIf(problem !== null)('a case-insensitive mount (rclone --vfs-case-insensitive)', () => {
  let base: string
  let src: string
  let mount: string
  const opened: AppServices[] = []

  beforeAll(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-case-'))
    src = path.join(base, 'share')
    mount = path.join(base, 'm')
    await fs.mkdir(src)
    await fs.mkdir(mount)
    await fs.writeFile(path.join(src, 'Plan.md'), PLAN)
    await fs.writeFile(path.join(src, 'other.md'), OTHER)
    await mountRclone(src, mount, ['--vfs-case-insensitive'])
  }, 30_000)

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.dispose()))
  })

  afterAll(async () => {
    unmountRclone(mount)
    await fs.rm(base, { recursive: true, force: true })
  })

  async function open(user: string): Promise<AppServices> {
    const s = await openWorkspace({
      folder: mount,
      identity: testIdentity(user),
      clock: new FakeClock(),
      lockSettings: { heartbeatIntervalMs: 1000, idleTimeoutMs: 0 },
      watch: { mode: 'polling', pollIntervalMs: 200 }
    })
    opened.push(s)
    return s
  }

  /** The documents as the share itself lists them (the folder under the mount). */
  const listed = async () => (await fs.readdir(src)).filter((n) => n.endsWith('.md')).sort()

  it('is case-insensitive: the other spelling opens the same file', async () => {
    expect(await fs.readFile(path.join(mount, 'plan.md'), 'utf8')).toBe(PLAN)
  })

  it('renames Plan.md to plan.md: the file takes the new spelling and keeps its ids and history', async () => {
    const ann = await open('ann')
    const { section } = await ann.documents.section('Plan.md', 'budget')
    const lock = await ann.locks.acquireSection('Plan.md', 'budget')
    await ann.documents.saveSection(lock, section.sha256, '# Budget\n\nOne, revised.\n\n')
    await ann.locks.release(lock)
    const text = await fs.readFile(path.join(src, 'Plan.md'), 'utf8')
    const history = (await ann.history.list('Plan.md', 'budget')).map((v) => [v.version, v.content])
    expect(history.length).toBeGreaterThan(0)

    expect(await ann.files.rename('Plan.md', 'plan.md')).toMatchObject({ from: 'Plan.md', to: 'plan.md' })

    expect(await listed()).toEqual(['other.md', 'plan.md'])
    expect(await fs.readdir(mount)).toContain('plan.md')
    expect(await fs.readFile(path.join(src, 'plan.md'), 'utf8')).toBe(text)
    // Another instance opening the share finds the document under its new name, as it was.
    const bob = await open('bob')
    expect((await bob.documents.read('plan.md')).sections.map((x) => x.id)).toEqual([
      'preamble',
      'budget',
      'dates'
    ])
    const after = await bob.history.list('plan.md', 'budget')
    expect(after.map((v) => [v.version, v.content])).toEqual(history)
    expect(after.every((v) => v.document === 'plan.md')).toBe(true)
    expect(await bob.history.verifyAll()).toEqual([])
    // No temporary name is left beside it.
    expect((await fs.readdir(src)).filter((n) => !n.startsWith('.sectioned'))).toEqual(
      expect.arrayContaining(['other.md', 'plan.md'])
    )
    expect((await fs.readdir(src)).filter((n) => !n.startsWith('.sectioned')).length).toBe(2)
  })

  it('finishes a case-only rename killed between its two renames, from the step name', async () => {
    const ann = await open('ann')
    const ws = ann.workspace
    const history = (await ann.history.list('plan.md', 'budget')).map((v) => [v.version, v.content])
    const text = await fs.readFile(path.join(src, 'plan.md'), 'utf8')
    // As the mover left it: the intent written, the file renamed to the step name, then killed.
    await writeMoveIntent(ws, {
      format: 1,
      id: 'case-rename-killed',
      kind: 'rename',
      document: 'plan.md',
      to: 'Plan.md',
      fileFrom: 'plan.md',
      fileTo: 'Plan.md',
      dataFrom: relOf(ws, ws.docDir('plan.md')),
      dataTo: relOf(ws, ws.docDir('Plan.md')),
      relabel: 'Plan.md',
      relabelBack: 'plan.md',
      by: 'ann',
      at: '2026-11-29T10:32:00.000Z'
    })
    await fs.rename(path.join(mount, 'plan.md'), path.join(mount, '.Plan.md.case-rename'))
    expect(await listed()).toEqual(['other.md'])

    expect(await ann.files.recoverMoves()).toEqual([expect.objectContaining({ outcome: 'done' })])
    expect(await listed()).toEqual(['Plan.md', 'other.md'])
    expect((await fs.readdir(src)).filter((n) => n.includes('case-rename'))).toEqual([])
    expect(await fs.readFile(path.join(src, 'Plan.md'), 'utf8')).toBe(text)
    expect((await ann.history.list('Plan.md', 'budget')).map((v) => [v.version, v.content])).toEqual(history)
  })

  it('refuses another document a name that differs only in case, and changes nothing', async () => {
    const ann = await open('ann')
    const before = await listed()
    const current = before.find((n) => n.toLowerCase() === 'plan.md')!
    const planText = await fs.readFile(path.join(src, current), 'utf8')
    await expect(ann.files.rename('other.md', 'PLAN.md')).rejects.toThrow(
      new RegExp(`“PLAN\\.md” differs only in case from “${current.replace('.', '\\.')}”`)
    )
    await expect(ann.files.create('Plan.MD')).rejects.toThrow(/differs only in case/)
    await expect(ann.files.duplicate('other.md', 'PLAN.md')).rejects.toThrow(/differs only in case/)
    expect(await listed()).toEqual(before)
    expect(await fs.readFile(path.join(src, current), 'utf8')).toBe(planText)
    expect(await fs.readFile(path.join(src, 'other.md'), 'utf8')).toBe(OTHER)
  })
})
