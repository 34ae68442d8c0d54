/**
 * `files:asset` and `files:save-image` through the dispatcher, on real files in a temp folder:
 * images a document names are served only from inside the workspace (no `..` out, no absolute,
 * UNC or `file:` path, no link out of the share), only allow-listed types whose bytes match, at
 * most 10 MiB; a pasted image is saved atomically under a unique safe name, only while the calling
 * window holds the section, in the folder the settings name.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../shared/errors'
import { createDispatcher } from './dispatcher'
import { DOC, dispatcherWorkspace, fail, ok } from '../../../test/harness/dispatcher-harness'
import { ASSET_MAX_BYTES } from '../files/assets'

const ws = dispatcherWorkspace()
const ctx = { clientId: 'w1' }

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64'
)

async function put(rel: string, data: Buffer | string): Promise<void> {
  const file = path.join(ws.root(), rel)
  await fs.mkdir(path.dirname(file), { recursive: true })
  await fs.writeFile(file, data)
}

describe('files:asset', () => {
  it('serves an image relative to the document, in a subfolder or a parent folder inside the workspace', async () => {
    const { d } = await ws.open('ann')
    await put('img/costs.png', PNG)
    await put('notes/deep/plan.md', '# Plan\n')
    await put('assets/x.png', PNG)
    const a = ok<{ path: string; mime: string; data: string }>(
      await d.call('files:asset', { document: DOC, src: 'img/costs.png' }, ctx)
    )
    expect(a).toMatchObject({ path: 'img/costs.png', mime: 'image/png' })
    expect(Buffer.from(a.data, 'base64').equals(PNG)).toBe(true)
    const up = ok<{ path: string }>(
      await d.call('files:asset', { document: 'notes/deep/plan.md', src: '../../assets/x.png' }, ctx)
    )
    expect(up.path).toBe('assets/x.png')
    // Percent-encoding, as markdown-it writes a name with a space, and a query are understood.
    await put('img/my costs.png', PNG)
    expect(
      ok<{ path: string }>(await d.call('files:asset', { document: DOC, src: 'img/my%20costs.png?v=2' }, ctx))
        .path
    ).toBe('img/my costs.png')
  })

  it('refuses every path out of the workspace: .., absolute, UNC, Windows, file: and other schemes', async () => {
    const { d } = await ws.open('ann')
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-outside-'))
    try {
      await fs.writeFile(path.join(outside, 'secret.png'), PNG)
      const name = path.basename(outside)
      const tries = [
        `../${name}/secret.png`,
        'img/../../x.png',
        path.join(outside, 'secret.png'),
        `//host/share/secret.png`,
        `\\\\host\\share\\secret.png`,
        `C:\\Users\\x.png`,
        `img\\..\\..\\x.png`,
        `file://${outside}/secret.png`,
        `file:${outside}/secret.png`,
        'https://example.com/x.png',
        '.sectioned/docs/x.png',
        '%2e%2e/x.png'
      ]
      for (const src of tries) {
        const r = await d.call('files:asset', { document: DOC, src }, ctx)
        expect(r.ok, src).toBe(false)
        expect(fail(r).code, src).toBe(ErrorCode.PathOutside)
      }
    } finally {
      await fs.rm(outside, { recursive: true, force: true })
    }
  })

  it('refuses a link that leads out of the share (and a link inside it: a file has one name)', async () => {
    const { d } = await ws.open('ann')
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-outside-'))
    try {
      await fs.writeFile(path.join(outside, 'secret.png'), PNG)
      await fs.symlink(path.join(outside, 'secret.png'), path.join(ws.root(), 'linked.png'))
      await fs.symlink(outside, path.join(ws.root(), 'linked-folder'))
      for (const src of ['linked.png', 'linked-folder/secret.png']) {
        const e = fail(await d.call('files:asset', { document: DOC, src }, ctx))
        expect(e.code, src).toBe(ErrorCode.PathOutside)
      }
    } finally {
      await fs.rm(outside, { recursive: true, force: true })
    }
  })

  it('serves only allow-listed types whose bytes match, at most 10 MiB', async () => {
    const { d } = await ws.open('ann')
    await put('page.html', '<script>alert(1)</script>')
    await put('fake.png', '<script>alert(1)</script>')
    await put('huge.png', Buffer.concat([PNG, Buffer.alloc(ASSET_MAX_BYTES)]))
    await put('logo.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>')
    expect(fail(await d.call('files:asset', { document: DOC, src: 'page.html' }, ctx)).message).toMatch(
      /not an image/
    )
    expect(fail(await d.call('files:asset', { document: DOC, src: 'fake.png' }, ctx)).message).toMatch(
      /not really a png/
    )
    expect(fail(await d.call('files:asset', { document: DOC, src: 'huge.png' }, ctx)).message).toMatch(
      /more than the 10\.0 MiB/
    )
    expect(fail(await d.call('files:asset', { document: DOC, src: 'gone.png' }, ctx)).code).toBe(
      ErrorCode.NotFound
    )
    expect(
      ok<{ mime: string }>(await d.call('files:asset', { document: DOC, src: 'logo.svg' }, ctx)).mime
    ).toBe('image/svg+xml')
  })
})

describe('files:save-image', () => {
  const image = (name = 'Screen Shot 1.png', data = PNG) => ({
    document: DOC,
    sectionId: 'budget',
    name,
    mime: 'image/png',
    data: data.toString('base64')
  })

  it('is refused unless this window holds the section; nothing is written', async () => {
    const { d } = await ws.open('ann')
    expect(fail(await d.call('files:save-image', image(), ctx)).code).toBe(ErrorCode.Validation)
    ok(await d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, { clientId: 'w2' }))
    expect(fail(await d.call('files:save-image', image(), ctx)).code).toBe(ErrorCode.LockHeld)
    await expect(fs.readdir(path.join(ws.root(), 'assets'))).rejects.toThrow()
  })

  it('saves under assets/ with a safe name, never over another file, and answers the link from the document', async () => {
    const { d } = await ws.open('ann')
    ok(await d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, ctx))
    const first = ok<{ path: string; link: string }>(await d.call('files:save-image', image(), ctx))
    expect(first).toEqual({ path: 'assets/screen-shot-1.png', link: 'assets/screen-shot-1.png' })
    const second = ok<{ path: string }>(await d.call('files:save-image', image('../../evil.png'), ctx))
    expect(second.path).toBe('assets/evil.png')
    const again = ok<{ path: string }>(await d.call('files:save-image', image(), ctx))
    expect(again.path).toMatch(/^assets\/screen-shot-1-[0-9a-f]{8}\.png$/)
    for (const p of [first.path, second.path, again.path])
      expect((await fs.readFile(path.join(ws.root(), p))).equals(PNG)).toBe(true)
    // Atomic: no temp file is left beside the images.
    expect((await fs.readdir(path.join(ws.root(), 'assets'))).sort()).toEqual(
      ['evil.png', 'screen-shot-1.png', path.basename(again.path)].sort()
    )
  })

  it('links from a document in a subfolder with ../, into the folder the settings name', async () => {
    const { s } = await ws.open('ann')
    await put('notes/plan.md', '# Budget\n\nMoney\n')
    const settings = path.join(ws.root(), '..', `${path.basename(ws.root())}-settings.json`)
    await fs.writeFile(settings, JSON.stringify({ assetsFolder: 'media/pictures' }))
    try {
      const d = createDispatcher(s, { settingsFile: settings })
      try {
        ok(await d.call('locks:acquire', { document: 'notes/plan.md', sectionId: 'budget' }, ctx))
        const r = ok<{ path: string; link: string }>(
          await d.call('files:save-image', { ...image('x.png'), document: 'notes/plan.md' }, ctx)
        )
        expect(r).toEqual({ path: 'media/pictures/x.png', link: '../media/pictures/x.png' })
      } finally {
        await d.dispose()
      }
    } finally {
      await fs.rm(settings, { force: true })
    }
  })

  it('refuses what is not an image of the allow-list, or larger than 10 MiB', async () => {
    const { d } = await ws.open('ann')
    ok(await d.call('locks:acquire', { document: DOC, sectionId: 'budget' }, ctx))
    expect(fail(await d.call('files:save-image', { ...image(), mime: 'text/html' }, ctx)).code).toBe(
      ErrorCode.Validation
    )
    expect(
      fail(await d.call('files:save-image', image('x.png', Buffer.from('<html>')), ctx)).message
    ).toMatch(/not really a png/)
    const big = Buffer.concat([PNG, Buffer.alloc(ASSET_MAX_BYTES)])
    expect(fail(await d.call('files:save-image', image('x.png', big), ctx)).code).toBe(ErrorCode.Validation)
    await expect(fs.readdir(path.join(ws.root(), 'assets'))).rejects.toThrow()
  })
})

describe('export:pdf', () => {
  it('answers null where the host prints no PDF (the web host), and the host’s PDF as base64 for the calling window', async () => {
    const { s, d } = await ws.open('ann')
    expect(ok(await d.call('export:pdf', {}, ctx))).toEqual({ data: null })
    const asked: string[] = []
    const electronLike = createDispatcher(s, {
      onPrintToPdf: async (clientId) => {
        asked.push(clientId)
        return new TextEncoder().encode('%PDF-1.7')
      }
    })
    try {
      const r = ok<{ data: string }>(await electronLike.call('export:pdf', {}, ctx))
      expect(Buffer.from(r.data, 'base64').toString('latin1')).toBe('%PDF-1.7')
      expect(asked).toEqual(['w1'])
    } finally {
      await electronLike.dispose()
    }
  })
})

describe('the assetsFolder setting', () => {
  it('is shown (default assets), stored, and refused when it leads out of the workspace', async () => {
    const { s } = await ws.open('ann')
    const settings = path.join(ws.root(), '..', `${path.basename(ws.root())}-settings2.json`)
    const d = createDispatcher(s, { settingsFile: settings })
    try {
      const got = ok<{ settings: { assetsFolder: string } }>(await d.call('settings:get', {}, ctx))
      expect(got.settings.assetsFolder).toBe('assets')
      for (const bad of ['../out', '/abs', '.sectioned', 'C:\\x'])
        expect(fail(await d.call('settings:set', { assetsFolder: bad }, ctx)).code, bad).toBe(
          ErrorCode.PathOutside
        )
      expect(ok(await d.call('settings:set', { assetsFolder: 'media' }, ctx))).toEqual({
        saved: true,
        restartNeeded: false
      })
      const again = ok<{ settings: { assetsFolder: string } }>(await d.call('settings:get', {}, ctx))
      expect(again.settings.assetsFolder).toBe('media')
    } finally {
      await d.dispose()
      await fs.rm(settings, { force: true })
    }
  })
})
