/**
 * What the everyday-edit specs share: two writers on one folder, the file on disk and the local
 * journal read back, the lock holders and headings as the admin CLI sees them, and a watch on the
 * pages' errors.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { PLAN } from './documents'
import { expect, test, writersOn, type Instance, type Sectioned } from './fixtures'

/** The autosave fires 2 s after the last keystroke; this waits it out with room to spare. */
export const AFTER_AUTOSAVE_MS = 3_500
/** How long a poll on the file may take on a busy 2-core machine (autosave included). */
export const FILE_LIMIT_MS = 15_000

export async function disk(sectioned: Sectioned, rel = 'plan.md'): Promise<string> {
  return (await sectioned.read(rel)).toString()
}

export const count = (text: string, needle: string) => text.split(needle).length - 1

/** The line of `text` that starts with `start` (for compact messages). */
export const lineOf = (text: string, start: string) =>
  text.split('\n').find((l) => l.startsWith(start)) ?? null

/** Every journal entry (section id and text) in an instance's local journal (its config folder). */
export async function journal(instance: Instance): Promise<{ sectionId: string; text: string }[]> {
  const dir = path.join(instance.configDir, 'journal')
  const out: { sectionId: string; text: string }[] = []
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.json')) continue
    const raw = await fs.readFile(path.join(dir, name), 'utf8').catch(() => '')
    let data: { entries?: { sectionId: string; text: string }[] } = {}
    try {
      data = JSON.parse(raw) as typeof data
    } catch {
      continue // being replaced right now
    }
    out.push(...(data.entries ?? []))
  }
  return out
}

/** The section locks of the workspace as the admin CLI sees them: section id → holder's name. */
export async function lockHolders(sectioned: Sectioned): Promise<Record<string, string>> {
  const r = await sectioned.cli('status', sectioned.folder, '--json')
  expect(r.code, r.stderr).toBe(0)
  const { locks } = JSON.parse(r.stdout) as {
    locks: { kind: string; sectionId: string | null; record: { holder: { user: string } } | null }[]
  }
  return Object.fromEntries(
    locks
      .filter((l) => l.kind === 'section')
      .map((l) => [l.sectionId ?? '?', l.record?.holder.user ?? '?'] as const)
  )
}

/** The headings of plan.md's sections as the admin CLI parses the file (the preamble as "Preamble"). */
export async function fileHeadings(sectioned: Sectioned): Promise<string[]> {
  const r = await sectioned.cli('sections', path.join(sectioned.folder, 'plan.md'), '--json')
  expect(r.code, r.stderr).toBe(0)
  const { sections } = JSON.parse(r.stdout) as { sections: { id: string; heading: string }[] }
  return sections.map((s) => s.heading || 'Preamble')
}

export const outline = (p: Page) => p.getByTestId('outline-item').locator('button.heading').allTextContents()

/** Collects a page's uncaught errors and console errors; `check` attaches them and fails on the first kind. */
export function watchErrors(pages: Record<string, Page>) {
  const uncaught: string[] = []
  const consoleErrors: string[] = []
  for (const [name, page] of Object.entries(pages)) {
    page.on('pageerror', (e) => uncaught.push(`${name}: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${name}: ${m.text()}`)
    })
  }
  return {
    async check() {
      await test.info().attach('page errors', {
        body: [...uncaught.map((e) => `uncaught ${e}`), ...consoleErrors.map((e) => `console ${e}`)].join(
          '\n'
        ),
        contentType: 'text/plain'
      })
      expect(uncaught, 'uncaught errors in the pages').toEqual([])
    }
  }
}

export async function annAndBob(sectioned: Sectioned, text = PLAN, ready = 'Money is tight.') {
  const { instances, pages } = await writersOn(sectioned, 'plan.md', text, ['ann', 'bob'], ready)
  const [ann, bob] = instances
  const [a, b] = pages
  if (!ann || !bob || !a || !b) throw new Error('two instances expected')
  return { ann, bob, a, b, errors: watchErrors({ ann: a, bob: b }) }
}
