/**
 * Presence across instances: who has a document open, and which section their cursor is in, shown
 * in the other instance's folder tree and document header — and gone when they close the page, or
 * when their instance dies (SIGKILL): on the same computer at A's next look (its process ended), on
 * "another computer" (another SECTIONED_HOST_ID) after 3 missed heartbeats by A's own clock.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { PLAN } from './documents'
import { expect, test, type Sectioned } from './fixtures'
import { report, stamp } from './timing'
import { line } from './writer'

/** The shortest heartbeat the app accepts (SPEC L4): stale after 3 × 5 s. */
const HEARTBEAT_S = 5
const STALE_MS = 3 * HEARTBEAT_S * 1_000

/**
 * Stamps (under `key`) the first animation frame in which an element matching `selector` is there
 * (`present`) or gone; start it before the action.
 */
async function watchFor(page: Page, key: string, selector: string, present: boolean): Promise<void> {
  await page.evaluate(
    ({ k, selector, present }) => {
      const w = window as Window & { __e2eStamps?: Record<string, number> }
      const stamps = (w.__e2eStamps ??= {})
      delete stamps[k]
      const frame = () => {
        if ((document.querySelector(selector) !== null) === present) stamps[k] = Date.now()
        else requestAnimationFrame(frame)
      }
      frame()
    },
    { k: key, selector, present }
  )
}

/** Bob's chip in the header of A's editor, and in A's folder tree beside plan.md. */
const HEADER_BOB = '[data-testid="presence-header"] [data-testid="presence-chip"][data-user="bob"]'
const headerChip = (page: Page) => page.locator(HEADER_BOB)
const treeChip = (page: Page, document: string) =>
  page
    .getByRole('navigation', { name: 'Documents' })
    .getByRole('button', { name: document, exact: true })
    .locator('[data-testid="presence-chip"][data-user="bob"]')

interface Stored {
  identity: { user: string; instanceId: string }
  seq: number
  documents: { document: string; sectionId: string | null; heading: string | null }[]
}

/** The presence records on disk (`.sectioned/presence/*.json`), by user. */
async function records(sectioned: Sectioned): Promise<Record<string, Stored>> {
  const dir = path.join(sectioned.folder, '.sectioned', 'presence')
  const out: Record<string, Stored> = {}
  for (const name of (await fs.readdir(dir).catch(() => [])).filter((n) => n.endsWith('.json'))) {
    const text = await fs.readFile(path.join(dir, name), 'utf8').catch(() => null)
    if (text === null) continue
    const r = JSON.parse(text) as Stored
    out[r.identity.user] = r
  }
  return out
}

