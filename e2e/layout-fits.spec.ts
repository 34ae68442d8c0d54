/**
 * Layout that fits (issue 15): every button a writer may need — the header's, the editor toolbar's
 * (Save, Done, Reorganise), a section's actions in the outline, the preview's, the history panel's,
 * the conflict view's and the Settings dialog's — is reachable at 1024×700 and at 200 % zoom, in
 * the light and the dark theme, with the preview or the history open. 200 % zoom of a 1024×700
 * window is emulated as what the page lays out then: a 512×350 CSS-pixel viewport drawn at device
 * scale factor 2 (a browser context made so, as Chromium's zoom does).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { expect, test, type Sectioned } from './fixtures'
import { unreachableButtons } from './reachable'
import { caretAtEndOf, openDocument, typeAtEndOf } from './writer'

const DOC = [
  'Shared plan for the spring issue, written by several people at once.',
  '',
  '# Introduction to the spring issue and what it is for',
  '',
  'Hello from the intro.',
  '',
  '# Budget',
  '',
  'Money is tight.',
  '',
  ...Array.from({ length: 12 }, (_, i) => [
    `## Chapter ${i + 1}`,
    '',
    `What happens in chapter ${i + 1}.`,
    ''
  ]).flat()
].join('\n')

const SIZES = [
  { name: '1024x700', width: 1024, height: 700, scale: 1 },
  { name: '200pct', width: 512, height: 350, scale: 2 }
] as const

/** Checks that every visible button (of `scope`) is reachable and keeps a screenshot of the state. */
async function allReachable(sectioned: Sectioned, page: Page, name: string, scope?: Locator): Promise<void> {
  // Let layout and transitions settle (a notice, a panel that just opened).
  await page.waitForTimeout(150)
  await sectioned.shot(page, name)
  expect.soft(await unreachableButtons(page, scope), name).toEqual([])
}

for (const size of SIZES) {
  test(`every button is reachable at ${size.name}, light and dark, with the preview, history, conflict view and settings open`, async ({
    sectioned,
    browser
  }) => {
    test.setTimeout(150_000)
    await sectioned.files({ 'plan.md': DOC })
    const ann = await sectioned.start({ user: 'ann' })
    const context = await browser.newContext({
      viewport: { width: size.width, height: size.height },
      deviceScaleFactor: size.scale
    })
    try {
      const a = await context.newPage()
      await openDocument(a, ann.host.url, 'plan.md', 'Money is tight.')
      for (const theme of ['light', 'dark'] as const)
        await everyState(sectioned, a, `${size.name}-${theme}`, theme)
    } finally {
      await context.close()
    }
  })
}

/** Opens each state in turn on `a` and checks its buttons. */
async function everyState(
  sectioned: Sectioned,
  a: Page,
  name: string,
  theme: 'light' | 'dark'
): Promise<void> {
  const at = (state: string) => `layout-${name}-${state}`
  await a.emulateMedia({ colorScheme: theme })

  // Editing: Save and Done in the toolbar, a section's actions in the outline.
  await typeAtEndOf(a, 'Money', ' Ann writes.')
  await expect(a.getByTestId('done')).toBeVisible()
  await a.locator('li[data-section=budget] button.heading').focus()
  await expect(a.getByTestId('history-budget')).toBeVisible()
  await allReachable(sectioned, a, at('editing'))

  // The preview beside the editor.
  await a.getByTestId('toggle-preview').click()
  await expect(a.getByTestId('preview')).toContainText('Ann writes.')
  await a.locator('li[data-section=budget] button.heading').focus()
  await allReachable(sectioned, a, at('preview'))

  // The history of a section (it takes the preview's place), a version opened: its diff and Restore.
  await caretAtEndOf(a, 'Money')
  await a.keyboard.press('Control+s')
  await expect(a.getByTestId('saved-state')).toHaveAttribute('data-state', 'saved')
  await a.locator('li[data-section=budget] button.heading').focus()
  await a.getByTestId('history-budget').click()
  await expect(a.getByTestId('history-panel')).toBeVisible()
  await a.getByTestId('history-panel').locator('summary').first().click()
  await expect(
    a.getByTestId('history-panel').getByRole('button', { name: 'Restore this version' }).first()
  ).toBeVisible()
  await allReachable(sectioned, a, at('history'))
  await a.getByTestId('history-panel').getByRole('button', { name: /close/i }).click()
  await expect(a.getByTestId('history-panel')).toHaveCount(0)

  // The conflict view: the section Ann holds changes on disk under her unsaved words (typed just
  // now, so no autosave came first).
  await typeAtEndOf(a, 'Money', ' More.')
  const file = path.join(sectioned.folder, 'plan.md')
  const now = (await fs.readFile(file, 'utf8')).replace(/^Money.*$/m, `Money changed outside (${theme}).`)
  await fs.writeFile(`${file}.tmp`, now)
  await fs.rename(`${file}.tmp`, file)
  const conflict = a.getByTestId('conflict-view')
  await expect(conflict).toBeVisible({ timeout: 15_000 })
  // Named by its heading, not its id.
  await expect(conflict.getByRole('heading')).toHaveText('“Budget” changed while you were editing it')
  await allReachable(sectioned, a, at('conflict'), conflict)
  await a.getByTestId('take-theirs').click()
  await expect(conflict).toHaveCount(0)
  if (await a.getByTestId('done').isVisible()) await a.getByTestId('done').click()
  await expect(a.getByTestId('reorganise')).toBeVisible()

  // Reorganising: move and delete buttons on a section's row, the preview still open.
  await a.getByTestId('reorganise').click()
  await expect(a.getByTestId('finish-structure')).toBeVisible()
  await a.locator('li[data-section=budget] button.heading').focus()
  await expect(a.getByTestId('delete-budget')).toBeVisible()
  await allReachable(sectioned, a, at('reorganise'))
  await a.getByTestId('finish-structure').click()
  await expect(a.getByTestId('reorganise')).toBeVisible()

  // Settings, Save at the bottom of a long form.
  await a.getByTestId('open-settings').click()
  const settings = a.getByTestId('settings')
  await expect(settings).toBeVisible()
  await allReachable(sectioned, a, at('settings'), settings)
  await a.keyboard.press('Escape')
  await expect(settings).toHaveCount(0)
  await a.getByTestId('toggle-preview').click()
  await expect(a.getByTestId('preview')).toHaveCount(0)
}
