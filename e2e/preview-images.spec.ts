/**
 * The richer preview in a real browser: a workspace image (named relative to the document, read
 * through the services) is shown; a remote one is a placeholder and no request leaves loopback;
 * footnotes, math (KaTeX), task lists, definition lists and front matter render; a link to another
 * document opens it. A pasted image lands under `assets/` on disk and its link in the document
 * file. Export to HTML downloads a file with the document's headings.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { AFTER_AUTOSAVE_MS, FILE_LIMIT_MS, disk, watchErrors } from './everyday'
import { typeAtEndOf } from './writer'

/** A `width`×`height` PNG in two colours (left half blue, right half orange). */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const out = Buffer.alloc(8 + data.length + 4)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc32(body) >>> 0, 8 + data.length)
    return out
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB
  const row = (y: number) =>
    Buffer.concat([
      Buffer.from([0]),
      ...Array.from({ length: width }, (_, x) =>
        Buffer.from(x < width / 2 ? [47, 111, 222] : [y % 4 ? 240 : 200, 150, 40])
      )
    ])
  const pixels = Buffer.concat(Array.from({ length: height }, (_, y) => row(y)))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0))
  ])
}

const RICH = [
  '---',
  'title: Budget 2027',
  'owner: Ann',
  '---',
  '# Budget',
  '',
  'Costs rise.[^costs] Euler says $e^{i\\pi} + 1 = 0$.',
  '',
  '![costs chart](../img/costs.png)',
  '',
  '![a cat](https://example.com/cat.png)',
  '',
  '![a secret](../../../etc/secret.png)',
  '',
  '$$',
  '\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}',
  '$$',
  '',
  '## Tasks',
  '',
  '- [x] Collect quotes',
  '- [ ] Sign contract',
  '',
  'Capex',
  ': Money spent on things that last.',
  '',
  '| Item | Cost |',
  '|------|-----:|',
  '| Desk | 300 |',
  '',
  'See [the other plan](other.md#next-steps).',
  '',
  '[^costs]: Mostly rent.',
  ''
].join('\n')

/** Every request the page makes whose host is not loopback. */
function offLoopback(page: Page): string[] {
  const seen: string[] = []
  page.on('request', (r) => {
    const url = new URL(r.url())
    if (url.protocol === 'data:' || url.protocol === 'blob:') return
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) seen.push(r.url())
  })
  return seen
}

