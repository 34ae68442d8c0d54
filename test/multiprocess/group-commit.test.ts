/**
 * Group commit under kill -9 (documents/document-writer.ts): a real process saves every section of
 * a document at once, round after round, so its saves are written in batches of one intent and one
 * rename; it is killed with SIGKILL at a random moment. Afterwards every save it acknowledged is in
 * the file (or a later save of that section is), no save is half-applied (each section holds exactly
 * one text the worker sent), and once the next writer has finished the dead one's intents, every
 * section's history ends with the file's text and holds every acknowledged round.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openWorkspace } from '../../electron/services/app-services'
import { clockFromEnv } from '../../electron/services/core/clock'
import { createIdentity } from '../../electron/services/core/identity'
import { roundText } from '../harness/save-rounds'
import { killAll, SAVE_WORKER, start } from '../harness/test-processes'

const DOC = 'doc.md'
const IDS = ['S0', 'S1', 'S2', 'S3', 'S4', 'S5']
let dir: string

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-gc-'))
  await fs.writeFile(path.join(dir, DOC), IDS.map((id) => roundText(id, 0)).join(''))
})

afterEach(async () => {
  killAll()
  await fs.rm(dir, { recursive: true, force: true })
})

/** The round a section's text belongs to, or null when it is no text the worker ever sent. */
function roundOf(id: string, text: string): number | null {
  const m = /^# \S+\n\nround (\d+) of /.exec(text)
  if (!m) return null
  const round = Number(m[1])
  return roundText(id, round) === text ? round : null
}

describe('group commit under kill -9', () => {
  it('keeps every acknowledged save and half-applies none', async () => {
    // Each trial is about a second; most kills land between batches, some inside one (counted).
    const trials = 12
    let unfinishedSeen = 0
    let batchedPlans = 0
    let batches = 0
    const finished = { completed: 0, discarded: 0 }
    for (let trial = 0; trial < trials; trial++) {
      if (trial > 0) await fs.writeFile(path.join(dir, DOC), IDS.map((id) => roundText(id, 0)).join(''))
      await fs.rm(path.join(dir, '.sectioned'), { recursive: true, force: true })
      const worker = start(SAVE_WORKER, [dir, DOC])
      await worker.waitFor('ready')
      // Wait for a few rounds, then kill at a random moment within one.
      await worker.waitFor('batches', 30_000)
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 600))
      worker.child.kill('SIGKILL')
      const done = await worker.done
      expect(done.signal, done.stderr).toBe('SIGKILL')

      const acked = new Map<string, number>()
      for (const m of done.stdout.matchAll(/^ack (\S+) (\d+)$/gm))
        acked.set(m[1], Math.max(acked.get(m[1]) ?? 0, Number(m[2])))
      const stats = [...done.stdout.matchAll(/^batches (\d+) (\d+)$/gm)].pop()
      if (stats) {
        batches += Number(stats[1])
        batchedPlans += Number(stats[2])
      }

      // The file as the crash left it: each section holds one whole text the worker sent, no older
      // than the last acknowledged one (an answered save is never lost).
      // Same machine, real clock: the dead worker's write mutex is taken over (its process ended).
      const s = await openWorkspace({
        folder: dir,
        identity: createIdentity({ user: 'checker' }),
        clock: clockFromEnv()
      })
      try {
        // Looked at before anything reads the document (a read under the mutex finishes intents too).
        const raw = await fs.readFile(path.join(dir, DOC), 'utf8')
        const intentsDir = path.join(s.workspace.docDir(DOC), 'intents')
        const left = (await fs.readdir(intentsDir).catch(() => [])).filter((n) => n.endsWith('.json'))
        if (left.length > 0) unfinishedSeen++
        const outcomes = await s.documents.repairIntents(DOC)
        expect(outcomes.filter((o) => o.outcome !== 'completed' && o.outcome !== 'discarded')).toEqual([])
        for (const o of outcomes) finished[o.outcome as 'completed' | 'discarded']++
        const snap = await s.documents.read(DOC)
        expect(snap.text).toBe(raw)
        expect(snap.sections.map((x) => x.heading)).toEqual(['', ...IDS])
        for (const id of IDS) {
          const sec = snap.sections.find((x) => x.heading === id)!
          const text = snap.text.slice(sec.start, sec.end)
          const round = roundOf(id, text)
          expect(
            round,
            `section ${id} holds a text the worker never sent: ${JSON.stringify(text)}`
          ).not.toBeNull()
          expect(round!).toBeGreaterThanOrEqual(acked.get(id) ?? 0)
          // History ends with the file's text, and holds every acknowledged round of the section.
          const versions = await s.history.list(DOC, sec.id)
          expect(versions[versions.length - 1]?.content).toBe(text)
          const rounds = new Set(versions.map((v) => roundOf(id, v.content)))
          for (let r = 1; r <= (acked.get(id) ?? 0); r++) expect(rounds.has(r), `${id} round ${r}`).toBe(true)
        }
        expect((await fs.readdir(intentsDir).catch(() => [])).filter((n) => n.endsWith('.json'))).toEqual([])
      } finally {
        await s.dispose()
      }
    }
    console.log(
      `group commit under kill -9: ${trials} trials, ${unfinishedSeen} left an unfinished intent ` +
        `(${finished.completed} renamed and finished by the next writer, ${finished.discarded} never renamed, discarded); ` +
        `${batchedPlans} saves in ${batches} batches (${(batchedPlans / Math.max(1, batches)).toFixed(1)} per write)`
    )
    // The saves were grouped: fewer writes than saves.
    expect(batches).toBeLessThan(batchedPlans)
  }, 180_000)
})
