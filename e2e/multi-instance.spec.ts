/**
 * Several app instances (separate web-host processes, one writer each) and several windows on one
 * shared folder, driven through Chromium: locks, saves and the web host's gatekeeping as the
 * writers see them. Times are measured inside the pages (see timing.ts) and printed as
 * `[e2e] scenario N: …`.
 */
import { createServer } from 'node:http'
import { connectApi, probeUpgrade } from './api-client'
import { PLAN, TRICKY_PLAN } from './documents'
import { expect, test, writersOn } from './fixtures'
import { lockBadgeScenario, parallelSavesScenario, SAVED_BUDGET_MS, VISIBLE_BUDGET_MS } from './scenarios'
import { report, stamp, stampNextKeydown, watchForText } from './timing'
import { badge, caretAtEndOf, editorText, lastNotice, line, save, typeAtEndOf } from './writer'

test('scenario 1: A types in section 1; B and C show A’s badge within 1 s and B cannot type there', async ({
  sectioned
}) => {
  const {
    pages: [a, b, c]
  } = await writersOn(sectioned, 'plan.md', PLAN, ['ann', 'bob', 'carol'], 'Money is tight.')
  // Each page was opened with `?token=`; once loaded, the secret is no longer in its address.
  for (const page of [a, b, c]) expect(page.url()).not.toContain('token')

  const times = await lockBadgeScenario(a, 'ann', [
    { name: 'B', page: b },
    { name: 'C', page: c }
  ])
  report('1', { 'badge B': times.B ?? NaN, C: times.C ?? NaN })
  await sectioned.shot(b, 'scenario-1-B-refused')
  // On disk: the original, or A's text once A's autosave (2 s after typing) ran — never B's X.
  const withA = PLAN.replace('Hello from the intro.', 'Hello from the intro. A is writing.')
  expect([PLAN, withA]).toContain((await sectioned.read('plan.md')).toString('utf8'))
})

test('scenario 2: A and B save different sections at once; every window shows both, the file holds both and nothing else changed', async ({
  sectioned
}) => {
  const {
    instances: [ann],
    pages: [a, b, c]
  } = await writersOn(sectioned, 'plan.md', TRICKY_PLAN, ['ann', 'bob', 'carol'], 'Money is tight.')
  // A second window of A watches too: "all windows" includes the writer's own other windows.
  const a2 = await ann.open('plan.md', 'Money is tight.')

  const times = await parallelSavesScenario({
    a,
    b,
    observers: [
      { name: 'C', page: c },
      { name: 'A2', page: a2 }
    ],
    original: TRICKY_PLAN,
    readDocument: () => sectioned.read('plan.md')
  })
  report(
    '2',
    Object.fromEntries(Object.entries(times).map(([k, v]) => [`text ${k}`, v ?? 'n/a (autosave first)']))
  )
  await sectioned.shot(c, 'scenario-2-C-both-texts')

  // Each save is a version of its own section, by its writer; every checksum verifies.
  const history = async (id: string) =>
    JSON.parse((await sectioned.cli('history', `${sectioned.folder}/plan.md`, id, '--json')).stdout) as {
      versions: { author: string; content: string }[]
    }
  const intro = await history('intro')
  const budget = await history('budget')
  expect(intro.versions.at(-1)).toMatchObject({ author: 'ann' })
  expect(intro.versions.at(-1)?.content).toContain('Hello from the intro. Ann was here.')
  expect(budget.versions.at(-1)).toMatchObject({ author: 'bob' })
  expect(budget.versions.at(-1)?.content).toContain('Money is tight. Bob was here.')
  const verify = await sectioned.cli('verify', sectioned.folder)
  expect(verify.code, verify.stdout + verify.stderr).toBe(0)
})

test('scenario 3: two windows of one instance; a lock held in one is shown and respected in the other', async ({
  sectioned
}) => {
  await sectioned.files({ 'plan.md': PLAN })
  const ann = await sectioned.start({ user: 'ann' })
  const w1 = await ann.open('plan.md', 'Money is tight.')
  const w2 = await ann.open('plan.md', 'Money is tight.')
  const before = await editorText(w2)

  await watchForText(w2, 'badge', '[data-testid="badge-budget"]', 'You (other window)')
  await caretAtEndOf(w1, 'Money is tight.')
  await stampNextKeydown(w1, 'typed')
  await w1.keyboard.type(' Window one.')
  await expect(badge(w1, 'budget')).toHaveText(/^You\b/)
  const badgeMs = (await stamp(w2, 'badge')) - (await stamp(w1, 'typed'))
  await expect(badge(w2, 'budget')).toContainText('You (other window)')

  // The other window may not type there, and says who holds it.
  await typeAtEndOf(w2, 'Money is tight.', 'X')
  await expect(lastNotice(w2)).toContainText('“Budget” is being edited by ann (another window)')
  // Window 1's autosave (2 s after typing) may have brought its text meanwhile; the X never lands.
  expect([before, before.replace('Money is tight.', 'Money is tight. Window one.')]).toContain(
    await editorText(w2)
  )
  await sectioned.shot(w2, 'scenario-3-second-window-refused')

  // The holder saves: the other window shows the text.
  await watchForText(w2, 'saved', '.cm-content', 'Money is tight. Window one.')
  await stampNextKeydown(w1, 'save')
  await save(w1)
  const savedMs = (await stamp(w2, 'saved')) - (await stamp(w1, 'save'))

  // Done releases the lock; now the second window can take it, and the first one respects that.
  await w1.getByRole('button', { name: 'Done' }).click()
  await expect(badge(w2, 'budget')).toHaveCount(0)
  await typeAtEndOf(w2, 'Money is tight. Window one.', ' Window two.')
  await expect(badge(w2, 'budget')).toHaveText(/^You\b/)
  await expect(badge(w1, 'budget')).toContainText('You (other window)')
  await typeAtEndOf(w1, 'Money is tight.', 'Y')
  await expect(lastNotice(w1)).toContainText('being edited by ann (another window)')
  expect(await editorText(w1)).not.toContain('Y')

  report('3', { 'badge in window 2': badgeMs, 'saved text in window 2': savedMs })
  expect(badgeMs).toBeLessThanOrEqual(VISIBLE_BUDGET_MS)
  expect(savedMs).toBeLessThanOrEqual(SAVED_BUDGET_MS)
})

