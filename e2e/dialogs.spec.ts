/**
 * Dialogs behave as on a desktop: the focus moves in, Tab stays inside, Esc closes Settings and
 * the trash (changing nothing), and the focus goes back to the editor.
 */
import { expect, test } from './fixtures'
import { PLAN } from './documents'

const inside = (testSelector: string) =>
  `document.activeElement !== null && document.querySelector('${testSelector}')?.contains(document.activeElement) === true`

test('Settings and the trash: focus inside, Tab stays in, Esc closes and the editor has the focus again', async ({
  sectioned
}) => {
  await sectioned.files({ 'plan.md': PLAN })
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('plan.md', 'Money is tight.')
  await a.locator('.cm-content').click()

  await a.getByTestId('open-settings').click()
  await expect(a.getByTestId('settings')).toBeVisible()
  await expect.poll(() => a.evaluate(inside('[data-testid="settings"]'))).toBe(true)
  // Twenty Tabs and as many Shift+Tabs: the focus never leaves the dialog.
  for (let i = 0; i < 20; i++) {
    await a.keyboard.press('Tab')
    expect(await a.evaluate(inside('[data-testid="settings"]'))).toBe(true)
  }
  for (let i = 0; i < 20; i++) {
    await a.keyboard.press('Shift+Tab')
    expect(await a.evaluate(inside('[data-testid="settings"]'))).toBe(true)
  }
  await a.keyboard.press('Escape')
  await expect(a.getByTestId('settings')).toHaveCount(0)
  await expect
    .poll(() => a.evaluate(() => document.activeElement?.classList.contains('cm-content')))
    .toBe(true)

  // The trash, from the folder list's menu.
  await a.getByRole('navigation', { name: 'Documents' }).getByRole('heading', { name: 'Documents' }).click({
    button: 'right'
  })
  await a.getByRole('menuitem', { name: 'Trash…' }).click()
  const trash = a.getByRole('dialog', { name: 'Trash' })
  await expect(trash).toBeVisible()
  await expect.poll(() => a.evaluate(inside('[aria-label="Trash"]'))).toBe(true)
  await a.keyboard.press('Escape')
  await expect(trash).toHaveCount(0)
  await expect
    .poll(() => a.evaluate(() => document.activeElement?.classList.contains('cm-content')))
    .toBe(true)
  // Nothing was changed by opening and closing them.
  expect((await sectioned.read('plan.md')).toString()).toBe(PLAN)
})
