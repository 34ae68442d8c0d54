/**
 * A document the app must not rewrite (UTF-16 text here) opens read-only with the reason, and
 * nothing a writer does in the window changes its bytes.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { expect, test } from './fixtures'

test('a UTF-16 document opens read-only with the reason; typing, pasting and Ctrl+S leave its bytes untouched', async ({
  sectioned
}) => {
  const bytes = Buffer.concat([
    Buffer.from([0xff, 0xfe]),
    Buffer.from('# Plan\n\nWritten in UTF-16 by an old editor.\n', 'utf16le')
  ])
  const file = path.join(sectioned.folder, 'utf16.md')
  await fs.writeFile(file, bytes)
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('utf16.md', 'Plan')
  await expect(a.getByTestId('read-only-banner')).toContainText('UTF-16')
  await expect(a.getByTestId('read-only-banner')).toContainText('never rewrites it')
  await a.locator('.cm-content').click()
  await a.keyboard.type('typed')
  await a.keyboard.press('Enter')
  await a.keyboard.press('Backspace')
  await a.keyboard.press('Control+s')
  await a.evaluate(() => navigator.clipboard?.writeText('pasted').catch(() => undefined))
  await a.keyboard.press('Control+v')
  await a.waitForTimeout(2500) // past the autosave delay
  expect(await a.locator('.cm-content').innerText()).not.toContain('typed')
  await expect(a.getByTestId('reorganise')).toHaveCount(0)
  await sectioned.shot(a, 'read-only-utf16')
  expect((await fs.readFile(file)).equals(bytes)).toBe(true)
  const status = await sectioned.cli('status', sectioned.folder, '--json')
  expect(status.stdout).not.toContain('utf16.md')
})

test('a document with a second name on disk (a hard link) opens read-only; typing takes no lock and both names keep their bytes', async ({
  sectioned
}) => {
  const text = '# Plan\n\nOne file, two names.\n'
  const file = path.join(sectioned.folder, 'linked.md')
  await fs.writeFile(file, text)
  await fs.link(file, path.join(sectioned.folder, 'other-name.md'))
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('linked.md', 'Plan')
  await expect(a.getByTestId('read-only-banner')).toContainText('hard link')
  await expect(a.getByTestId('read-only-banner')).toContainText('so Sectioned opens it read-only')
  await a.locator('.cm-content').click()
  await a.keyboard.type('typed')
  await a.waitForTimeout(2500) // past the autosave delay
  expect(await a.locator('.cm-content').innerText()).not.toContain('typed')
  await sectioned.shot(a, 'read-only-hard-link')
  expect(await fs.readFile(file, 'utf8')).toBe(text)
  expect((await fs.stat(file)).nlink).toBe(2)
  const status = await sectioned.cli('status', sectioned.folder, '--json')
  expect(status.stdout).not.toContain('linked.md')
})
