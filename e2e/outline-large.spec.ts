/**
 * A long document's outline: only the rows in and near view are in the page (virtualised), scrolling
 * the sidebar brings later sections, a click lands on that heading, and typing there after the jump
 * saves into the right section of the file.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { expect, test } from './fixtures'

const SECTIONS = 5_000

test('a 5,000-section outline is a few dozen rows in the page; a click far down lands on its heading and typing there saves into it', async ({
  sectioned
}) => {
  const parts = ['Front text.\n\n']
  for (let i = 0; i < SECTIONS; i++) parts.push(`## Part ${i}\n\nText of part ${i}.\n\n`)
  const file = path.join(sectioned.folder, 'long.md')
  await fs.writeFile(file, parts.join(''))
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('long.md', 'Part 0')
  const rows = a.getByTestId('outline-item')
  await expect(rows.first()).toBeVisible()
  expect(await rows.count()).toBeLessThan(200)
  await a.locator('.sidebar').evaluate((el) => (el.scrollTop = el.scrollHeight * 0.8))
  const far = rows.filter({ hasText: /^Part 39\d\d/ }).first()
  await expect(far).toBeVisible()
  expect(await rows.count()).toBeLessThan(200)
  const heading = (await far.locator('button.heading').textContent()) ?? ''
  // Under load the virtualised rows may still be re-measured (and replaced) between the press and
  // the release of a click, which then lands on no button (CI, load ~10): clicked again until the
  // editor has gone there.
  await expect(async () => {
    await far.locator('button.heading').click()
    await expect(a.locator('.cm-activeLine')).toHaveText(`## ${heading}`, { timeout: 2_000 })
  }).toPass({ timeout: 15_000 })
  await sectioned.shot(a, 'outline-large')
  await a.keyboard.press('End')
  await a.keyboard.type(' (checked)')
  await expect
    .poll(
      async () =>
        (await fs.readFile(file, 'utf8')).includes(
          `## ${heading} (checked)\n\nText of ${heading.toLowerCase()}.`
        ),
      {
        timeout: 15_000
      }
    )
    .toBe(true)
})
