/**
 * axe-core on the writer's screens (issue 15): the main screen with a document open, a section
 * held and the preview open, and the Settings dialog, in the light and the dark theme — no
 * violation axe rates serious or critical (names of controls, contrast, landmarks, ARIA).
 */
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { PLAN } from './documents'
import { typeAtEndOf } from './writer'

/** The serious and critical violations on the page (or inside `include`), one line per node. */
async function seriousViolations(page: Page, include?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page })
  const result = await (include ? builder.include(include) : builder).analyze()
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary ?? v.help}`)
    )
}

test('axe finds nothing serious on the main screen with the preview open, nor in Settings, light and dark', async ({
  sectioned
}) => {
  await sectioned.files({ 'plan.md': PLAN })
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('plan.md', 'Money is tight.')
  await a.setViewportSize({ width: 1280, height: 800 })
  await typeAtEndOf(a, 'Money is tight.', ' Ann writes.')
  await expect(a.getByTestId('done')).toBeVisible()
  await a.getByTestId('toggle-preview').click()
  await expect(a.getByTestId('preview')).toContainText('Ann writes.')
  for (const theme of ['light', 'dark'] as const) {
    await a.emulateMedia({ colorScheme: theme })
    // A section's actions shown, as when the writer is on its row.
    await a.locator('li[data-section=budget] button.heading').focus()
    await sectioned.shot(a, `axe-main-${theme}`)
    expect.soft(await seriousViolations(a), `main screen, ${theme}`).toEqual([])

    await a.getByTestId('open-settings').click()
    await expect(a.getByTestId('settings')).toBeVisible()
    await sectioned.shot(a, `axe-settings-${theme}`)
    expect.soft(await seriousViolations(a, '[data-testid=settings]'), `settings, ${theme}`).toEqual([])
    await a.keyboard.press('Escape')
    await expect(a.getByTestId('settings')).toHaveCount(0)
  }
  // Saved: "All changes saved" and the held state in the writer's own colour.
  await a.locator('.cm-content').click()
  await a.keyboard.press('Control+s')
  await expect(a.getByTestId('saved-state')).toHaveAttribute('data-state', 'saved')
  for (const theme of ['light', 'dark'] as const) {
    await a.emulateMedia({ colorScheme: theme })
    await sectioned.shot(a, `axe-saved-${theme}`)
    expect.soft(await seriousViolations(a), `main screen after saving, ${theme}`).toEqual([])
  }
})
