import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readLockDir } from '../locks/lock-dir'
import { FakeClock } from '../../../test/harness/fake-clock'
import { MemoryLog } from '../../../test/harness/memory-log'
import { openSession, type Session, type SessionTransport } from './open-session'

const DOC = 'plan.md'
let tmp: string
let share: string
let hostDir: string
const open: Session<SessionTransport | null>[] = []

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-session-'))
  share = path.join(tmp, 'share')
  hostDir = path.join(tmp, 'user-data')
  await fs.mkdir(share)
  await fs.writeFile(path.join(share, DOC), 'Intro\n\n# Budget\n\nMoney\n')
})

afterEach(async () => {
  for (const s of open.splice(0)) await s.dispose()
  await fs.rm(tmp, { recursive: true, force: true })
})

async function logLines(): Promise<Record<string, unknown>[]> {
  const dir = path.join(hostDir, 'logs')
  const files = await fs.readdir(dir)
  expect(files).toEqual([expect.stringMatching(/^test-[0-9A-Z]{26}\.log$/)])
  const text = await fs.readFile(path.join(dir, files[0]), 'utf8')
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

/** Handles Node holds for this process (timers, watchers, sockets), as the event loop counts them. */
const resources = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length

/** Waits until no more resources are held than `limit` (chokidar's own timers run out after close). */
async function settlesTo(limit: number): Promise<number> {
  for (let i = 0; i < 100 && resources() > limit; i++) await new Promise((r) => setTimeout(r, 20))
  return resources()
}

describe('openSession', () => {
  it('opens on the host folder’s settings, keeps journal and log file there (not in the share), and closes in reverse order', async () => {
    await fs.mkdir(hostDir)
    await fs.writeFile(
      path.join(hostDir, 'settings.json'),
      JSON.stringify({ lastFolder: share, user: 'ann', heartbeatSeconds: 7 })
    )
    const clock = new FakeClock(Date.UTC(2030, 4, 6, 7, 8, 9))
    const steps: string[] = []
    const session = await openSession({
      kind: 'test',
      hostDir,
      env: {},
      clock,
      // Electron's way: the folder is chosen from the settings (the folder opened last).
      folder: async (settings) => settings.lastFolder ?? '',
      transport: () => {
        steps.push('transport bound')
        return {
          dispose: async () => {
            // The transport goes first: the services still hold the lock taken below.
            steps.push(`transport disposed, ${session.services.locks.heldLocks().length} lock held`)
          }
        }
      }
    })
    expect(session.folder).toBe(share)
    expect(session.services.identity.user).toBe('ann')
    expect(session.services.locks.settings.heartbeatIntervalMs).toBe(7_000)
    expect(session.settingsFile).toBe(path.join(hostDir, 'settings.json'))
    const got = await session.dispatcher.call(
      'locks:acquire',
      { document: DOC, sectionId: 'budget' },
      { clientId: 'w1' }
    )
    expect(got.ok).toBe(true)
    await session.services.journal?.write(DOC, [
      { sectionId: 'budget', baseSha256: null, text: '# Budget\n\nx\n' }
    ])

    await session.dispose()
    await session.dispose() // twice is once
    expect(steps).toEqual(['transport bound', 'transport disposed, 1 lock held'])
    // The services went after it: the lock is released on disk.
    const state = await readLockDir(session.services.locks.lockDir('section', DOC, 'budget'))
    expect(state.kind).toBe('released')
    expect(await fs.readdir(hostDir)).toEqual(expect.arrayContaining(['journal', 'logs', 'settings.json']))
    expect(await fs.readdir(path.join(share, '.sectioned'))).not.toEqual(expect.arrayContaining(['logs']))
    const lines = await logLines()
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['info', 'session opened'],
      ['info', 'session closed']
    ])
    expect(lines[0]).toMatchObject({
      ts: '2030-05-06T07:08:09.000Z',
      kind: 'test',
      folder: share,
      user: 'ann'
    })
  })

  it('a broken settings file opens on the defaults with one clear log line; the folder is recorded among the recent ones', async () => {
    await fs.mkdir(hostDir)
    const file = path.join(hostDir, 'settings.json')
    await fs.writeFile(file, '{"user": "ann", ')
    const log = new MemoryLog()
    const session = await openSession({
      kind: 'test',
      hostDir,
      env: {},
      log,
      folder: share,
      transport: () => null
    })
    open.push(session)
    expect(session.services.locks.settings.heartbeatIntervalMs).toBe(30_000)
    expect(log.at('warn').map((l) => l.message)).toEqual([
      `the settings file ${file} is not valid JSON; using the defaults`
    ])
    // The file on disk now lists the folder (and was repaired by that write).
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual({ recentFolders: [share] })
  })

  it('leaves no timers, watchers or files open once disposed: the process can exit', async () => {
    const before = resources()
    const session = await openSession({
      kind: 'test',
      hostDir,
      env: {},
      folder: share,
      user: 'bob',
      workspace: { watch: { mode: 'native' }, lockSettings: { heartbeatIntervalMs: 200 } },
      transport: () => null
    })
    await session.dispatcher.call('locks:acquire', { document: DOC, sectionId: 'budget' }, { clientId: 'w' })
    expect(resources()).toBeGreaterThan(before) // heartbeat, metrics, watcher
    await session.dispose()
    expect(await settlesTo(before)).toBeLessThanOrEqual(before)
  })

  it('undoes what it opened when the transport fails, and the failure is the log’s last line', async () => {
    const before = resources()
    const failing = openSession({
      kind: 'test',
      hostDir,
      env: {},
      folder: share,
      workspace: { watch: { mode: 'native' } },
      transport: () => {
        throw new Error('port 80 is taken')
      }
    })
    await expect(failing).rejects.toThrow('port 80 is taken')
    expect(await settlesTo(before)).toBeLessThanOrEqual(before)
    const lines = await logLines()
    expect(lines.at(-1)).toMatchObject({
      level: 'error',
      msg: 'the session could not be opened',
      error: 'port 80 is taken'
    })
  })

  it('without a host folder (the CLI) keeps no settings, journal or log file, and logs to the sink it is given', async () => {
    const log = new MemoryLog()
    const session = await openSession({ kind: 'cli', folder: share, log, transport: () => null })
    open.push(session)
    expect(session.settingsFile).toBeNull()
    expect(session.services.journal).toBeNull()
    expect(session.services.watcher).toBeNull()
    await session.dispose()
    expect(log.lines.map((l) => l.message)).toEqual(['session opened', 'session closed'])
    await expect(fs.stat(hostDir)).rejects.toThrow()
  })

  it('a lock whose release fails leaves a warning in the injected log; the window still closes', async () => {
    const log = new MemoryLog()
    const session = await openSession({
      kind: 'test',
      folder: share,
      user: 'cy',
      log,
      clock: new FakeClock(),
      transport: () => null
    })
    open.push(session)
    const got = await session.dispatcher.call(
      'locks:acquire',
      { document: DOC, sectionId: 'budget' },
      { clientId: 'w' }
    )
    expect(got.ok).toBe(true)
    // The lock folder is replaced by a file (a share gone wrong): neither a tombstone nor a
    // release in place can be written.
    const dir = session.services.locks.lockDir('section', DOC, 'budget')
    await fs.rm(dir, { recursive: true })
    await fs.writeFile(dir, 'not a lock folder')
    await session.dispatcher.clientClosed('w')
    expect(log.at('warn')).toEqual([
      {
        level: 'warn',
        message: 'a lock could not be released; it stays until it goes stale',
        fields: expect.objectContaining({
          kind: 'section',
          document: DOC,
          sectionId: 'budget',
          reason: 'window closed',
          error: expect.any(String)
        })
      }
    ])
  })
})
