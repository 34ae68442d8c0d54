import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { ReplyFrame } from './protocol'
import { startServeHost, type ServeHost } from './serve-host'
import { holdSaves } from '../../../test/harness/hold-saves'

let tmp: string
let folder: string
let configDir: string
const running: ServeHost[] = []
const sockets: WebSocket[] = []

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-serve-host-'))
  folder = path.join(tmp, 'shared')
  configDir = path.join(tmp, 'config')
  await fs.mkdir(folder)
  await fs.writeFile(path.join(folder, 'plan.md'), 'Intro\n\n# Budget\n\nMoney\n')
})

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate()
  for (const r of running.splice(0)) await r.close()
  await fs.rm(tmp, { recursive: true, force: true })
})

async function serve(): Promise<ServeHost> {
  const r = await startServeHost({
    folder,
    user: 'ann',
    staticDir: null,
    env: { SECTIONED_CONFIG_DIR: configDir }
  })
  running.push(r)
  return r
}

/** A page's API socket: `request` sends a frame and resolves with the reply carrying its id. */
async function page(r: ServeHost) {
  const ws = new WebSocket(`ws://127.0.0.1:${r.host.port}/api?token=${r.host.token}`, {
    origin: `http://127.0.0.1:${r.host.port}`
  })
  sockets.push(ws)
  const replies = new Map<number, (f: ReplyFrame) => void>()
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Partial<ReplyFrame>
    if (typeof frame.id === 'number') replies.get(frame.id)?.(frame as ReplyFrame)
  })
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  let nextId = 1
  const send = (channel: string, payload: unknown) => {
    const id = nextId++
    const reply = new Promise<ReplyFrame>((resolve) => replies.set(id, resolve))
    ws.send(JSON.stringify({ id, channel, payload }))
    return reply
  }
  const value = async <T>(channel: string, payload: unknown): Promise<T> => {
    const { result } = await send(channel, payload)
    if (!result.ok) throw new Error(`${channel}: ${result.error.message}`)
    return result.value as T
  }
  return { ws, send, value }
}

describe('the served app (web host + services)', () => {
  it('keeps its journal and settings in $SECTIONED_CONFIG_DIR, not in the shared folder', async () => {
    const r = await serve()
    const p = await page(r)
    const entries = [{ sectionId: 'budget', baseSha256: null, text: '# Budget\n\nUnsaved\n' }]
    expect(await p.value('journal:write', { document: 'plan.md', entries })).toEqual({ ok: true })

    const journalDir = path.join(configDir, 'journal')
    const files = await fs.readdir(journalDir)
    expect(files).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.json$/)])
    const onDisk = JSON.parse(await fs.readFile(path.join(journalDir, files[0]), 'utf8')) as unknown
    expect(onDisk).toMatchObject({ document: 'plan.md', entries: [{ sectionId: 'budget', user: 'ann' }] })
    expect((await fs.stat(journalDir)).mode & 0o777).toBe(0o700)
    expect(await fs.readdir(path.join(folder, '.sectioned'))).not.toContain('journal')

    const listed = await p.value<{ entries: { text: string }[] }>('journal:list', { document: 'plan.md' })
    expect(listed.entries.map((e) => e.text)).toEqual(['# Budget\n\nUnsaved\n'])
    expect(await p.value<{ file: string }>('settings:get', {})).toMatchObject({
      file: path.join(configDir, 'settings.json')
    })
    expect(await p.value('app:flushed', {})).toEqual({ ok: true })
  })

  it('writes its log file in $SECTIONED_CONFIG_DIR/logs, one per instance, never in the shared folder', async () => {
    const r = await serve()
    await r.close()
    const logs = await fs.readdir(path.join(configDir, 'logs'))
    expect(logs).toEqual([`serve-${r.services.identity.instanceId}.log`])
    const lines = (await fs.readFile(path.join(configDir, 'logs', logs[0]), 'utf8')).trim().split('\n')
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'session opened',
      'session closed'
    ])
    expect(await fs.readdir(path.join(folder, '.sectioned'))).not.toContain('logs')
  })

  it('lands a save sent right before the page closed, then releases the page’s lock', async () => {
    const r = await serve()
    const s = r.services
    const p = await page(r)
    const snap = await p.value<{ sections: { id: string; sha256: string }[] }>('documents:open', {
      document: 'plan.md'
    })
    await p.value('locks:acquire', { document: 'plan.md', sectionId: 'budget' })
    // Every save takes the document's write mutex first: holding that holds the save.
    const letSaveGo = holdSaves(s.locks)
    const heldSections = () => s.locks.heldLocks().filter((l) => l.kind === 'section').length

    void p.send('sections:save', {
      document: 'plan.md',
      sectionId: 'budget',
      baseSha256: snap.sections[1].sha256,
      text: '# Budget\n\nTyped just before closing\n'
    })
    await new Promise((resolve) => setTimeout(resolve, 50)) // the frame reached the host
    const closed = new Promise((resolve) => p.ws.once('close', resolve))
    p.ws.close()
    await closed
    await new Promise((resolve) => setTimeout(resolve, 100))
    try {
      expect(heldSections()).toBe(1) // the page is gone, its save is not done: the lock stays
    } finally {
      letSaveGo() // also when the check fails: a held save would keep the host from closing
    }
    for (let i = 0; i < 100 && heldSections() > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20))
    expect(heldSections()).toBe(0)
    expect(await fs.readFile(path.join(folder, 'plan.md'), 'utf8')).toBe(
      'Intro\n\n# Budget\n\nTyped just before closing\n'
    )
  })
})
