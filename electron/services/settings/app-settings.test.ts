import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  folderExists,
  openOptionsFrom,
  readSettings,
  readSettingsReport,
  recentFolders,
  recordPlace,
  recordRecentFolder,
  settingsFile,
  updateSettings
} from './app-settings'

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

  it('names what was wrong with a broken file, and a missing file is no problem', async () => {
    expect(await readSettingsReport(file)).toEqual({ settings: {}, problems: [] })
    await fs.mkdir(path.dirname(file), { recursive: true })
    await fs.writeFile(file, '{ "recentFolders": [')
    expect(await readSettingsReport(file)).toEqual({
      settings: {},
      problems: [`the settings file ${file} is not valid JSON; using the defaults`]
    })
    await fs.writeFile(file, '[1]')
    expect((await readSettingsReport(file)).problems).toEqual([
      `the settings file ${file} is not a JSON object; using the defaults`
    ])
  })

  it('records recent folders and places in the file: most recent first, once each; a hand-edited bad list is repaired', async () => {
    const book = path.join(dir, 'book')
    const notes = path.join(dir, 'notes')
    await fs.mkdir(book)
    await recordRecentFolder(file, book)
    await recordRecentFolder(file, notes)
    await recordRecentFolder(file, book)
    const onDisk = () => fs.readFile(file, 'utf8').then((t) => JSON.parse(t) as Record<string, unknown>)
    expect((await onDisk()).recentFolders).toEqual([book, notes])
    // `notes` was never made: shown greyed.
    expect(await recentFolders(await readSettings(file))).toEqual([
      { folder: book, exists: true },
      { folder: notes, exists: false }
    ])

    // A writer edits the file by hand and breaks entries: the rest survives, each problem is named.
    await fs.writeFile(
      file,
      JSON.stringify({ user: 'Ann', recentFolders: [notes, 'not/absolute', 7, notes], workspaces: 'x' })
    )
    const report = await readSettingsReport(file)
    expect(report.settings).toEqual({ user: 'Ann', recentFolders: [notes], workspaces: [] })
    expect(report.problems).toEqual([
      `${file}: recentFolders[1] is not an absolute folder path; dropped`,
      `${file}: recentFolders[2] is not an absolute folder path; dropped`,
      `${file}: workspaces is not a list; ignored`
    ])
    // The next write repairs the file.
    await recordPlace(file, book, { document: 'a.md', top: 5, anchor: 9, head: 9 })
    expect(await onDisk()).toEqual({
      user: 'Ann',
      recentFolders: [notes],
      workspaces: [
        { folder: book, shown: 'a.md', documents: [{ document: 'a.md', top: 5, anchor: 9, head: 9 }] }
      ]
    })
  })

  it('queues writes: many at once lose none of each other', async () => {
    const folders = Array.from({ length: 8 }, (_, i) => path.join(dir, `f${i}`))
    await Promise.all([
      ...folders.map((f) => recordRecentFolder(file, f)),
      ...folders.map((_, i) =>
        recordPlace(file, folders[0]!, { document: `d${i}.md`, top: i, anchor: i, head: i })
      )
    ])
    const settings = await readSettings(file)
    expect(settings.recentFolders).toEqual([...folders].reverse())
    expect(settings.workspaces?.[0]?.documents.map((d) => d.document)).toEqual(
      folders.map((_, i) => `d${i}.md`).reverse()
    )
    expect(await fs.readdir(path.dirname(file))).toEqual(['settings.json'])
  })

  it('checks recent folders one at a time and stops at the first that does not answer (a dead share)', async () => {
    const asked: string[] = []
    const stat = (folder: string) => {
      asked.push(folder)
      if (folder === '/dead/share') return new Promise<never>(() => undefined)
      if (folder === '/gone') return Promise.reject(new Error('ENOENT'))
      return Promise.resolve({ isDirectory: () => true })
    }
    const settings = { recentFolders: ['/here', '/gone', '/dead/share', '/after'] }
    expect(await recentFolders(settings, { stat, timeoutMs: 20 })).toEqual([
      { folder: '/here', exists: true },
      { folder: '/gone', exists: false },
      // Unknown: offered (opening it says whether it is there).
      { folder: '/dead/share', exists: true },
      { folder: '/after', exists: true }
    ])
    expect(asked).toEqual(['/here', '/gone', '/dead/share'])
    expect(await folderExists('/dead/share', { stat, timeoutMs: 20 })).toBe(null)
    expect(await folderExists(dir)).toBe(true)
    expect(await folderExists(file)).toBe(false)
  })
})
