/**
 * Scenario bodies shared by the web-host suite and the Electron suite: they take windows, whatever
 * runs behind them, and assert what the writers see. Each returns its measured times.
 */
import { expect, type Page } from '@playwright/test'
import { appendToLine } from './documents'
import { stampNextKeydown, stamp, watchForText } from './timing'
import { badge, caretAtEndOf, editorText, lastNotice, line, save, typeAtEndOf } from './writer'

/** How soon another window must show a lock (SPEC W2 targets 250 ms; this is the test's limit). */
export const VISIBLE_BUDGET_MS = Number(process.env.E2E_VISIBLE_BUDGET_MS ?? 1_000)
/**
 * How soon another window must show a saved text. A save does more before anyone can see it (write
 * mutex, two fsyncs, a history file), and two saves at once queue on the mutex; on this shared
 * 2-core machine that reached 830 ms. The printed number is the measurement; this limit catches a
 * broken propagation path (seconds), not a slow disk.
 */
export const SAVED_BUDGET_MS = Number(process.env.E2E_SAVED_BUDGET_MS ?? 2_000)

/** A window and the name it goes by in reports (`B`, `C`, `A2`…). */
export interface Window {
  name: string
  page: Page
}

/**
 * Scenario 1: the writer types in section 1 (`intro`, line “Hello from the intro.”); every observer
 * shows the writer's badge on it within the budget; then the first observer tries to type there
 * and is refused with a notice naming the writer, its text unchanged.
 * Returns each observer's time from the writer's first keystroke to the badge on screen.
 */
export async function lockBadgeScenario(
  writer: Page,
  writerName: string,
  observers: Window[]
): Promise<Record<string, number>> {
  const before = await Promise.all(observers.map((o) => editorText(o.page)))
  for (const o of observers) await watchForText(o.page, 'badge', '[data-testid="badge-intro"]', writerName)
  await caretAtEndOf(writer, 'Hello from the intro.')
  await stampNextKeydown(writer, 'typed')
  await writer.keyboard.type(' A is writing.')
  await expect(badge(writer, 'intro')).toContainText('You')
  await expect(line(writer, 'Hello from the intro. A is writing.')).toBeVisible()

  const times: Record<string, number> = {}
  for (const o of observers) {
    times[o.name] = (await stamp(o.page, 'badge')) - (await stamp(writer, 'typed'))
    await expect(badge(o.page, 'intro')).toContainText(writerName)
  }
  // Observers see the lock, not the unsaved text — unless the writer's autosave (2 s after the
  // last keystroke) ran meanwhile on a slow machine; either way nothing else changes.
  const allowed = (i: number) => [
    before[i],
    before[i]?.replace('Hello from the intro.', 'Hello from the intro. A is writing.')
  ]
  for (const [i, o] of observers.entries()) expect(allowed(i), o.name).toContain(await editorText(o.page))

  const refused = observers[0]
  if (refused) {
    await typeAtEndOf(refused.page, 'Hello from the intro.', 'X')
    await expect(lastNotice(refused.page)).toContainText(`“Intro” is being edited by ${writerName}`)
    expect(allowed(0), `${refused.name}: the refused X never lands`).toContain(await editorText(refused.page))
  }
  for (const [name, ms] of Object.entries(times))
    expect(ms, `badge in ${name} after ${ms} ms`).toBeLessThanOrEqual(VISIBLE_BUDGET_MS)
  return times
}

/** The two edits of scenario 2: A appends to a line of `intro`, B to a line of `budget`. */
export const EDIT_A = { line: 'Hello from the intro.', add: ' Ann was here.' }
export const EDIT_B = { line: 'Money is tight.', add: ' Bob was here.' }

/** The file scenario 2 must leave on disk: the original with exactly the two edits spliced in. */
export function expectedAfterBothSaves(original: string): string {
  return appendToLine(appendToLine(original, EDIT_A.line, EDIT_A.add), EDIT_B.line, EDIT_B.add)
}

/**
 * Scenario 2: A and B type in different sections at the same time and both press Ctrl+S; every
 * window then shows both texts and the file holds both edits with no other byte changed.
 * Returns the times from each Ctrl+S to that text in the other windows (null: an autosave got
 * there before the Ctrl+S, so nothing was measured).
 */
export async function parallelSavesScenario(opts: {
  a: Page
  b: Page
  /** Windows that only watch (other instances, or more windows of A or B). */
  observers: Window[]
  original: string
  readDocument(): Promise<Buffer>
}): Promise<Record<string, number | null>> {
  const { a, b, observers, original } = opts
  const textA = EDIT_A.line + EDIT_A.add
  const textB = EDIT_B.line + EDIT_B.add
  await Promise.all([typeAtEndOf(a, EDIT_A.line, EDIT_A.add), typeAtEndOf(b, EDIT_B.line, EDIT_B.add)])
  // Typing first takes the lock, then the text lands; generous on a busy machine.
  const taken = { timeout: 15_000 }
  await Promise.all([
    expect(badge(a, 'intro'), 'A holds intro').toContainText('You', taken),
    expect(badge(b, 'budget'), 'B holds budget').toContainText('You', taken),
    expect(line(a, textA), 'A’s typing is in A’s editor').toBeVisible(taken),
    expect(line(b, textB), 'B’s typing is in B’s editor').toBeVisible(taken)
  ])

  // Who should see whose text once it is saved.
  const watchers: { key: string; name: string; page: Page; text: string; from: Page }[] = [
    { key: 'A-in-B', name: 'A→B', page: b, text: textA, from: a },
    { key: 'B-in-A', name: 'B→A', page: a, text: textB, from: b },
    ...observers.flatMap((o) => [
      { key: `A-in-${o.name}`, name: `A→${o.name}`, page: o.page, text: textA, from: a },
      { key: `B-in-${o.name}`, name: `B→${o.name}`, page: o.page, text: textB, from: b }
    ])
  ]
  const early = new Set<string>()
  for (const w of watchers) {
    if ((await editorText(w.page)).includes(w.text)) early.add(w.key)
    await watchForText(w.page, w.key, '.cm-content', w.text)
  }
  await Promise.all([stampNextKeydown(a, 'save'), stampNextKeydown(b, 'save')])
  await Promise.all([save(a), save(b)])

  const times: Record<string, number | null> = {}
  for (const w of watchers) {
    const seen = await stamp(w.page, w.key)
    times[w.name] = early.has(w.key) ? null : seen - (await stamp(w.from, 'save'))
  }
  // Both texts stay (a late refresh must not take one back); a failure shows the window's text.
  for (const w of [{ name: 'A', page: a }, { name: 'B', page: b }, ...observers]) {
    const both = async () => {
      const text = await editorText(w.page)
      return text.includes(textA) && text.includes(textB) ? 'both texts' : text
    }
    await expect
      .poll(both, { message: `window ${w.name} shows both saved texts`, timeout: 10_000 })
      .toBe('both texts')
  }

  const expected = Buffer.from(expectedAfterBothSaves(original), 'utf8')
  await expect
    .poll(async () => (await opts.readDocument()).toString('utf8'), { timeout: 10_000 })
    .toBe(expected.toString('utf8'))
  expect(
    (await opts.readDocument()).equals(expected),
    'the file is the original plus both edits, byte for byte'
  ).toBe(true)
  for (const [name, ms] of Object.entries(times))
    if (ms !== null) expect(ms, `text ${name} after ${ms} ms`).toBeLessThanOrEqual(SAVED_BUDGET_MS)
  return times
}
