/**
 * `verify` sees every class of damage the app relies on and `verify --repair` fixes what is safe,
 * with real CLI processes on real temp folders: planted half-claimed locks, files where folders
 * belong, oversized and damaged lock records, temp files of killed saves and orphaned claim
 * folders — old ones (past their grace by the share's clock) and young ones (maybe in progress).
 * A lock with a valid record, held by a live `hold` process, is never touched.
 */
import { fileSystemTimeAgo } from '../../../test/harness/fs-clock'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Workspace } from '../../services/core/workspace'
import { CLI, cli, killAll, start } from '../../../test/harness/test-processes'

let dir: string
let ws: Workspace
const TEXT = '# A\n\na\n\n# B\n\nb\n'
// An hour ago on the file system's clock (leftovers are aged on the share's clock, not this process's).
const HOUR_AGO = fileSystemTimeAgo(3600_000)

async function plantDir(p: string, old = true): Promise<string> {
  await fs.mkdir(p, { recursive: true })
  if (old) await fs.utimes(p, HOUR_AGO, HOUR_AGO)
  return p
}

async function plantFile(p: string, content = '', old = true): Promise<string> {
  await fs.mkdir(path.dirname(p), { recursive: true })
  await fs.writeFile(p, content)
  if (old) await fs.utimes(p, HOUR_AGO, HOUR_AGO)
  return p
}

async function exists(p: string): Promise<boolean> {
  return (await fs.lstat(p).catch(() => null)) !== null
}

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-verify-'))
  ws = new Workspace(dir)
  for (const name of ['d.md', 'd2.md', 'd3.md']) await fs.writeFile(path.join(dir, name), TEXT)
  await fs.writeFile(path.join(dir, 'a.txt'), '# A\n\na1\n\n')
  for (const name of ['d.md', 'd2.md', 'd3.md']) {
    const r = await cli([
      'edit',
      path.join(dir, name),
      'a',
      '--text-file',
      path.join(dir, 'a.txt'),
      '--user',
      'ann'
    ])
    expect(r.code, r.stderr).toBe(0)
  }
})

afterEach(async () => {
  killAll()
  await fs.rm(dir, { recursive: true, force: true })
})

