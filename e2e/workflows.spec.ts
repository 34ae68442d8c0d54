/**
 * The writer's workflows across instances: structure changes under the document lock, outside
 * programs rewriting the file, history and restore, request edit, and a malicious document in the
 * preview. Times are measured in the pages (see timing.ts) and printed as `[e2e] scenario N: …`.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { PLAN } from './documents'
import { expect, test, writersOn, type Sectioned } from './fixtures'
import type { Page } from '@playwright/test'
import { report, stamp, watchForText } from './timing'
import { badge, editorText, lastNotice, save, typeAtEndOf } from './writer'

test('scenario 6: a document lock in A locks every section for B; refused while B holds a section', async ({
  sectioned
}) => {
  const { a, b } = await annAndBob(sectioned)

  await watchForText(b, 'docLock', '[data-testid=document-lock]', 'ann')
  await a.evaluate(() => ((window as Window & { __t?: number }).__t = Date.now()))
  await a.getByTestId('reorganise').click()
  const shown =
    (await stamp(b, 'docLock')) - (await a.evaluate(() => (window as Window & { __t?: number }).__t ?? 0))
  await expect(b.getByTestId('document-lock')).toContainText('Whole document locked by ann')
  // Every section is closed to B: typing anywhere is refused with A's name, and nothing changes.
  for (const where of ['Hello from the intro.', 'Money is tight.']) {
    await typeAtEndOf(b, where, ' XYZ')
    await expect(lastNotice(b)).toContainText('ann')
  }
  expect(await editorText(b)).not.toContain('XYZ')
  await sectioned.shot(b, 'scenario-6-B-document-locked')

  // A moves Budget before Intro under the document lock; B sees the new order.
  await a.locator('li[data-section=budget]').hover()
  await a.getByRole('button', { name: 'Move Budget up' }).click()
  await expect
    .poll(async () => (await editorText(b)).indexOf('# Budget') < (await editorText(b)).indexOf('# Intro'))
    .toBe(true)
  await a.getByTestId('finish-structure').click()
  await expect(b.getByTestId('document-lock')).toHaveCount(0)

  // B holds a section now: A's document lock is refused, naming B.
  await typeAtEndOf(b, 'Money is tight.', ' Bob.')
  await expect(badge(a, 'budget')).toContainText('bob')
  await a.getByTestId('reorganise').click()
  await expect(lastNotice(a)).toContainText('bob')
  await expect(a.getByTestId('document-lock')).toHaveCount(0)
  const { code } = await sectioned.cli('verify', sectioned.folder)
  expect(code).toBe(0)
  report('6', { 'document lock visible in B': shown })
})

test('scenario 7: an outside program rewrites the file; every window follows, a held section goes to the conflict view', async ({
  sectioned
}) => {
  const { a, b } = await annAndBob(sectioned)
  const file = path.join(sectioned.folder, 'plan.md')

  // 1. Atomic replace (write a temp file, rename it over the document), as most editors save.
  const renamed = PLAN.replace('Hello from the intro.', 'Hello, rewritten by rename.')
  await Promise.all([a, b].map((p) => watchForText(p, 'renamed', '.cm-content', 'rewritten by rename')))
  const t0 = Date.now()
  await fs.writeFile(`${file}.tmp-outside`, renamed)
  await fs.rename(`${file}.tmp-outside`, file)
  const renameMs = Math.max(...(await Promise.all([a, b].map((p) => stamp(p, 'renamed'))))) - t0

  // 2. In place: truncate, then write (a naive editor).
  const inPlace = renamed.replace('Money is tight.', 'Money, rewritten in place.')
  await Promise.all([a, b].map((p) => watchForText(p, 'inplace', '.cm-content', 'rewritten in place')))
  const t1 = Date.now()
  const handle = await fs.open(file, 'r+')
  await handle.truncate(0)
  await handle.write(inPlace, 0)
  await handle.close()
  const inPlaceMs = Math.max(...(await Promise.all([a, b].map((p) => stamp(p, 'inplace'))))) - t1
  for (const p of [a, b]) expect(await editorText(p)).toBe(inPlace)

  // 3. A is editing Budget when the outside program changes it: both texts, nothing lost.
  await typeAtEndOf(a, 'Money, rewritten in place.', ' Ann’s unsaved words.')
  await expect(badge(b, 'budget')).toContainText('ann')
  // This program saves in place slowly: the windows and the services read the empty file first.
  // The section Ann holds must not be lost (or renumbered) for that; the finished file is a conflict.
  const slow = await fs.open(file, 'r+')
  await slow.truncate(0)
  await new Promise((resolve) => setTimeout(resolve, 400))
  await slow.write(inPlace.replace('Money, rewritten in place.', 'Money, changed outside again.'), 0)
  await slow.close()
  await expect(a.getByTestId('conflict-view')).toBeVisible({ timeout: 10_000 })
  await expect(a.getByTestId('conflict-view')).toContainText('Ann’s unsaved words.')
  await expect(a.getByTestId('conflict-view')).toContainText('changed outside again')
  await sectioned.shot(a, 'scenario-7-conflict-view')
  await a.getByTestId('keep-mine').click()
  await expect(a.getByTestId('conflict-view')).toHaveCount(0)
  await expect
    .poll(async () => (await sectioned.read('plan.md')).toString())
    .toContain('Ann’s unsaved words.')
  await expect(b.locator('.cm-content')).toContainText('Ann’s unsaved words.')
  // The outside text is not lost either: it is a version in the section's history — under the
  // same id (had the empty read renumbered the sections, it would be in `budget-2`'s).
  const history = await sectioned.cli('history', file, 'budget', '--json')
  expect(history.stdout).toContain('changed outside again')
  expect(history.stdout).toContain('Ann’s unsaved words.')
  report('7', { 'atomic rename visible in A and B': renameMs, 'in-place rewrite': inPlaceMs })
})

test('scenario 8: three saves, then restoring version 1 puts it in the file and every window; verify passes', async ({
  sectioned
}) => {
  const { a, b } = await annAndBob(sectioned)
  for (const word of [' One.', ' Two.', ' Three.']) {
    await typeAtEndOf(a, 'Money is tight', word)
    await save(a)
    await expect.poll(async () => (await sectioned.read('plan.md')).toString()).toContain(word)
  }
  await expect(b.locator('.cm-content')).toContainText('One. Two. Three.')
  await b.locator('li[data-section=budget]').hover()
  await b.getByTestId('history-budget').click()
  await expect(b.getByTestId('history-panel')).toContainText('v4')
  await b.getByTestId('version-1').locator('summary').click()
  await expect(b.getByTestId('version-1').getByTestId('history-diff')).toContainText('One. Two. Three.')
  await sectioned.shot(b, 'scenario-8-history')
  // A still holds Budget: B's restore (a normal save) is refused with A's name until A is done.
  await b.getByTestId('restore-1').click()
  await expect(lastNotice(b)).toContainText('ann')
  await a.getByTestId('done').click()
  await expect(badge(b, 'budget')).toHaveCount(0)
  await b.getByTestId('restore-1').click()
  await expect.poll(async () => (await sectioned.read('plan.md')).toString()).toBe(PLAN)
  await expect.poll(async () => editorText(a)).toBe(PLAN)
  await expect(b.getByTestId('history-panel')).toContainText('v5')
  const verify = await sectioned.cli('verify', sectioned.folder)
  expect(verify.code, verify.stderr).toBe(0)
})

test('scenario 9: B requests A’s section, A releases it (saving first), B gets it', async ({ sectioned }) => {
  const { a, b } = await annAndBob(sectioned)
  await typeAtEndOf(a, 'Hello from the intro.', ' Unsaved by Ann.')
  await expect(badge(b, 'intro')).toContainText('ann')

  await watchForText(a, 'asked', '[data-testid=edit-request]', 'bob')
  await b.locator('li[data-section=intro]').hover()
  await stampNextClick(b, 'request')
  await b.getByTestId('request-intro').click()
  const askedMs = (await stamp(a, 'asked')) - (await stamp(b, 'request'))
  await expect(a.getByTestId('edit-request')).toContainText('bob')
  await sectioned.shot(a, 'scenario-9-request')

  await watchForText(b, 'mine', '[data-testid=badge-intro]', 'You')
  await stampNextClick(a, 'release')
  await a.getByTestId('release-request').click()
  const grantedMs = (await stamp(b, 'mine')) - (await stamp(a, 'release'))
  // A's words were saved before the section changed hands; B can type there now.
  expect((await sectioned.read('plan.md')).toString()).toContain('Unsaved by Ann.')
  await typeAtEndOf(b, 'Unsaved by Ann.', ' Bob continues.')
  await save(b)
  await expect.poll(async () => (await sectioned.read('plan.md')).toString()).toContain('Bob continues.')
  await expect(badge(a, 'intro')).toContainText('bob')

  // A declined request leaves the section where it is.
  await b.getByTestId('done').click()
  await typeAtEndOf(a, 'Money is tight.', ' Ann again.')
  await b.locator('li[data-section=budget]').hover()
  await b.getByTestId('request-budget').click()
  await a.getByTestId('decline-request').click()
  await expect(lastNotice(b)).toContainText('ann wants to keep')
  await expect(badge(b, 'budget')).toContainText('ann')
  report('9', { 'request shown to A': askedMs, 'section is B’s after release': grantedMs })
})

test('scenario 10: malicious markdown never runs in the preview', async ({ sectioned }) => {
  const evil = [
    '# Evil',
    '',
    '<script>window.__pwned = "script"</script>',
    '',
    '<img src="x" onerror="window.__pwned = \'onerror\'">',
    '',
    '[click me](javascript:window.__pwned="link")',
    '',
    '<svg><script>window.__pwned = "svg"</script><circle onload="window.__pwned = \'svg onload\'"/></svg>',
    '',
    '<iframe src="javascript:parent.__pwned=\'iframe\'"></iframe>',
    '',
    '<a href="https://example.com/" onclick="window.__pwned=\'onclick\'">external</a>',
    ''
  ].join('\n')
  await sectioned.files({ 'evil.md': evil })
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('evil.md', 'click me')
  const errors: string[] = []
  a.on('pageerror', (e) => errors.push(e.message))
  await a.getByTestId('toggle-preview').click()
  const preview = a.getByTestId('preview')
  await expect(preview).toContainText('click me')
  await preview.getByText('click me').click()
  await preview
    .locator('img')
    .first()
    .evaluate((img) => img.dispatchEvent(new Event('error')))
  await a.waitForTimeout(500)
  expect(await a.evaluate(() => (window as Window & { __pwned?: string }).__pwned)).toBeUndefined()
  // No script element, no handler attribute, no javascript: URL anywhere in the preview's DOM.
  const found = await preview.evaluate((root) => {
    const bad: string[] = []
    for (const el of [root, ...root.querySelectorAll('*')]) {
      if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED'].includes(el.tagName)) bad.push(el.tagName)
      for (const attr of el.attributes) {
        if (attr.name.startsWith('on') || /^\s*javascript:/i.test(attr.value))
          bad.push(`${el.tagName} ${attr.name}`)
      }
    }
    return bad
  })
  expect(found).toEqual([])
  // The external link is kept, opening outside the app.
  await expect(preview.locator('a[href="https://example.com/"]')).toHaveAttribute('rel', /noopener/)
  await sectioned.shot(a, 'scenario-10-preview')
  expect(errors).toEqual([])
})

/** PLAN in the folder, instances for ann and bob, one window each on it. */
async function annAndBob(sectioned: Sectioned): Promise<{ a: Page; b: Page }> {
  const {
    pages: [a, b]
  } = await writersOn(sectioned, 'plan.md', PLAN, ['ann', 'bob'], 'Money is tight.')
  return { a, b }
}

/** Stamps the next click in `page` (capture phase) under `key`. */
async function stampNextClick(page: Page, key: string): Promise<void> {
  await page.evaluate((k) => {
    const w = window as Window & { __e2eStamps?: Record<string, number> }
    const stamps = (w.__e2eStamps ??= {})
    delete stamps[k]
    window.addEventListener('click', () => (stamps[k] ??= Date.now()), { capture: true, once: true })
  }, key)
}
