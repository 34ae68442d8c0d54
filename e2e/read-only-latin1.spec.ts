/**
 * A document that is not UTF-8 (Latin-1 here) opens read-only and is shown with U+FFFD where its
 * bytes are not UTF-8; its sections are those of the shown text, so the outline still lands on
 * each heading, and nothing a writer does changes the file's bytes.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { expect, test } from './fixtures'

test('a Latin-1 document opens read-only; the outline lands on its headings; typing leaves its bytes untouched', async ({
  sectioned
}) => {
  // Ten Latin-1 letters before the first heading: each is one byte on disk but three in the shown text.
  const bytes = Buffer.from(
    'Caf\xe9 cr\xe8me \xe0 la fran\xe7aise, tr\xe8s \xe9l\xe9gant \xe9t\xe9.\n\n# Plan\n\nNa\xefve.\n\n# Next\n\nEnd.\n',
    'latin1'
  )
  const file = path.join(sectioned.folder, 'latin1.md')
  await fs.writeFile(file, bytes)
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('latin1.md', 'Next')
  await expect(a.getByTestId('read-only-banner')).toContainText('not valid UTF-8')
  for (const heading of ['Plan', 'Next']) {
    await a.getByTestId('outline-item').filter({ hasText: heading }).locator('button.heading').click()
    await expect(a.locator('.cm-activeLine')).toHaveText(`# ${heading}`)
  }
  await a.keyboard.type('typed')
  await a.waitForTimeout(2500) // past the autosave delay
  expect(await a.locator('.cm-content').innerText()).not.toContain('typed')
  await sectioned.shot(a, 'read-only-latin1')
  expect((await fs.readFile(file)).equals(bytes)).toBe(true)
})