test('presence: B opens a document and A sees it in the tree and the header with the heading of B’s cursor; it follows B’s cursor and goes when B closes the page', async ({
  sectioned
}) => {
  await sectioned.files({ 'plan.md': PLAN, 'notes.md': '# Notes\n\nNothing yet.\n' })
  const [ann, bob] = await Promise.all([
    sectioned.start({ user: 'ann', heartbeatSeconds: HEARTBEAT_S }),
    sectioned.start({ user: 'bob', hostName: 'bob-laptop', heartbeatSeconds: HEARTBEAT_S })
  ])
  const a = await ann.open('plan.md', 'Money is tight.')
  await expect(a.locator('[data-testid="presence-chip"]')).toHaveCount(0)

  // B opens notes.md: A's tree shows B beside it (a document A does not have open).
  const b = await bob.open('notes.md', 'Nothing yet.')
  await expect(treeChip(a, 'notes.md')).toHaveAttribute('title', /^bob on bob-laptop in /)
  await expect(headerChip(a)).toHaveCount(0)

  // B switches to plan.md: A's header and tree follow.
  await watchFor(a, 'appeared', HEADER_BOB, true)
  const opening = Date.now()
  await b.getByRole('button', { name: 'plan.md', exact: true }).click()
  const appearedMs = (await stamp(a, 'appeared')) - opening
  // A fresh editor's cursor is at the start: the preamble, named in words, never by id.
  await expect(headerChip(a)).toHaveAttribute(
    'title',
    'bob on bob-laptop in the text before the first heading'
  )
  await expect(treeChip(a, 'plan.md')).toHaveText('BO')
  await expect(treeChip(a, 'notes.md')).toHaveCount(0)
  await expect(headerChip(a)).toContainText('bob')
  // Ann's own window is not one of the others.
  await expect(a.locator('[data-testid="presence-chip"][data-user="ann"]')).toHaveCount(0)

  // B moves its cursor into Budget: A's tooltip follows.
  await watchFor(a, 'budget', `${HEADER_BOB}[data-section="budget"]`, true)
  const clicked = Date.now()
  await line(b, 'Money is tight.').click()
  const movedMs = (await stamp(a, 'budget')) - clicked
  await expect(headerChip(a)).toHaveAttribute('title', 'bob on bob-laptop in “Budget”')
  await expect(treeChip(a, 'plan.md')).toHaveAttribute('title', 'bob on bob-laptop in “Budget”')
  // On disk: B's record names the document and the section — never its text.
  await expect
    .poll(async () => (await records(sectioned)).bob?.documents)
    .toEqual([{ document: 'plan.md', sectionId: 'budget', heading: 'Budget' }])
  const onDisk = await fs.readFile(
    path.join(
      sectioned.folder,
      '.sectioned',
      'presence',
      `${(await records(sectioned)).bob.identity.instanceId}.json`
    ),
    'utf8'
  )
  expect(onDisk).not.toContain('Money is tight')
  expect(onDisk.length).toBeLessThan(2048)
  // The admin CLI sees the same.
  const who = await sectioned.cli('who', sectioned.folder, '--json')
  expect(who.code, who.stderr).toBe(0)
  const present = (JSON.parse(who.stdout) as { present: { user: string; documents: Stored['documents'] }[] })
    .present
  expect(present.find((p) => p.user === 'bob')?.documents).toEqual([
    { document: 'plan.md', sectionId: 'budget', heading: 'Budget' }
  ])
  expect(present.find((p) => p.user === 'ann')?.documents).toEqual([
    { document: 'plan.md', sectionId: 'preamble', heading: '' }
  ])
  await sectioned.shot(a, 'presence-tree-and-header')

  await line(b, 'Hello from the intro.').click()
  await expect(headerChip(a)).toHaveAttribute('title', 'bob on bob-laptop in “Intro”')

  // B closes the page: its record says so at once, and A's chips go.
  await watchFor(a, 'gone', HEADER_BOB, false)
  const closing = Date.now()
  await b.close()
  const goneMs = (await stamp(a, 'gone')) - closing
  await expect(treeChip(a, 'plan.md')).toHaveCount(0)
  await expect.poll(async () => (await records(sectioned)).bob?.documents).toEqual([])
  console.log(
    report('presence', {
      'appears (B opens plan.md)': `${appearedMs} ms`,
      'follows cursor': `${movedMs} ms`,
      'gone (page closed)': `${goneMs} ms`
    })
  )
  expect(movedMs).toBeLessThan(3_000)
  expect(goneMs).toBeLessThan(3_000)
})

test('presence: B’s instance killed with SIGKILL — gone at A’s next look on the same computer, after the stale window by A’s clock from another', async ({
  sectioned
}) => {
  test.setTimeout(120_000)
  await sectioned.files({ 'plan.md': PLAN })
  const [ann, bob, far] = await Promise.all([
    sectioned.start({ user: 'ann', heartbeatSeconds: HEARTBEAT_S }),
    sectioned.start({ user: 'bob', hostName: 'bob-laptop', heartbeatSeconds: HEARTBEAT_S }),
    // Another computer: its pid cannot be checked here, so only its heartbeats standing still count.
    sectioned.start({ user: 'bob', hostId: 'bob-far', hostName: 'bob-far', heartbeatSeconds: HEARTBEAT_S })
  ])
  const a = await ann.open('plan.md', 'Money is tight.')
  const b = await bob.open('plan.md', 'Money is tight.')
  await line(b, 'Money is tight.').click()
  await expect(a.locator(`${HEADER_BOB}[title="bob on bob-laptop in “Budget”"]`)).toHaveCount(1)
  await watchFor(a, 'killed', `${HEADER_BOB}[title*="bob-laptop"]`, false)
  await bob.host.kill()
  const killed = Date.now()
  const sameHostMs = (await stamp(a, 'killed', 30_000)) - killed
  // Its record is still on disk (nothing removed it): A ignores it.
  expect((await records(sectioned)).bob).toBeDefined()
  expect(sameHostMs).toBeLessThan(HEARTBEAT_S * 1_000 + 2_000)

  const f = await far.open('plan.md', 'Money is tight.')
  await line(f, 'Hello from the intro.').click()
  await expect(a.locator(`${HEADER_BOB}[title="bob on bob-far in “Intro”"]`)).toHaveCount(1)
  await watchFor(a, 'stale', `${HEADER_BOB}[title*="bob-far"]`, false)
  await far.host.kill()
  const farKilled = Date.now()
  const farMs = (await stamp(a, 'stale', 60_000)) - farKilled
  console.log(
    report('presence killed', { 'same computer': `${sameHostMs} ms`, 'another computer': `${farMs} ms` })
  )
  // Its last refresh was at most one beat before the kill; stale 3 beats after A saw it.
  expect(farMs).toBeGreaterThanOrEqual(STALE_MS - HEARTBEAT_S * 1_000)
  expect(farMs).toBeLessThan(STALE_MS + 3_000)
})