describe('verify and verify --repair', () => {
  it('names every class of damage with what to do; --repair fixes old leftovers only and never a held lock', async () => {
    // A live holder of section b, heartbeating: its lock must come through --repair untouched.
    const held = start(CLI, ['hold', path.join(dir, 'd.md'), 'b', '--user', 'bob', '--heartbeat-ms', '200'])
    await held.waitFor('locked b')
    const sections = ws.sectionLocksDir('d.md')
    const heldDir = ws.sectionLockDir('d.md', 'b')
    const heldBefore = (await fs.readdir(heldDir)).filter((n) => /^g\d{9}$/.test(n))
    expect(heldBefore).toHaveLength(1)
    // Files of d2's locks and d3's history are replaced by plain files below.
    await fs.rm(ws.locksDir('d2.md'), { recursive: true })
    await fs.rm(path.dirname(ws.historyDir('d3.md', 'a')), { recursive: true })

    const repairable = {
      halfClaimed: await plantDir(path.join(sections, 'half', 'g000000001')),
      claimFolder: await plantDir(path.join(sections, 'a', '.claim-0123456789abcdef01')),
      tempBesideDocument: await plantFile(path.join(dir, 'd.md.123456'), 'cut'),
      tempIndex: await plantFile(`${ws.indexFile('d.md')}.42`, '{'),
      tempHistory: await plantFile(path.join(ws.historyDir('d.md', 'a'), 'v000000002.json.4242'), '{'),
      // A heartbeat killed between its temp write and its rename leaves this beside the record.
      tempLockRecord: await plantFile(path.join(heldDir, heldBefore[0], 'lock.json.999.abc.tmp'))
    }
    const young = {
      halfClaimed: await plantDir(path.join(sections, 'young', 'g000000001'), false),
      claimFolder: await plantDir(path.join(sections, 'a', '.claim-fresh'), false),
      temp: await plantFile(path.join(dir, 'd2.md.777'), 'in flight', false)
    }
    const forPeople = {
      fileAsGeneration: await plantFile(path.join(sections, 'fileg', 'g000000001')),
      lockFolderIsFile: await plantFile(path.join(sections, 'filelock')),
      locksFolderIsFile: await plantFile(ws.locksDir('d2.md')),
      historyFolderIsFile: await plantFile(path.dirname(ws.historyDir('d3.md', 'a'))),
      oversizedRecord: path.join(sections, 'big'),
      damagedRecord: path.join(sections, 'bad')
    }
    await plantFile(
      path.join(sections, 'big', 'g000000001', 'lock.json'),
      JSON.stringify({ pad: 'x'.repeat(5 * 1024 * 1024) })
    )
    await plantFile(path.join(sections, 'bad', 'g000000001', 'lock.json'), '{"format":1, "oops"')

    const verify = await cli(['verify', dir])
    expect(verify.code, verify.stderr).toBe(5)
    const lines = verify.stderr.trim().split('\n')
    for (const [what, file] of Object.entries({ ...repairable, ...forPeople })) {
      const line = lines.find((l) => l.includes(`${file}:`) || l.includes(`${file} `))
      expect(line, `${what} not named:\n${verify.stderr}`).toBeDefined()
      expect(line, what).toMatch(/ — \S/) // and what to do about it
    }
    expect(lines.find((l) => l.includes(repairable.halfClaimed))).toMatch(/half-claimed/)
    expect(lines.find((l) => l.includes(forPeople.oversizedRecord))).toMatch(/MiB, more than the 4 KiB/)
    for (const file of Object.values(young)) {
      expect(verify.stderr).not.toContain(file) // may be work in progress: not damage
      expect(verify.stdout).toContain(file)
    }
    expect(verify.stderr).not.toContain(`${heldDir}:`)

    const repair = await cli(['verify', dir, '--repair'])
    expect(repair.code, repair.stderr).toBe(5) // what needs a person is left
    for (const [what, file] of Object.entries(repairable)) {
      expect(repair.stdout, what).toMatch(
        new RegExp(`repaired: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)
      )
    }
    expect(await exists(repairable.tempBesideDocument)).toBe(false)
    expect(await exists(repairable.claimFolder)).toBe(false)
    // A tombstone generation above it: it decides nothing now. It stays (the last generations are
    // kept, see KEEP_BEHIND in locks/lock-dir.ts) and a second verify does not name it.
    expect((await fs.readdir(path.join(sections, 'half'))).sort()).toEqual(['g000000001', 'g000000002'])
    expect(await fs.readdir(path.join(sections, 'half', 'g000000002'))).toEqual(['released.json'])
    expect((await cli(['verify', dir])).stderr).not.toContain(repairable.halfClaimed)
    for (const file of Object.values(young)) expect(await exists(file), file).toBe(true)
    for (const [what, file] of Object.entries(forPeople)) {
      expect(repair.stderr, what).toContain(`${file}`)
      expect(await exists(file), what).toBe(true)
    }
    expect(repair.stderr).toMatch(/left for a person/)
    // The held lock: same generations, still Bob's — another writer is refused.
    expect((await fs.readdir(heldDir)).filter((n) => n.startsWith('g'))).toEqual(heldBefore)
    await fs.writeFile(path.join(dir, 'b.txt'), '# B\n\nmine\n')
    const edit = await cli([
      'edit',
      path.join(dir, 'd.md'),
      'b',
      '--text-file',
      path.join(dir, 'b.txt'),
      '--user',
      'cy'
    ])
    expect(edit.code).toBe(3)
    expect(edit.stderr).toMatch(/bob/)
  }, 60_000)

  it('exits 0 once everything is repaired, and verify passes afterwards', async () => {
    const sections = ws.sectionLocksDir('d.md')
    await plantDir(path.join(sections, 'half', 'g000000004'))
    await plantDir(path.join(sections, 'a', '.claim-old'))
    await plantFile(path.join(dir, 'd.md.99'), 'cut')
    expect((await cli(['verify', dir])).code).toBe(5)
    const repair = await cli(['verify', dir, '--repair'])
    expect(repair.code, repair.stderr).toBe(0)
    expect(repair.stdout).toMatch(/repaired 3, 0 problems left/)
    const again = await cli(['verify', dir])
    expect(again.code, again.stderr).toBe(0)
    const json = JSON.parse((await cli(['verify', dir, '--json'])).stdout)
    expect(json).toMatchObject({ ok: true, problems: [], cancelled: false })
  }, 60_000)
})
