/**
 * Locks whose holder stops answering: killed (SIGKILL) on this computer, killed on "another
 * computer" (another SECTIONED_HOST_ID, so only missed heartbeats count), and frozen (SIGSTOP) past
 * the stale window and then continued. What the other writer can do, what the audit trail records,
 * and what the former holder sees when it comes back.
 *
 * The writer's screen has no control to take over a stale lock: typing into a section someone
 * holds is refused with the holder's name even when that holder is gone (the badge only says "not
 * answering" in its tooltip). So B takes the section through its own web host's contract — a
 * second window of B's instance — and B's screen shows it as "You (other window)".
 */
import os from 'node:os'
import { connectApi, type ApiClient } from './api-client'
import { PLAN } from './documents'
import { expect, test, type Sectioned } from './fixtures'
import { ErrorCode } from '../shared/errors'
import { report, stamp, watchForText } from './timing'
import { badge, editorText, lastNotice, line, save, typeAtEndOf } from './writer'

/** The shortest heartbeat the app accepts (SPEC L4): stale after 3 × 5 s. */
const HEARTBEAT_S = 5
const STALE_MS = 3 * HEARTBEAT_S * 1_000

/**
 * Asks for the lock every 250 ms until it is granted; every refusal must be "held by someone".
 * The client keeps the lock only while it stays connected: closing a window releases its locks.
 */
