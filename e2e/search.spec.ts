/**
 * Workspace search in the sidebar (issue 14): a text another writer saved a moment ago is found,
 * grouped under its document with who holds the section, and clicking the result opens that
 * document at the section.
 */
import { expect, test } from './fixtures'
import { FILE_LIMIT_MS, annAndBob, disk } from './everyday'
import { typeAtEndOf } from './writer'

test('a text saved a moment ago by another writer is found; the result opens its document at the section', async ({
  sectioned
}) => {
  await sectioned.files({ 'notes/other.md': '# Elsewhere\n\nNothing about vegetables.\n' })
  const { a, b, errors } = await annAndBob(sectioned)
  // Ann has another document open when she searches.
  await a.getByRole('button', { name: 'notes/other.md' }).click()
  await expect(a.locator('.cm-content')).toContainText('Nothing about vegetables.')
  await typeAtEndOf(b, 'Money is tight.', ' Zucchini harvest pays for it.')
  await b.keyboard.press('Control+s')
  await expect.poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS }).toContain('Zucchini harvest')
  // Case and accents ignored: "ZÜCCHINI" finds "Zucchini".
  await a.getByTestId('search-input').fill('ZÜCCHINI harv')
  const result = a.getByTestId('search-result')
  await expect(result).toHaveCount(1, { timeout: FILE_LIMIT_MS })
  await expect(result).toContainText('Budget')
  await expect(result).toContainText('Zucchini harvest pays for it.')
  await expect(result).toContainText('bob') // Bob still holds the section he saved
  await expect(a.getByTestId('search-results')).toContainText('plan.md')
  await sectioned.shot(a, 'search-result')
  await result.click()
  await expect(a.locator('.cm-content')).toContainText('Zucchini harvest pays for it.')
  // The cursor went to the section: typing lands in Budget's heading line, not elsewhere.
  await expect(a.locator('.cm-activeLine')).toContainText('# Budget')
  await errors.check()
})
