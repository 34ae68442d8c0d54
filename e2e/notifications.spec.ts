/**
 * OS notifications in Chromium through the web host: nothing in the app is stubbed. The page's
 * `Notification` is wrapped by an init script that records every notification constructed (and
 * keeps it, so the test can click it), and the permission is granted to the browser context.
 * A window counts as in the background when the page is hidden or not focused; Playwright keeps
 * every page focused and visible, so the test overrides `document.hidden`, `visibilityState` and
 * `hasFocus()` in the page and dispatches `visibilitychange`, as the browser does.
 */
import type { Page } from '@playwright/test'
import { PLAN } from './documents'
import { expect, test, writersOn, type Sectioned } from './fixtures'
import { report } from './timing'
import { badge, lastNotice, openDocument, typeAtEndOf } from './writer'

/** What the recorder keeps of each notification. */
interface Recorded {
  title: string
  body: string
  tag: string
  at: number
}

type RecordingWindow = Window & {
  __notes?: { title: string; body: string; tag: string; at: number; note: Notification }[]
}

/** Wraps the page's Notification so that every construction is recorded (runs before the app). */
function recordNotifications(): void {
  const w = window as RecordingWindow
  const Original = window.Notification
  const notes: NonNullable<RecordingWindow['__notes']> = (w.__notes = [])
  class Recording extends Original {
    constructor(title: string, options?: NotificationOptions) {
      super(title, options)
      notes.push({ title, body: options?.body ?? '', tag: options?.tag ?? '', at: Date.now(), note: this })
    }
  }
  window.Notification = Recording
}

const notes = (page: Page): Promise<Recorded[]> =>
  page.evaluate(() =>
    ((window as RecordingWindow).__notes ?? []).map(({ title, body, tag, at }) => ({ title, body, tag, at }))
  )

/** Puts the page in the background (hidden, not focused) or back in front, as the browser reports it. */
async function setBackground(page: Page, background: boolean): Promise<void> {
  await page.evaluate((hide) => {
    const doc = document as Document & Record<string, unknown>
    if (hide) {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true })
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
      Object.defineProperty(document, 'hasFocus', { configurable: true, value: () => false })
    } else {
      for (const key of ['hidden', 'visibilityState', 'hasFocus']) delete doc[key]
    }
    document.dispatchEvent(new Event('visibilitychange'))
    window.dispatchEvent(new Event(hide ? 'blur' : 'focus'))
  }, background)
}

/**
 * Ann's and Bob's windows on plan.md; Ann's page may notify and records each notification it makes
 * (reloaded with the recorder in place).
 */
async function annRecordingAndBob(sectioned: Sectioned): Promise<{ a: Page; b: Page }> {
  const {
    instances: [ann],
    pages: [a, b]
  } = await writersOn(sectioned, 'plan.md', PLAN, ['ann', 'bob'], 'Money is tight.')
  await a.context().grantPermissions(['notifications'])
  await a.addInitScript(recordNotifications)
  await openDocument(a, ann.host.url, 'plan.md', 'Money is tight.')
  return { a, b }
}

/** The text of the editor line the selection is on. */
const caretLine = (page: Page) =>
  page.evaluate(() => {
    const node = window.getSelection()?.anchorNode ?? null
    const el = node instanceof Element ? node : (node?.parentElement ?? null)
    return el?.closest('.cm-line')?.textContent ?? null
  })

test('an edit request raises a notification naming the writer and the heading, only in the background', async ({
  sectioned
}) => {
  const { a, b } = await annRecordingAndBob(sectioned)
  expect(await a.evaluate(() => Notification.permission)).toBe('granted')

  await typeAtEndOf(a, 'Hello from the intro.', ' Ann writes.')
  await expect(badge(b, 'intro')).toContainText('ann')

  // In front: the requests bar tells Ann; no notification.
  await b.locator('li[data-section=intro]').hover()
  await b.getByTestId('request-intro').click()
  await expect(a.getByTestId('edit-request')).toContainText('bob')
  expect(await notes(a)).toEqual([])
  await a.getByTestId('decline-request').click()
  await expect(a.getByTestId('edit-request')).toHaveCount(0)

  // In the background: one notification, with Bob's name and the heading (not the id `intro`).
  await a.locator('.cm-line', { hasText: 'Money is tight.' }).click()
  await setBackground(a, true)
  await b.locator('li[data-section=intro]').hover()
  const asked = await b.evaluate(() => Date.now())
  await b.getByTestId('request-intro').click()
  await expect.poll(() => notes(a), { timeout: 15_000 }).toHaveLength(1)
  const [note] = await notes(a)
  expect(note.title).toBe('bob asks for “Intro”')
  expect(note.body).toMatch(/^bob on \S+ would like to edit “Intro” in plan\.md\./)
  await expect(a.getByTestId('edit-request')).toContainText('bob') // the bar is there too

  // A click brings the window forward at the section.
  expect(await caretLine(a)).toBe('Money is tight.')
  await a.evaluate(() => {
    const recorded = (window as RecordingWindow).__notes ?? []
    recorded[0].note.onclick?.(new Event('click'))
  })
  await expect.poll(() => caretLine(a)).toBe('# Intro')
  expect(await notes(a)).toHaveLength(1)
  report('notifications', { 'request → notification in the background page': note.at - asked })
})

test('a section lost in the background raises one notification with its heading and why', async ({
  sectioned
}) => {
  await sectioned.files({ 'plan.md': PLAN })
  const ann = await sectioned.start({ user: 'ann', heartbeatSeconds: 5 })
  const a = await ann.open('plan.md', 'Money is tight.')
  await a.context().grantPermissions(['notifications'])
  await a.addInitScript(recordNotifications)
  await openDocument(a, ann.host.url, 'plan.md', 'Money is tight.')
  await typeAtEndOf(a, 'Money is tight.', ' Ann writes.')
  await expect(a.getByTestId('badge-budget')).toContainText('You')
  await setBackground(a, true)

  const r = await sectioned.cli(
    'force-release',
    `${sectioned.folder}/plan.md`,
    'budget',
    '--force',
    '--reason',
    'the e2e test takes it'
  )
  expect(r.code, r.stderr).toBe(0)
  await expect.poll(() => notes(a), { timeout: 20_000 }).toHaveLength(1)
  const [note] = await notes(a)
  expect(note.title).toBe('You lost “Budget”')
  expect(note.body).toMatch(/the e2e test takes it/)
  expect(note.body).toMatch(/Your text is kept in the window\.$/)
  // The in-app notice says it too, with the kept text.
  await expect(a.getByTestId('notice').last()).toContainText('Budget')
  expect(await notes(a)).toHaveLength(1)
})

test('turned off in Settings: a request in the background raises no notification', async ({ sectioned }) => {
  const { a, b } = await annRecordingAndBob(sectioned)
  await a.getByTestId('open-settings').click()
  await a.getByTestId('notifications-setting').uncheck()
  await a.getByTestId('settings').getByRole('button', { name: 'Save' }).click()
  await expect(a.getByTestId('settings')).toHaveCount(0)
  await expect(lastNotice(a)).toContainText('Settings saved.')
  await expect(lastNotice(a)).not.toContainText('open the folder again') // it applies at once

  await typeAtEndOf(a, 'Hello from the intro.', ' Ann writes.')
  await expect(badge(b, 'intro')).toContainText('ann')
  await setBackground(a, true)
  await b.locator('li[data-section=intro]').hover()
  await b.getByTestId('request-intro').click()
  await expect(a.getByTestId('edit-request')).toContainText('bob')
  expect(await notes(a)).toEqual([])
})