/** A page server on another port of this machine: a foreign origin, as any website would be. */
async function foreignSite(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' })
    res.end('<!doctype html><title>Some other site</title><p>Some other site</p>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the foreign site has no TCP port')
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

test('scenario 11: the web host refuses a socket with a wrong token or a foreign Origin, and nothing changes', async ({
  sectioned,
  browser
}) => {
  await sectioned.files({ 'plan.md': PLAN })
  const ann = await sectioned.start({ user: 'ann' })
  const a = await ann.open('plan.md', 'Money is tight.')
  const own = new URL(ann.host.url).origin
  const token = new URL(ann.host.url).searchParams.get('token') ?? ''
  const wrongToken = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')

  // From Node, with exact headers: each check on its own.
  const port = new URL(own).port
  const refusals = {
    'wrong token': await probeUpgrade(ann.host.url, { token: wrongToken, origin: own }),
    'no token': await probeUpgrade(ann.host.url, { token: '', origin: own }),
    'foreign origin': await probeUpgrade(ann.host.url, { origin: 'http://evil.example' }),
    'no origin': await probeUpgrade(ann.host.url, { origin: null }),
    // DNS rebinding: a foreign name resolved to 127.0.0.1 still sends its own Host header.
    'foreign host': await probeUpgrade(ann.host.url, {
      origin: 'http://evil.example',
      host: `evil.example:${port}`
    })
  }
  expect(refusals).toEqual({
    'wrong token': { opened: false, status: 401, body: expect.stringContaining('token') },
    'no token': { opened: false, status: 401, body: expect.stringContaining('token') },
    'foreign origin': { opened: false, status: 403, body: expect.any(String) },
    'no origin': { opened: false, status: 403, body: expect.any(String) },
    'foreign host': { opened: false, status: 403, body: expect.any(String) }
  })

  // From a page on another origin in the browser, with the right token (as if it had leaked).
  const site = await foreignSite()
  const context = await browser.newContext()
  try {
    const evil = await context.newPage()
    await evil.goto(site.origin)
    const outcome = await evil.evaluate(
      (address) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(address)
          ws.onopen = () => {
            ws.send(
              JSON.stringify({
                id: 1,
                channel: 'locks:acquire',
                payload: { document: 'plan.md', sectionId: 'budget' }
              })
            )
            resolve('opened')
          }
          ws.onclose = (e) => resolve(`closed ${e.code}`)
        }),
      `ws://${new URL(own).host}/api?token=${encodeURIComponent(token)}`
    )
    expect(outcome).toBe('closed 1006')
    report('11', {
      ...Object.fromEntries(
        Object.entries(refusals).map(([k, v]) => [k, v.opened ? 'OPENED' : `refused ${v.status}`])
      ),
      'page on another origin': outcome
    })
  } finally {
    await context.close()
    await site.close()
  }

  // Control: the right token from the right Origin is accepted, so the refusals above were the checks.
  const api = await connectApi(ann.host.url)
  const info = await api.call('workspace:info', {})
  await api.close()
  expect(info).toMatchObject({ ok: true, value: { user: 'ann' } })

  // Nothing changed: the file, no lock anywhere, no lock or save in the audit trail.
  expect(await sectioned.read('plan.md')).toEqual(Buffer.from(PLAN))
  const status = await sectioned.cli('status', sectioned.folder, '--json')
  expect(JSON.parse(status.stdout)).toMatchObject({ locks: [] })
  expect((await sectioned.audit()).filter((e) => e.type.startsWith('lock.') || e.type === 'save')).toEqual([])
  // And the host still serves its own page: A can take a lock as usual.
  await typeAtEndOf(a, 'Money is tight.', ' Still works.')
  await expect(badge(a, 'budget')).toHaveText(/^You\b/)
  await expect(line(a, 'Money is tight. Still works.')).toBeVisible()
})
