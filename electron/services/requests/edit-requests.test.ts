import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testIdentity } from '../../../test/harness/test-identity'
import { Workspace } from '../core/workspace'
import { FakeClock } from '../../../test/harness/fake-clock'
import { EditRequests } from './edit-requests'

let root: string
let ws: Workspace
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-requests-'))
  ws = new Workspace(root)
})
afterEach(() => fs.rm(root, { recursive: true, force: true }))

describe('edit requests', () => {
  const annTo = { user: 'ann', host: 'ann-pc', instanceId: 'i-ann' }

  it('goes from the requester to the holder and back, as one small file', async () => {
    const bob = new EditRequests(ws, testIdentity('bob'), new FakeClock())
    const ann = new EditRequests(ws, testIdentity('ann'), new FakeClock())
    const sent = await bob.send('plan.md', 'budget', 'Budget', annTo)
    expect(await ann.pendingForMe()).toEqual([sent])
    expect(await bob.pendingForMe()).toEqual([])
    await expect(bob.answer(sent.id, 'released')).rejects.toThrow(/addressed to somebody else/)
    const answered = await ann.answer(sent.id, 'declined')
    expect(answered.answer).toMatchObject({ answer: 'declined', by: 'ann' })
    expect(await bob.read(sent.id)).toEqual(answered)
    expect(await ann.pendingForMe()).toEqual([])
    await bob.remove(sent.id)
    expect(await fs.readdir(ws.requestsDir)).toEqual([])
    await expect(ann.answer(sent.id, 'released')).rejects.toThrow(/withdrawn or already answered/)
  })

  it('refuses a request to oneself, and reads damaged or foreign files as no request', async () => {
    const ann = new EditRequests(ws, testIdentity('ann'), new FakeClock())
    await expect(ann.send('plan.md', 'budget', 'Budget', annTo)).rejects.toThrow(/another window/)
    await fs.mkdir(ws.requestsDir, { recursive: true })
    const id = '01JZ0000000000000000000000'
    await fs.writeFile(path.join(ws.requestsDir, `${id}.json`), '{"format":1,')
    expect(await ann.read(id)).toBeNull()
    expect(await ann.read('../../etc/passwd')).toBeNull()
    expect(await ann.pendingForMe()).toEqual([])
  })

  it('removes requests older than a day at start-up', async () => {
    const clock = new FakeClock()
    const bob = new EditRequests(ws, testIdentity('bob'), clock)
    const old = await bob.send('plan.md', 'budget', 'Budget', annTo)
    const fresh = await bob.send('plan.md', 'risks', 'Risks', annTo)
    const dayAgo = new Date(clock.wallNow() - 25 * 60 * 60 * 1000)
    await fs.utimes(path.join(ws.requestsDir, `${old.id}.json`), dayAgo, dayAgo)
    expect(await bob.removeOld()).toBe(1)
    expect(await fs.readdir(ws.requestsDir)).toEqual([`${fresh.id}.json`])
  })
})
