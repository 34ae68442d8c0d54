/**
 * A rename or a delete to the trash killed with SIGKILL after each step of its move (a real child
 * process, test/harness/move-worker.ts): the crash leaves the move's intent, and the next start of
 * any instance on the same machine (the dead mover's locks are stale at once: its process ended)
 * finishes it — the file under its new name, the whole history following it and verified, no
 * intent left. A crash after the intent but before anything moved is finished too (roll forward),
 * and one whose target name was taken meanwhile by another program is undone instead.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openWorkspace, type AppServices } from '../../electron/services/app-services'
import { clockFromEnv } from '../../electron/services/core/clock'
import { createIdentity } from '../../electron/services/core/identity'
import { movesDir } from '../../electron/services/files/doc-move'
import { killAll, MOVE_WORKER, start } from '../harness/test-processes'

const DOC = 'plan.md'
const TO = 'archive/plan-2024.md'
const TEXT = '# Budget\n\nOne.\n\n# Dates\n\nTwo.\n'
let dir: string

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-move-crash-'))
  await fs.writeFile(path.join(dir, DOC), TEXT)
})

afterEach(async () => {
  killAll()
  await fs.rm(dir, { recursive: true, force: true })
})

const open = (user: string) =>
  openWorkspace({ folder: dir, identity: createIdentity({ user }), clock: clockFromEnv() })

/** Saves two versions of “budget”, so there is history to follow the document. */
async function makeHistory(): Promise<string[]> {
  const s = await open('ann')
  try {
    for (const text of ['# Budget\n\nOne, revised.\n\n', '# Budget\n\nOne, final.\n\n']) {
      const { section } = await s.documents.section(DOC, 'budget')
      const lock = await s.locks.acquireSection(DOC, 'budget')
      await s.documents.saveSection(lock, section.sha256, text)
      await s.locks.release(lock)
    }
    return (await s.history.list(DOC, 'budget')).map((v) => v.content)
  } finally {
    await s.dispose()
  }
}

async function killedAt(args: string[], step: string): Promise<void> {
  const worker = start(MOVE_WORKER, [dir, ...args, step])
  const done = await worker.done
  expect(done.signal, done.stderr).toBe('SIGKILL')
  expect(done.stdout).toBe(`at ${step}\n`)
  expect((await fs.readdir(path.join(dir, '.sectioned', 'moves'))).length).toBe(1)
}

const exists = (rel: string) =>
  fs.lstat(path.join(dir, rel)).then(
    () => true,
    () => false
  )

async function intentsLeft(s: AppServices): Promise<string[]> {
  return (await fs.readdir(movesDir(s.workspace)).catch(() => [])).filter((n) => n.endsWith('.json'))
}

describe('a rename killed with SIGKILL', () => {
  it.each(['intent', 'data', 'relabel', 'file'])(
    'after its %s step is finished by the next start, history and all',
    async (step) => {
      const history = await makeHistory()
      await killedAt(['rename', DOC, TO], step)
      const s = await open('bob') // start-up finishes the move (app-services: recoverMoves)
      try {
        expect(await intentsLeft(s)).toEqual([])
        expect(await exists(DOC)).toBe(false)
        expect(await fs.readFile(path.join(dir, TO), 'utf8')).toContain('One, final.')
        expect((await s.history.list(TO, 'budget')).map((v) => v.content)).toEqual(history)
        expect(await s.history.list(DOC, 'budget')).toEqual([])
        expect(await s.history.verifyAll()).toEqual([])
        // The locks the dead mover held are free: the document can be edited under its new name.
        await s.locks.release(await s.locks.acquireSection(TO, 'budget'))
      } finally {
        await s.dispose()
      }
    },
    30_000
  )

  it('is undone when another program took the new name before the file moved', async () => {
    const history = await makeHistory()
    await killedAt(['rename', DOC, TO], 'relabel')
    await fs.mkdir(path.join(dir, 'archive'), { recursive: true })
    await fs.writeFile(path.join(dir, TO), 'someone else’s file\n')
    const s = await open('bob')
    try {
      expect(await intentsLeft(s)).toEqual([])
      expect(await fs.readFile(path.join(dir, TO), 'utf8')).toBe('someone else’s file\n')
      expect((await s.history.list(DOC, 'budget')).map((v) => v.content)).toEqual(history)
      expect(await s.history.verifyAll()).toEqual([])
    } finally {
      await s.dispose()
    }
  }, 30_000)
})

describe('a delete to the trash killed with SIGKILL', () => {
  it.each(['data', 'file'])(
    'after its %s step is finished, and restores with its history',
    async (step) => {
      const history = await makeHistory()
      await killedAt(['trash', DOC], step)
      const s = await open('bob')
      try {
        expect(await intentsLeft(s)).toEqual([])
        expect(await exists(DOC)).toBe(false)
        const [entry] = await s.files.trashList()
        expect(entry).toMatchObject({ original: DOC })
        await s.files.restore(entry.id)
        expect((await s.history.list(DOC, 'budget')).map((v) => v.content)).toEqual(history)
      } finally {
        await s.dispose()
      }
    },
    30_000
  )
})
