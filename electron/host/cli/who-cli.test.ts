import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testIdentity } from '../../../test/harness/test-identity'
import type { Identity } from '../../../shared/types'
import { openWorkspace, type AppServices } from '../../services/app-services'
import { machineHostId } from '../../services/core/identity'
import { Workspace } from '../../services/core/workspace'
import { presenceFile, type PresenceRecord } from '../../services/presence/presence-record'
import { runCliCaptured } from '../../../test/harness/cli-run'

let dir: string
let ws: Workspace
const opened: AppServices[] = []

const run = runCliCaptured

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-who-'))
  ws = new Workspace(dir)
  await fs.writeFile(path.join(dir, 'plan.md'), 'Intro\n\n# Budget\n\nMoney\n')
})

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.dispose()))
  await fs.rm(dir, { recursive: true, force: true })
})

/** A record another instance left (written now, unless its mtime is moved afterwards). */
async function plant(identity: Identity): Promise<string> {
  await fs.mkdir(ws.presenceDir, { recursive: true })
  const record: PresenceRecord = {
    format: 1,
    identity,
    seq: 3,
    heartbeatIntervalMs: 30_000,
    refreshedAt: '2026-11-21T10:00:00.000Z',
    documents: [{ document: 'plan.md', sectionId: null, heading: null }]
  }
  const file = presenceFile(ws, identity.instanceId)
  await fs.writeFile(file, JSON.stringify(record))
  return file
}

describe('sectioned who', () => {
  it('says nobody is there in an unused folder (exit 0), and refuses a missing folder (exit 2)', async () => {
    expect(await run('who', dir)).toMatchObject({ code: 0, out: 'Nobody has the folder open.\n', err: '' })
    expect(JSON.parse((await run('who', dir, '--json')).out)).toEqual({ present: [], ignored: [] })
    expect((await run('who', path.join(dir, 'missing'))).code).toBe(2)
    expect((await run('who')).code).toBe(2)
  })

  it('lists a running instance’s windows with the heading each cursor is in; stale, ended and damaged records are not counted', async () => {
    const bob = await openWorkspace({
      folder: dir,
      identity: testIdentity('bob'),
      lockSettings: { heartbeatIntervalMs: 1000, idleTimeoutMs: 0 },
      watch: { mode: 'native' }
    })
    opened.push(bob)
    bob.presence.set('w1', { document: 'plan.md', sectionId: 'budget', heading: 'Budget' })
    bob.presence.set('w2', { document: 'plan.md', sectionId: 'preamble', heading: '' })
    await expect
      .poll(async () =>
        (await fs.readFile(presenceFile(ws, 'i-bob'), 'utf8').catch(() => '')).includes('budget')
      )
      .toBe(true)
    // Another computer's record not refreshed for 10 minutes by the share's clock (its mtime).
    const stale = await plant(testIdentity('cat'))
    // Ten minutes before the share's own clock (the file system stamps the record as it is written;
    // this process's clock may be off — faketime in the time-bomb run — and `who` never asks it).
    const shareNow = (await fs.stat(stale)).mtimeMs
    const old = new Date(shareNow - 10 * 60_000)
    await fs.utimes(stale, old, old)
    // This computer's record of a process that has ended.
    const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
    await plant(testIdentity('dan', { hostId: machineHostId(), pid: Number(ended.stdout.toString()) }))
    await fs.writeFile(path.join(ws.presenceDir, 'i-eve.json'), '{"format":')

    const text = await run('who', dir)
    expect(text.code).toBe(0)
    expect(text.out.split('\n')).toEqual([
      'WHO            DOCUMENT  WHERE',
      'bob on bob-pc  plan.md   in “Budget”',
      'bob on bob-pc  plan.md   in the text before the first heading',
      ''
    ])
    expect(text.err).toBe('3 presence record(s) not counted (stale, damaged or ended; --json says which)\n')

    const json = await run('who', dir, '--json')
    expect(json.code).toBe(0)
    const r = JSON.parse(json.out) as {
      present: { user: string; documents: unknown[]; ageMs: number }[]
      ignored: { instanceId: string; reason: string }[]
    }
    expect(r.present).toHaveLength(1)
    expect(r.present[0]).toMatchObject({ user: 'bob', host: 'bob-pc', instanceId: 'i-bob' })
    expect(r.present[0].documents).toEqual([
      { document: 'plan.md', sectionId: 'budget', heading: 'Budget' },
      { document: 'plan.md', sectionId: 'preamble', heading: '' }
    ])
    expect(r.present[0].ageMs).toBeLessThan(3000)
    expect(r.ignored.map((i) => [i.instanceId, i.reason.replace(/\d+ heartbeats/, 'N heartbeats')])).toEqual([
      ['i-cat', 'not refreshed for N heartbeats (stale)'],
      ['i-dan', 'its process on this computer has ended'],
      ['i-eve', 'damaged: is not valid JSON']
    ])
    // verify names the damaged record (the app only skips it).
    const verify = await run('verify', dir)
    expect(verify.code).toBe(5)
    expect(verify.out + verify.err).toMatch(/i-eve\.json.*not valid JSON/)
    // The probe that read the share's clock is gone again.
    expect((await fs.readdir(ws.presenceDir)).sort()).toEqual([
      'i-bob.json',
      'i-cat.json',
      'i-dan.json',
      'i-eve.json'
    ])
  })
})
