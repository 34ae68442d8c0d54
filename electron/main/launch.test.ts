import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chooseWorkspaceFolder, ensureSampleWorkspace, parseLaunchArgs, withFolderArg } from './launch'

const repoSample = path.resolve(__dirname, '../../resources/sample-workspace')

describe('parseLaunchArgs', () => {
  it('finds --folder and --user anywhere among Electron’s and Chromium’s arguments', () => {
    expect(parseLaunchArgs(['/usr/bin/electron', '.', '--folder', '/shared/book', '--user', 'Ann'])).toEqual({
      folder: '/shared/book',
      user: 'Ann'
    })
    expect(
      parseLaunchArgs(['Sectioned.exe', '--no-sandbox-not-ours', '--folder=D:\\Book', '--user=Ben Li'])
    ).toEqual({
      folder: 'D:\\Book',
      user: 'Ben Li'
    })
  })

  it('ignores a flag without a value', () => {
    expect(parseLaunchArgs(['electron', '.', '--folder'])).toEqual({})
    expect(parseLaunchArgs(['electron', '.', '--folder', '--user', 'Ann'])).toEqual({ user: 'Ann' })
    expect(parseLaunchArgs(['electron', '.', '--user=', '--folder=  '])).toEqual({})
  })
})

describe('withFolderArg', () => {
  it('replaces any --folder with the new one and keeps the rest', () => {
    expect(withFolderArg(['.', '--folder', '/old', '--user', 'Ann'], '/new')).toEqual([
      '.',
      '--user',
      'Ann',
      '--folder',
      '/new'
    ])
    expect(withFolderArg(['.', '--folder=/old'], '/new')).toEqual(['.', '--folder', '/new'])
    expect(withFolderArg([], '/new')).toEqual(['--folder', '/new'])
  })
})

describe('choosing the workspace folder', () => {
  let tmp: string
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-launch-'))
  })
  afterEach(async () => {
    await fs.rm(tmp, { recursive: true, force: true })
  })

  it('takes --folder first, resolved against the working directory', async () => {
    await fs.mkdir(path.join(tmp, 'book'))
    const choice = await chooseWorkspaceFolder({
      argFolder: 'book',
      lastFolder: tmp,
      sampleSource: repoSample,
      sampleTarget: path.join(tmp, 'sample'),
      cwd: tmp
    })
    expect(choice).toEqual({ folder: path.join(tmp, 'book'), source: 'argument' })
  })

  it('fails clearly when --folder is not a folder', async () => {
    await expect(
      chooseWorkspaceFolder({
        argFolder: path.join(tmp, 'nope'),
        sampleSource: repoSample,
        sampleTarget: path.join(tmp, 's')
      })
    ).rejects.toThrow(/does not exist/)
  })

  it('else reopens the last folder, if it is still there', async () => {
    const opts = { lastFolder: tmp, sampleSource: repoSample, sampleTarget: path.join(tmp, 'sample') }
    expect(await chooseWorkspaceFolder(opts)).toEqual({ folder: tmp, source: 'last' })
    const gone = await chooseWorkspaceFolder({ ...opts, lastFolder: path.join(tmp, 'unmounted') })
    expect(gone).toEqual({ folder: path.join(tmp, 'sample'), source: 'sample' })
  })

  it('else copies the shipped sample once and keeps the writer’s edits to it', async () => {
    const target = path.join(tmp, 'userData', 'sample-workspace')
    const choice = await chooseWorkspaceFolder({ sampleSource: repoSample, sampleTarget: target })
    expect(choice).toEqual({ folder: target, source: 'sample' })
    const files = (await fs.readdir(target, { recursive: true })).map(String).filter((f) => f.endsWith('.md'))
    expect(files.length).toBeGreaterThanOrEqual(2)
    await fs.writeFile(path.join(target, 'Welcome.md'), 'mine')
    await ensureSampleWorkspace(repoSample, target)
    expect(await fs.readFile(path.join(target, 'Welcome.md'), 'utf8')).toBe('mine')
    expect((await fs.readdir(path.dirname(target))).filter((f) => f.includes('partial'))).toEqual([])
  })

  it('says so when the sample is missing from the app', async () => {
    await expect(ensureSampleWorkspace(path.join(tmp, 'missing'), path.join(tmp, 'sample'))).rejects.toThrow(
      /sample workspace is missing/
    )
  })
})

describe('the shipped sample workspace', () => {
  it('shows sections, a setext heading and a code fence holding “# not a heading”', async () => {
    const texts = await Promise.all(
      (await fs.readdir(repoSample, { recursive: true }))
        .map(String)
        .filter((f) => f.endsWith('.md'))
        .map((f) => fs.readFile(path.join(repoSample, f), 'utf8'))
    )
    const all = texts.join('\n')
    expect(texts.length).toBeGreaterThanOrEqual(2)
    expect(texts.length).toBeLessThanOrEqual(3)
    expect(all).toMatch(/^#{1,2} \S/m)
    expect(all).toMatch(/^\S.*\n(=+|-+)$/m)
    expect(all).toMatch(/```[^\n]*\n# not a heading\n[\s\S]*?```/)
  })
})