async function takeOver(
  api: ApiClient,
  sectionId: string,
  limitMs: number
): Promise<{ refusals: string[]; requestedAt: number; grantedAt: number }> {
  const started = Date.now()
  const refusals: string[] = []
  for (;;) {
    const requestedAt = Date.now()
    const r = await api.call('locks:acquire', { document: 'plan.md', sectionId })
    if (r.ok) return { refusals, requestedAt, grantedAt: Date.now() }
    expect(r.error.code, r.error.message).toBe(ErrorCode.LockHeld)
    refusals.push(r.error.message)
    if (Date.now() - started > limitMs) throw new Error(`not taken over in ${limitMs} ms: ${r.error.message}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** Audit lines of one type, once at least one is there (lines are written a moment after the act). */
async function auditOf(sectioned: Sectioned, type: string) {
  await expect
    .poll(async () => (await sectioned.audit()).filter((e) => e.type === type).length)
    .toBeGreaterThan(0)
  return (await sectioned.audit()).filter((e) => e.type === type)
}

/** Who holds each section of plan.md, as the admin CLI reports it. */
async function holders(sectioned: Sectioned): Promise<Record<string, string | null>> {
  const r = await sectioned.cli('inspect', `${sectioned.folder}/plan.md`, '--json')
  expect(r.code, r.stderr).toBe(0)
  const view = JSON.parse(r.stdout) as {
    sections: {
      id: string
      lock: { record: { holder: { user: string; instanceId: string } } | null } | null
    }[]
  }
  return Object.fromEntries(
    view.sections.map((s) => {
      const h = s.lock?.record?.holder
      return [s.id, h ? `${h.user}/${h.instanceId}` : null]
    })
  )
}

test('scenario 4: A is killed holding locks; B takes one over at once, the audit shows it, and A restarted does not get it back', async ({
  sectioned
}) => {
  await sectioned.files({ 'plan.md': PLAN })
  const [ann, bob] = await Promise.all([sectioned.start({ user: 'ann' }), sectioned.start({ user: 'bob' })])
  const a = await ann.open('plan.md', 'Money is tight.')
  const b = await bob.open('plan.md', 'Money is tight.')
  await typeAtEndOf(a, 'Hello from the intro.', ' Ann 1.')
  await expect(badge(a, 'intro')).toHaveText(/^You\b/)
  await typeAtEndOf(a, 'Money is tight.', ' Ann 2.')
  await expect(badge(a, 'budget')).toHaveText(/^You\b/)
  await expect(badge(b, 'intro')).toContainText('ann')
  await expect(badge(b, 'budget')).toContainText('ann')
  const oldAnn = (await auditOf(sectioned, 'lock.acquire')).find((e) => e.user === 'ann')?.instanceId

  await ann.host.kill()
  const killedAt = Date.now()
  // Same computer, dead pid: stale at once, no heartbeat wait.
  const api = await connectApi(bob.host.url)
  await watchForText(b, 'taken', '[data-testid="badge-budget"]', 'You (other window)')
  const { refusals, requestedAt, grantedAt } = await takeOver(api, 'budget', 10_000)
  const sinceKillMs = grantedAt - killedAt
  // From the request: B's page may hear of the new lock before the reply reaches this client.
  const badgeMs = (await stamp(b, 'taken')) - requestedAt
  expect(refusals).toEqual([])
  // A window B opens now marks A's other lock as not answering (a window already open is not told).
  const b2 = await bob.open('plan.md', 'Money is tight.')
  await expect(badge(b2, 'intro')).toContainText('ann')
  await expect(badge(b2, 'intro')).toContainText('not answering')
  await expect(badge(b2, 'budget')).toContainText('You (other window)')

  const takeover = (await auditOf(sectioned, 'lock.takeover')).find((e) => e.sectionId === 'budget')
  expect(takeover).toMatchObject({
    user: 'bob',
    document: 'plan.md',
    from: `ann on ${os.hostname()}`,
    reason: 'its process on this computer has ended'
  })
  expect((await holders(sectioned)).budget).toMatch(/^bob\//)
  expect((await holders(sectioned)).intro).toBe(`ann/${oldAnn}`)

  // A starts again as the same writer (same user, same computer: same owner id, new instance id).
  const ann2 = await sectioned.start({ user: 'ann' })
  const a2 = await ann2.open('plan.md', 'Money is tight.')
  // Its start-up released its own leftover (intro) and left B's takeover alone.
  const cleanup = (await auditOf(sectioned, 'lock.cleanup')).find((e) => e.sectionId === 'intro')
  expect(cleanup).toMatchObject({ user: 'ann' })
  expect(cleanup?.instanceId).not.toBe(oldAnn)
  await expect(badge(a2, 'budget')).toContainText('bob')
  await expect(badge(a2, 'intro')).toHaveCount(0)
  await expect(badge(b, 'intro')).toHaveCount(0)
  await sectioned.shot(a2, 'scenario-4-A-restarted')

  // The restarted A cannot type in B's section, and takes its old one afresh, as a new lock.
  const before = await editorText(a2)
  await typeAtEndOf(a2, 'Money is tight.', 'X')
  await expect(lastNotice(a2)).toContainText('“Budget” is being edited by bob')
  expect(await editorText(a2)).toBe(before)
  await typeAtEndOf(a2, 'Hello from the intro.', ' Ann again.')
  await expect(badge(a2, 'intro')).toHaveText(/^You\b/)
  const now = await holders(sectioned)
  expect(now.intro).toMatch(/^ann\//)
  expect(now.intro).not.toBe(`ann/${oldAnn}`)
  expect(now.budget).toMatch(/^bob\//)
  report('4', {
    'takeover granted (same host, first request)': grantedAt - requestedAt,
    'after the kill': sinceKillMs,
    'badge in B': badgeMs
  })
  // B's second window keeps the lock until here: closing a window releases its locks.
  await api.close()
})

test('scenario 4b: A on another computer is killed; B takes over only after 3 missed heartbeats', async ({
  sectioned
}) => {
  await sectioned.files({ 'plan.md': PLAN })
  const laptop = {
    user: 'ann',
    hostId: 'e2e-ann-laptop',
    hostName: 'ann-laptop',
    heartbeatSeconds: HEARTBEAT_S
  }
  const [ann, bob] = await Promise.all([sectioned.start(laptop), sectioned.start({ user: 'bob' })])
  const a = await ann.open('plan.md', 'Money is tight.')
  const b = await bob.open('plan.md', 'Money is tight.')
  await typeAtEndOf(a, 'Money is tight.', ' Ann on her laptop.')
  await expect(badge(a, 'budget')).toHaveText(/^You\b/)
  await expect(badge(b, 'budget')).toContainText('ann')
  await expect(badge(b, 'budget')).toContainText('ann-laptop')

  await ann.host.kill()
  const killedAt = Date.now()
  // Another computer's pid means nothing here: B must watch the heartbeat stand still for 3 beats.
  const api = await connectApi(bob.host.url)
  const { refusals, grantedAt } = await takeOver(api, 'budget', STALE_MS + 15_000)
  const takeoverMs = grantedAt - killedAt
  expect(refusals[0]).toContain('is being edited by ann on ann-laptop')
  // The last beat came at most one interval before the kill; the stale window counts from B's
  // first sight of that beat, so the takeover lands between ttl − interval and ttl (+ slack).
  expect(takeoverMs).toBeGreaterThanOrEqual(STALE_MS - HEARTBEAT_S * 1_000)
  expect(takeoverMs).toBeLessThanOrEqual(STALE_MS + 5_000)
  const takeover = (await auditOf(sectioned, 'lock.takeover')).find((e) => e.sectionId === 'budget')
  expect(takeover).toMatchObject({ user: 'bob', from: 'ann on ann-laptop' })
  expect(String(takeover?.reason)).toMatch(/^missed 3 heartbeats/)
  await expect(badge(b, 'budget')).toContainText('You (other window)')

  // The same writer on the same "laptop" comes back: the lock stays B's.
  const ann2 = await sectioned.start(laptop)
  const a2 = await ann2.open('plan.md', 'Money is tight.')
  await expect(badge(a2, 'budget')).toContainText('bob')
  expect((await holders(sectioned)).budget).toMatch(/^bob\//)
  report('4b', {
    'takeover after kill (other host, 5 s heartbeat)': takeoverMs,
    refusals: `${refusals.length}`
  })
  await api.close()
})

test('scenario 5: A frozen past the stale window is taken over; on waking A is told, keeps its text as a draft, and cannot overwrite B', async ({
  sectioned
}) => {
  await sectioned.files({ 'plan.md': PLAN })
  const [ann, bob] = await Promise.all([
    sectioned.start({ user: 'ann', heartbeatSeconds: HEARTBEAT_S }),
    sectioned.start({ user: 'bob', heartbeatSeconds: HEARTBEAT_S })
  ])
  const a = await ann.open('plan.md', 'Money is tight.')
  const b = await bob.open('plan.md', 'Money is tight.')
  const annText = 'Money is tight. Ann’s unsaved words.'
  const bobText = 'Money is tight. Bob’s saved words.'
  await typeAtEndOf(a, 'Money is tight.', ' Ann’s unsaved words')
  await expect(badge(a, 'budget')).toHaveText(/^You\b/)
  await expect(badge(b, 'budget')).toContainText('ann')
  // The last keystroke restarts the 2 s autosave timer; the freeze follows at once, so A's text
  // is still unsaved when its host stops.
  await a.keyboard.type('.')
  ann.host.freeze()
  const frozenAt = Date.now()
  await expect(line(a, annText)).toBeVisible()
  expect((await sectioned.read('plan.md')).toString('utf8'), 'A’s text is unsaved when A freezes').toBe(PLAN)
  const api = await connectApi(bob.host.url)
  const { refusals, grantedAt } = await takeOver(api, 'budget', STALE_MS + 15_000)
  const takeoverMs = grantedAt - frozenAt
  expect(refusals[0]).toContain('is being edited by ann')
  expect(takeoverMs).toBeGreaterThanOrEqual(STALE_MS - HEARTBEAT_S * 1_000)

  // B saves the section it took over.
  const snap = await api.call('documents:open', { document: 'plan.md' })
  if (!snap.ok) throw new Error(snap.error.message)
  const section = snap.value.sections.find((s) => s.id === 'budget')
  if (!section) throw new Error('no budget section')
  const current = snap.value.text.slice(section.from, section.to)
  await watchForText(b, 'saved', '.cm-content', bobText)
  const savedAt = Date.now()
  const saved = await api.call('sections:save', {
    document: 'plan.md',
    sectionId: 'budget',
    baseSha256: section.sha256,
    text: current.replace('Money is tight.', bobText)
  })
  expect(saved.ok, saved.ok ? '' : saved.error.message).toBe(true)
  const savedMs = (await stamp(b, 'saved')) - savedAt
  const expectedFile = PLAN.replace('Money is tight.', bobText)
  expect((await sectioned.read('plan.md')).toString('utf8')).toBe(expectedFile)

  // A, still frozen, still shows its own text and believes it holds the section; it presses Ctrl+S
  // (and its autosave has fired too): both saves wait in the frozen host's socket.
  await expect(line(a, annText)).toBeVisible()
  await sectioned.shot(a, 'scenario-5-A-frozen-before-wake')
  await save(a)

  await watchForText(a, 'lost', '[data-testid="notice"]', 'You no longer hold “Budget”')
  ann.host.thaw()
  const thawedAt = Date.now()
  const lostMs = (await stamp(a, 'lost')) - thawedAt
  const notice = a.getByTestId('notice').filter({ hasText: 'You no longer hold “Budget”' }).first()
  await expect(notice).toContainText(/taken over|now held by bob/)
  // The notice keeps A's text as a draft the writer can open and copy.
  await notice.getByText('Your text (kept as a draft)').click()
  await expect(notice.locator('textarea')).toHaveValue(/Ann’s unsaved words\./)
  // A's screen moves on to B's text and B's badge…
  await expect(badge(a, 'budget')).toContainText('bob')
  await expect(line(a, bobText)).toBeVisible()
  await sectioned.shot(a, 'scenario-5-A-after-wake')
  // Re-applying the draft needs the section, which B holds: refused, naming B.
  await notice.getByTestId('reapply-draft').click()
  await expect(lastNotice(a)).toContainText('“Budget” is being edited by bob')
  // …and its queued saves were refused: the file still holds B's save, byte for byte.
  await expect
    .poll(async () => (await sectioned.audit()).some((e) => e.type === 'lock.heartbeat-lost'))
    .toBe(true)
  expect((await sectioned.read('plan.md')).toString('utf8')).toBe(expectedFile)
  expect((await holders(sectioned)).budget).toMatch(/^bob\//)

  // The refused save's text is also kept on disk, for every instance to list (drafts:list).
  const drafts = await api.call('drafts:list', { document: 'plan.md' })
  await api.close()
  if (!drafts.ok) throw new Error(drafts.error.message)
  const annDrafts = drafts.value.drafts.filter((d) => d.user === 'ann' && d.sectionId === 'budget')
  expect(annDrafts.map((d) => d.text).join('\n')).toContain('Ann’s unsaved words.')
  const audit = await sectioned.audit()
  expect(audit.find((e) => e.type === 'lock.takeover')).toMatchObject({ user: 'bob', sectionId: 'budget' })
  expect(audit.filter((e) => e.type === 'save' && e.user === 'ann')).toEqual([])

  report('5', {
    'takeover after freeze': takeoverMs,
    'B saved text in B': savedMs,
    'lock-lost notice in A after SIGCONT': lostMs,
    'drafts on disk': `${annDrafts.length}`
  })
})