test('the preview shows workspace images, math, footnotes, task lists and front matter; a remote image waits for a click', async ({
  sectioned
}) => {
  await sectioned.files({
    'notes/plan.md': RICH,
    // Long enough that the linked heading is far below the first screen.
    'notes/other.md': `# Other plan\n\n${Array.from({ length: 30 }, (_, i) => `## Week ${i + 1}\n\nNothing yet.\n\n`).join('')}## Next steps\n\nCall the bank.\n`
  })
  await fs.mkdir(path.join(sectioned.folder, 'img'))
  await fs.writeFile(path.join(sectioned.folder, 'img/costs.png'), png(240, 90))
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('notes/plan.md', 'Costs rise.')
  const outside = offLoopback(a)
  const errors = watchErrors({ ann: a })
  await a.getByTestId('toggle-preview').click()
  const preview = a.getByTestId('preview')

  const image = preview.locator('img[alt="costs chart"]')
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 10_000 })
    .toBe(240)
  await expect(preview.locator('button.remote-image')).toContainText('Remote image “a cat” from example.com')
  await expect(preview.locator('img[src*="example.com"], img[data-src*="example.com"]')).toHaveCount(0)
  await expect(preview.locator('img.missing-image')).toHaveAttribute(
    'alt',
    /a secret \(not shown: .*outside the workspace/
  )

  await expect(preview.locator('.katex')).toHaveCount(2)
  await expect(preview.locator('.katex-display')).toHaveCount(1)
  await expect(preview.locator('section.footnotes li')).toContainText('Mostly rent.')
  const boxes = preview.locator('li.task-list-item input[type="checkbox"]')
  await expect(boxes).toHaveCount(2)
  await expect(boxes.first()).toBeChecked()
  await expect(boxes.first()).toBeDisabled()
  await expect(preview.locator('dl dt')).toHaveText('Capex')
  await expect(preview.locator('table.front-matter th')).toHaveText(['title', 'owner'])
  await expect(preview.locator('table.front-matter td')).toHaveText(['Budget 2027', 'Ann'])
  await expect(preview.locator('hr:not(.footnotes-sep)')).toHaveCount(0)
  const border = await preview
    .locator('table:not(.front-matter) td')
    .first()
    .evaluate((td) => getComputedStyle(td).borderTopStyle)
  expect(border).toBe('solid')
  await a.setViewportSize({ width: 1400, height: 1000 })
  await sectioned.shot(a, 'preview-rich')
  await a.emulateMedia({ colorScheme: 'dark' })
  await sectioned.shot(a, 'preview-rich-dark')
  await a.emulateMedia({ colorScheme: 'light' })

  // A footnote reference scrolls the preview to the note; a link to another document opens it at
  // the heading its #anchor names (`other.md#next-steps`), that heading at the top of the editor.
  await preview.locator('sup.footnote-ref a').click()
  await preview.getByRole('link', { name: 'the other plan' }).click()
  await expect(a.locator('.cm-content')).toContainText('Call the bank.', { timeout: 10_000 })
  await expect(preview).toContainText('Call the bank.')
  const heading = a.locator('.cm-line', { hasText: 'Next steps' })
  await expect
    .poll(async () => {
      const line = await heading.boundingBox()
      const view = await a.locator('.cm-scroller').boundingBox()
      return line && view ? Math.round(line.y - view.y) : null
    })
    .toBeLessThan(120)

  expect(outside, 'requests that left loopback').toEqual([])
  await errors.check()
})

test('a pasted image is saved under assets/ and linked in the document file', async ({ sectioned }) => {
  await sectioned.files({ 'plan.md': '# Budget\n\nMoney is tight.\n\n# Risks\n\nSome.\n' })
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('plan.md', 'Money is tight.')
  const errors = watchErrors({ ann: a })
  await typeAtEndOf(a, 'Money is tight.', ' See: ')
  await expect(a.getByTestId('badge-budget')).toBeVisible()
  const bytes = png(64, 32)
  await a.locator('.cm-content').evaluate((content, b64) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
    const transfer = new DataTransfer()
    transfer.items.add(new File([data], 'Costs Chart.png', { type: 'image/png' }))
    content.dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true })
    )
  }, bytes.toString('base64'))
  await expect(a.locator('.cm-content')).toContainText('![Costs Chart](assets/costs-chart.png)', {
    timeout: 10_000
  })
  await expect
    .poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS + AFTER_AUTOSAVE_MS })
    .toContain('Money is tight. See: ![Costs Chart](assets/costs-chart.png)')
  expect((await sectioned.read('assets/costs-chart.png')).equals(bytes)).toBe(true)
  // The preview shows the image it links to.
  await a.getByTestId('toggle-preview').click()
  const shown = a.getByTestId('preview').locator('img[alt="Costs Chart"]')
  await expect
    .poll(() => shown.evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 10_000 })
    .toBe(64)

  // Dropping an image puts it where it is dropped (into the held section).
  await a.locator('.cm-line', { hasText: 'Money is tight.' }).evaluate((line, b64) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
    const transfer = new DataTransfer()
    transfer.items.add(new File([data], 'dropped.png', { type: 'image/png' }))
    const box = line.getBoundingClientRect()
    line.dispatchEvent(
      new DragEvent('drop', {
        dataTransfer: transfer,
        clientX: box.right - 2,
        clientY: box.top + box.height / 2,
        bubbles: true,
        cancelable: true
      })
    )
  }, bytes.toString('base64'))
  await expect
    .poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS + AFTER_AUTOSAVE_MS })
    .toContain('![dropped](assets/dropped.png)')
  expect((await sectioned.read('assets/dropped.png')).equals(bytes)).toBe(true)

  // Pasting into a section this window does not hold saves nothing.
  await a.locator('.cm-line', { hasText: 'Some.' }).click()
  await a.locator('.cm-content').evaluate((content, b64) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
    const transfer = new DataTransfer()
    transfer.items.add(new File([data], 'other.png', { type: 'image/png' }))
    content.dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true })
    )
  }, bytes.toString('base64'))
  await expect(a.getByTestId('notice').last()).toContainText('Images go into a section you are editing')
  expect((await fs.readdir(path.join(sectioned.folder, 'assets'))).sort()).toEqual([
    'costs-chart.png',
    'dropped.png'
  ])
  await errors.check()
})

