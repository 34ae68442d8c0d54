import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openOptionsFrom, readSettings, settingsFile, updateSettings } from './app-settings'

describe('settings', () => {
  let dir: string
  let file: string
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-settings-'))
    file = settingsFile(path.join(dir, 'userData'))
  })
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true })
  })

  it('reads a missing or broken file as empty settings', async () => {
    expect(await readSettings(file)).toEqual({})
    await fs.mkdir(path.dirname(file), { recursive: true })
    for (const broken of ['{', '[]', '"text"', 'null']) {
      await fs.writeFile(file, broken)
      expect(await readSettings(file)).toEqual({})
    }
  })

  it('drops fields of the wrong type or out of range and keeps unknown keys', async () => {
    await fs.mkdir(path.dirname(file), { recursive: true })
    await fs.writeFile(
      file,
      JSON.stringify({
        lastFolder: 42,
        user: ' ',
        theme: 'dark',
        heartbeatSeconds: 2,
        pollIntervalMs: 500,
        watchMode: 'sometimes',
        idleTimeoutMinutes: 10
      })
    )
    expect(await readSettings(file)).toEqual({ theme: 'dark', pollIntervalMs: 500, idleTimeoutMinutes: 10 })
  })

  it('turns settings into workspace options; the heartbeat in the environment wins over the file', () => {
    const settings = {
      user: 'Ann',
      heartbeatSeconds: 10,
      idleTimeoutMinutes: 1,
      watchMode: 'polling' as const
    }
    expect(openOptionsFrom(settings, {})).toEqual({
      user: 'Ann',
      lockSettings: { heartbeatIntervalMs: 10_000, idleTimeoutMs: 60_000, idleWarningMs: 30_000 },
      watch: { mode: 'polling', pollIntervalMs: undefined }
    })
    expect(openOptionsFrom(settings, { LOCK_HEARTBEAT_INTERVAL: '20' }).lockSettings).toEqual({
      idleTimeoutMs: 60_000,
      idleWarningMs: 30_000
    })
    expect(openOptionsFrom({}, {}).watch).toEqual({ mode: 'auto', pollIntervalMs: undefined })
  })

  it('merges updates, creating the folder, and leaves no temp file behind', async () => {
    await updateSettings(file, { user: 'Ann' })
    await updateSettings(file, { lastFolder: '/shared/book' })
    expect(await readSettings(file)).toEqual({ user: 'Ann', lastFolder: '/shared/book' })
    expect(await fs.readdir(path.dirname(file))).toEqual(['settings.json'])
  })
})
