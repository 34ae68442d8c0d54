/**
 * Notices tied to their cause: a refusal ("… is being edited by …") goes away by itself when the
 * holder lets the section go, and the same refusal repeated is one notice.
 */
import { expect, test } from './fixtures'
import { annAndBob, disk } from './everyday'
import { PLAN } from './documents'
import { badge, typeAtEndOf } from './writer'

test('a refusal notice is shown once however often the writer tries, and goes when the holder releases', async ({
  sectioned
}) => {
  const { a, b } = await annAndBob(sectioned)
  await typeAtEndOf(a, 'Money is tight.', ' Ann writes.')
  await expect(badge(b, 'budget')).toBeVisible()
  // Bob tries three times: one notice, naming Ann and the heading.
  for (let i = 0; i < 3; i++) await typeAtEndOf(b, 'Money is tight.', 'x')
  const refusals = b.getByTestId('notice').filter({ hasText: '“Budget” is being edited by ann' })
  await expect(refusals).toHaveCount(1)
  // None of Bob's typing reached the file (the plan has no x).
  expect(PLAN).not.toContain('x')
  expect(await disk(sectioned)).not.toContain('x')
  // Ann is done: the section is free, and the notice about her holding it is gone without a click.
  await a.getByTestId('done').click()
  await expect(badge(b, 'budget')).toHaveCount(0)
  await expect(refusals).toHaveCount(0)
  await expect.poll(() => disk(sectioned)).toContain('Money is tight. Ann writes.')
})
