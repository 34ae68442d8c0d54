import { expect, test } from '@playwright/test'
import { startInstance, tempWorkspace, type Instance } from './web-host-fixture'

const DOC = [
  'Shared plan for the spring issue.',
  '',
  '# Intro',
  '',
  'Hello from the intro.',
  '',
  '# Budget',
  '',
  'Money is tight.',
  ''
].join('\n')

test('two writers on one folder: B sees A’s lock badge, then A’s saved text', async ({ browser }) => {
  const ws = await tempWorkspace({ 'plan.md': DOC })
  const instances: Instance[] = []
  try {
    const ann = await startInstance(ws.dir, 'ann')
    const bob = await startInstance(ws.dir, 'bob')
    instances.push(ann, bob)
    const a = await browser.newPage()
    const b = await browser.newPage()
    for (const [page, inst] of [
      [a, ann],
      [b, bob]
    ] as const) {
      await page.goto(inst.url)
      await page.getByRole('button', { name: 'plan.md' }).click()
      await expect(page.locator('.cm-content')).toContainText('Money is tight.')
    }

    // A types in the Budget section: that takes the lock first.
    await a.locator('.cm-line', { hasText: 'Money is tight.' }).click()
    await a.keyboard.press('End')
    await a.keyboard.type(' Very tight.')
    await expect(a.getByTestId('badge-budget')).toContainText('You')
    // Timed in the page (requestAnimationFrame polling): expect()'s retry backoff is too coarse.
    const seenAt = Date.now()
    await b.waitForFunction(
      () => document.querySelector('[data-testid="badge-budget"]')?.textContent?.includes('ann'),
      null,
      {
        polling: 'raf',
        timeout: 5_000
      }
    )
    const badgeMs = Date.now() - seenAt

    // B cannot type there; the refusal names A.
    await b.locator('.cm-line', { hasText: 'Money is tight.' }).click()
    await b.keyboard.type('X')
    await expect(b.getByTestId('notice').last()).toContainText('being edited by ann')
    await expect(b.locator('.cm-content')).not.toContainText('X')

    // A saves: B sees the text.
    await a.keyboard.press('Control+s')
    const savedAt = Date.now()
    await b.waitForFunction(
      () => document.querySelector('.cm-content')?.textContent?.includes('Money is tight. Very tight.'),
      null,
      {
        polling: 'raf',
        timeout: 5_000
      }
    )
    const textMs = Date.now() - savedAt
    console.log(`time to visible on local disk: lock badge ${badgeMs} ms, saved text ${textMs} ms`)
    await a.screenshot({ path: test.info().outputPath('writer-a.png') })
    await b.screenshot({ path: test.info().outputPath('writer-b.png') })
  } finally {
    await Promise.all(instances.map((i) => i.stop()))
    await ws.remove()
  }
})