test('export to HTML downloads a standalone file with the document’s headings, math and images inline', async ({
  sectioned
}) => {
  await sectioned.files({ 'notes/plan.md': RICH })
  await fs.mkdir(path.join(sectioned.folder, 'img'))
  await fs.writeFile(path.join(sectioned.folder, 'img/costs.png'), png(40, 20))
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('notes/plan.md', 'Costs rise.')
  const errors = watchErrors({ ann: a })
  await a.getByTestId('toggle-preview').click()
  const [download] = await Promise.all([a.waitForEvent('download'), a.getByTestId('export-html').click()])
  expect(download.suggestedFilename()).toBe('plan.html')
  const file = path.join(sectioned.root, 'plan.html')
  await download.saveAs(file)
  const html = await fs.readFile(file, 'utf8')
  // Parsed back by the browser: the same headings in order, and nothing that runs.
  const parsed = await a.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'text/html')
    return {
      headings: Array.from(doc.querySelectorAll('h1, h2, h3, h4, h5, h6')).map(
        (h) => `${h.tagName} ${h.textContent}`
      ),
      katex: doc.querySelectorAll('.katex').length,
      image: doc.querySelector('img[alt="costs chart"]')?.getAttribute('src')?.slice(0, 22) ?? null,
      scripts: doc.querySelectorAll('script').length,
      styles: doc.querySelectorAll('style').length
    }
  }, html)
  expect(parsed).toEqual({
    headings: ['H1 Budget', 'H2 Tasks'],
    katex: 2,
    image: 'data:image/png;base64,',
    scripts: 0,
    styles: 1
  })
  // One section alone.
  await a.getByTestId('export-part').selectOption({ label: '\u2003Tasks' })
  const [part] = await Promise.all([a.waitForEvent('download'), a.getByTestId('export-html').click()])
  expect(part.suggestedFilename()).toBe('plan-tasks.html')
  await part.saveAs(path.join(sectioned.root, 'plan-tasks.html'))
  const partHtml = await fs.readFile(path.join(sectioned.root, 'plan-tasks.html'), 'utf8')
  expect([...partHtml.matchAll(/<h([1-6])[^>]*>(.*?)<\/h\1>/g)].map((m) => m[2])).toEqual(['Tasks'])
  // DOCX and ODT are offered when pandoc is installed (the file comes from pandoc), and say why not otherwise.
  const docx = a.getByTestId('export-docx')
  await expect(docx).toHaveAttribute('title', /pandoc/)
  if (await docx.isEnabled()) {
    await a.getByTestId('export-part').selectOption('')
    const [converted] = await Promise.all([a.waitForEvent('download'), docx.click()])
    expect(converted.suggestedFilename()).toBe('plan.docx')
    const saved = path.join(sectioned.root, 'plan.docx')
    await converted.saveAs(saved)
    expect((await fs.readFile(saved)).subarray(0, 2).toString('latin1')).toBe('PK')
  } else
    test.info().annotations.push({ type: 'skipped', description: 'DOCX export: pandoc is not installed' })
  await errors.check()
})
