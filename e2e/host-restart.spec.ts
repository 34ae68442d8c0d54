/**
 * The fixture's instances themselves: each has its own config folder inside the test's directory,
 * and one whose web host was killed can be restarted on the same port, token and config folder —
 * its open windows reconnect without being reloaded.
 */
import { existsSync, promises as fs } from 'node:fs'
import path from 'node:path'
import { connectApi } from './api-client'
import { PLAN } from './documents'
import { expect, test, writersOn } from './fixtures'

test('each instance has its own config folder in the test’s directory; its settings go there', async ({
  sectioned
}) => {
  const {
    instances: [ann, bob]
  } = await writersOn(sectioned, 'plan.md', PLAN, ['ann', 'bob'], 'Money is tight.')
  if (!ann || !bob) throw new Error('two instances expected')
  expect(ann.configDir).not.toBe(bob.configDir)
  for (const dir of [ann.configDir, bob.configDir]) {
    expect(path.relative(sectioned.root, dir).startsWith('..')).toBe(false)
    // Never inside the shared folder: the watcher would see it, and the journal must not travel.
    expect(path.relative(sectioned.folder, dir).startsWith('..')).toBe(true)
    expect(existsSync(dir)).toBe(true)
  }

  const api = await connectApi(ann.host.url)
  try {
    const got = await api.call('settings:get', {})
    expect(got.ok && got.value.file).toBe(path.join(ann.configDir, 'settings.json'))
    expect((await api.call('settings:set', { pollIntervalMs: 700 })).ok).toBe(true)
  } finally {
    await api.close()
  }
  const stored = JSON.parse(await fs.readFile(path.join(ann.configDir, 'settings.json'), 'utf8')) as {
    pollIntervalMs?: number
  }
  expect(stored.pollIntervalMs).toBe(700)
  // Bob's host keeps its own file (its recent folders, where Bob was): Ann's setting is not in it.
  const bobs = JSON.parse(await fs.readFile(path.join(bob.configDir, 'settings.json'), 'utf8')) as {
    pollIntervalMs?: number
    recentFolders?: string[]
  }
  expect(bobs.pollIntervalMs).toBeUndefined()
  expect(bobs.recentFolders).toEqual([path.resolve(sectioned.folder)])
})

test('a killed web host restarted on its port, token and config folder: the open window reconnects by itself', async ({
  sectioned
}) => {
  const {
    instances: [ann],
    pages: [a]
  } = await writersOn(sectioned, 'plan.md', PLAN, ['ann'], 'Money is tight.')
  if (!ann || !a) throw new Error('one instance expected')
  const { url, pid } = ann.host
  const settings = await connectApi(url)
  expect((await settings.call('settings:set', { pollIntervalMs: 900 })).ok).toBe(true)
  await settings.close()

  await expect(ann.restart()).rejects.toThrow(/still running/)
  await ann.host.kill()
  await expect(a.getByTestId('connection')).not.toHaveText('Connected', { timeout: 10_000 })

  const again = await ann.restart()
  expect(again).toBe(ann.host)
  expect(again.pid).not.toBe(pid)
  expect(again.url).toBe(url)
  // The page retries with a backoff of at most 5 s; it was never reloaded.
  await expect(a.getByTestId('connection')).toHaveText('Connected', { timeout: 15_000 })
  // Same page (its token left the address bar at start: history.replaceState, not a reload).
  expect(a.url()).toBe(url.replace(/\?token=[^&#]*/, ''))

  // The same config folder: the setting saved before the kill is in effect.
  const api = await connectApi(again.url)
  try {
    const got = await api.call('settings:get', {})
    expect(got.ok && got.value.settings.pollIntervalMs).toBe(900)
    expect(got.ok && got.value.file).toBe(path.join(ann.configDir, 'settings.json'))
  } finally {
    await api.close()
  }
  // And a new window opens on the unchanged address.
  await ann.open('plan.md', 'Money is tight.')
  expect(ann.pages).toHaveLength(2)
})

test('a fixed token and port from the start are what the host prints', async ({ sectioned }) => {
  await sectioned.files({ 'plan.md': PLAN })
  const token = 'e2e-fixed-token_abcdefghijklmnopqrstuvwxyz0123'
  const probe = await sectioned.start({ user: 'probe' })
  const port = probe.host.port
  await probe.host.stop()
  const ann = await sectioned.start({ user: 'ann', token, port })
  expect(ann.host.url).toBe(`http://127.0.0.1:${port}/?token=${token}`)
  expect(ann.host.token).toBe(token)
  const a = await ann.open('plan.md', 'Money is tight.')
  await expect(a.getByTestId('connection')).toHaveText('Connected')
})
