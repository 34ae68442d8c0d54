/**
 * Model-based test of the section session (fast-check `commands`): random interleavings of what a
 * writer does (type, Enter at a section's edge, a new heading, deleting a heading, a paste across
 * sections, undo, redo, save, Done, close and reopen) with what others do (take, release and save
 * sections, edit the file outside the app, take over a section, drop the connection), against the
 * fake server. After every step, once the answers on their way have arrived:
 *  - every section this window does not hold shows exactly the server's text, in the server's order;
 *  - every token the writer typed (and did not remove by their own edit or undo) is in the file, in
 *    the editor's held sections (saved or journalled next), in the journal or in a kept draft — and
 *    never twice in the file or twice in the editor;
 *  - the outline equals the sections of the editor's text.
 * `SESSION_MODEL_RUNS` sets the number of runs (a few hundred in `npm test`; thousands by hand).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { FakeServer } from './fake-server'
import { parseHeadings } from './headings'
import { isMine, sectionLocks } from './lock-state'
import { outlineOf } from './outline'
import { ManualClock, Window } from './session-harness'

const RUNS = Number(process.env.SESSION_MODEL_RUNS ?? 250)
const START = '# Intro\nhello\n\n# Budget\nmoney\n\n# Risks\nmany\n\n# Dates\nsoon\n'

interface World {
  server: FakeServer
  clock: ManualClock
  win: Window
  /** Tokens typed by the writer, and those the writer removed again (own edits, undo). */
  typed: Set<string>
  removed: Set<string>
  /** Text kept outside the file and the editor: drafts of refused typing and lost locks, closed windows' journals. */
  kept: string[]
  next: number
}

const TOKEN = /⟨\d+⟩/g
const tokensIn = (text: string) => new Set(text.match(TOKEN) ?? [])
const count = (text: string, t: string) => text.split(t).length - 1

/**
 * Runs a local command and records which of the writer's tokens it removed from the editor. A token
 * the command typed counts as typed only if the keystroke was taken (the gate may refuse it whole).
 */
function local(w: World, act: () => void, token?: string): void {
  const before = tokensIn(w.win.text)
  act()
  const after = tokensIn(w.win.text)
  if (token && after.has(token)) w.typed.add(token)
  for (const t of before) if (!after.has(t)) w.removed.add(t)
  for (const t of after) w.removed.delete(t)
}

/** Picks the section at `i` (modulo) and a position inside it by `f` (0..1). */
function spot(w: World, i: number, f: number): { id: string; from: number; to: number; pos: number } {
  const all = sectionLocks(w.win.state)
  const s = all[i % all.length]
  return { id: s.id, from: s.from, to: s.to, pos: s.from + Math.floor(f * (s.to - s.from)) }
}

type Cmd = fc.AsyncCommand<object, World>

class Type implements Cmd {
  constructor(
    readonly i: number,
    readonly f: number
  ) {}
  check = () => true
  async run(_: object, w: World) {
    const token = `⟨${w.next++}⟩`
    const { pos } = spot(w, this.i, this.f)
    local(w, () => w.win.type(pos, token), token)
  }
  toString = () => `type(${this.i}, ${this.f.toFixed(2)})`
}

class EnterAtEdge implements Cmd {
  constructor(
    readonly i: number,
    readonly atStart: boolean
  ) {}
  check = () => true
  async run(_: object, w: World) {
    const s = spot(w, this.i, 0)
    const pos = this.atStart ? s.from : Math.max(s.from, s.to - 1)
    local(w, () => w.win.type(pos, '\n'))
  }
  toString = () => `enter(${this.i}, ${this.atStart ? 'start' : 'end'})`
}

class NewHeading implements Cmd {
  constructor(
    readonly i: number,
    readonly f: number
  ) {}
  check = () => true
  async run(_: object, w: World) {
    const token = `⟨${w.next++}⟩`
    const { pos } = spot(w, this.i, this.f)
    const line = w.win.state.doc.lineAt(pos)
    local(w, () => w.win.type(line.to, `\n\n## New ${token}\n\ntext`), token)
  }
  toString = () => `newHeading(${this.i})`
}

class DeleteHeading implements Cmd {
  constructor(readonly i: number) {}
  check = () => true
  async run(_: object, w: World) {
    const s = spot(w, this.i, 0)
    if (s.from === 0 || s.to === s.from) return
    const line = w.win.state.doc.lineAt(s.from)
    local(w, () =>
      w.win.edit({ changes: { from: line.from, to: Math.min(line.to + 1, w.win.state.doc.length) } })
    )
  }
  toString = () => `deleteHeading(${this.i})`
}

class PasteAcross implements Cmd {
  constructor(readonly i: number) {}
  check = () => true
  async run(_: object, w: World) {
    const all = sectionLocks(w.win.state)
    const k = 1 + (this.i % Math.max(1, all.length - 1))
    if (k >= all.length) return
    const from = Math.max(0, all[k].from - 2)
    const to = Math.min(w.win.state.doc.length, all[k].from + 3)
    const token = `⟨${w.next++}⟩`
    local(w, () => w.win.edit({ changes: { from, to, insert: `${token}\n` } }), token)
  }
  toString = () => `pasteAcross(${this.i})`
}

class Undo implements Cmd {
  check = () => true
  async run(_: object, w: World) {
    local(w, () => w.win.undo())
  }
  toString = () => 'undo'
}

class Redo implements Cmd {
  check = () => true
  async run(_: object, w: World) {
    local(w, () => w.win.redo())
  }
  toString = () => 'redo'
}

class Save implements Cmd {
  check = () => true
  async run(_: object, w: World) {
    await w.win.until(w.win.session.save())
  }
  toString = () => 'save'
}

class Done implements Cmd {
  check = () => true
  async run(_: object, w: World) {
    await w.win.until(w.win.session.done())
  }
  toString = () => 'done'
}

class Wait implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true
  async run(_: object, w: World) {
    w.clock.advance(this.ms)
    await w.server.settle()
  }
  toString = () => `wait(${this.ms})`
}

class AnnTakes implements Cmd {
  constructor(readonly i: number) {}
  check = () => true
  async run(_: object, w: World) {
    const ids = w.server.sections.map((s) => s.id)
    w.server.annTakes(ids[this.i % ids.length])
  }
  toString = () => `annTakes(${this.i})`
}

class AnnSavesAndReleases implements Cmd {
  constructor(readonly n: number) {}
  check = () => true
  async run(_: object, w: World) {
    for (const [id, who] of w.server.locks) {
      if (who !== 'ann') continue
      const s = w.server.sections.find((x) => x.id === id)
      const body = id === 'preamble' ? s?.text : s?.text.split('\n').slice(1).join('\n')
      if (s) w.server.annSaves(id, `${body}ann ${this.n}\n`)
      w.server.annReleases(id)
      break
    }
  }
  toString = () => `annSavesAndReleases(${this.n})`
}

class ExternalAppend implements Cmd {
  constructor(readonly i: number) {}
  check = () => true
  async run(_: object, w: World) {
    const s = w.server.sections[this.i % w.server.sections.length]
    if (s.id === 'preamble') return
    w.server.externalEdit(s.id, `${s.text.split('\n').slice(1).join('\n')}outside\n`)
  }
  toString = () => `externalAppend(${this.i})`
}

class Takeover implements Cmd {
  constructor(readonly i: number) {}
  check = () => true
  async run(_: object, w: World) {
    const mine = [...w.server.locks].filter(([, who]) => who === 'me').map(([id]) => id)
    if (mine.length === 0) return
    const id = mine[this.i % mine.length]
    w.server.takeover(id)
    w.win.session.lose(id, 'it was taken over after your instance stopped answering')
  }
  toString = () => `takeover(${this.i})`
}

class Reconnect implements Cmd {
  check = () => true
  async run(_: object, w: World) {
    w.server.connected = false
    w.win.session.setConnected(false)
    await w.server.settle()
    w.server.connected = true
    // A new connection is a new window to the services: the old one's locks were released.
    for (const [id, who] of [...w.server.locks]) if (who === 'me') w.server.locks.delete(id)
    w.win.session.setConnected(true)
  }
  toString = () => 'reconnect'
}

class CloseAndReopen implements Cmd {
  check = () => true
  async run(_: object, w: World) {
    await w.win.until(w.win.session.flush())
    w.win.session.destroy()
    // What the closed window left: drafts it showed, and its journal (offered by the next window).
    for (const n of w.server.notices) if (n.draft) w.kept.push(n.draft.text)
    for (const e of w.server.journalStore.values()) if (e.text) w.kept.push(e.text)
    w.server.notices.length = 0
    for (const [id, who] of [...w.server.locks]) if (who === 'me') w.server.locks.delete(id)
    w.win = new Window(w.server, w.clock)
  }
  toString = () => 'closeAndReopen'
}

/** What the runs exercised, summed (so a test that stopped exercising anything fails). */
const stats = { typed: 0, inFile: 0, kept: 0, conflicts: 0, merged: 0, split: 0 }

async function check(w: World): Promise<void> {
  await w.win.quiesce()
  const state = w.win.state
  const server = w.server.snapshotNow()
  const serverText = w.server.text
  // Others' sections show the server's text, in the server's order.
  const mine = sectionLocks(state)
    .filter((s) => isMine(s))
    .map((s) => s.id)
  const notMine = sectionLocks(state).filter((s) => !isMine(s))
  for (const s of notMine) {
    const there = w.server.sections.find((x) => x.id === s.id)
    expect(there, `section ${s.id} is not on the server`).toBeDefined()
    expect(state.sliceDoc(s.from, s.to), `text of ${s.id}`).toBe(there?.text)
  }
  const serverOrder = server.sections.map((s) => s.id).filter((id) => notMine.some((s) => s.id === id))
  expect(notMine.map((s) => s.id)).toEqual(serverOrder)
  // Every token is somewhere, and never twice in the file or the editor.
  const editorText = state.doc.toString()
  const heldText = sectionLocks(state)
    .filter((s) => mine.includes(s.id))
    .map((s) => state.sliceDoc(s.from, s.to))
    .join('')
  const kept = [
    ...w.kept,
    ...w.server.notices.flatMap((n) => (n.draft ? [n.draft.text] : [])),
    ...[...w.server.journalStore.values()].map((e) => e.text ?? ''),
    ...w.server.conflicts.map((c) => c.mine)
  ].join('\n')
  for (const t of w.typed) {
    expect(count(serverText, t), `${t} twice in the file`).toBeLessThanOrEqual(1)
    expect(count(editorText, t), `${t} twice in the editor`).toBeLessThanOrEqual(1)
    if (w.removed.has(t)) continue
    const found = serverText.includes(t) || heldText.includes(t) || kept.includes(t)
    expect(found, `${t} was lost`).toBe(true)
  }
  // The outline is the sections of the editor's text.
  const outline = outlineOf(state).filter((o) => o.level > 0)
  const parsed = parseHeadings(editorText, true)
  expect(outline.map((o) => o.heading)).toEqual(parsed.map((h) => h.heading))
}

describe('section session (model-based)', () => {
  it(`keeps every invariant over ${RUNS} random interleavings`, async () => {
    const idx = fc.nat(8)
    const commands = [
      fc.tuple(idx, fc.double({ min: 0, max: 0.999, noNaN: true })).map(([i, f]) => new Type(i, f)),
      fc.tuple(idx, fc.boolean()).map(([i, s]) => new EnterAtEdge(i, s)),
      fc.tuple(idx, fc.double({ min: 0, max: 0.999, noNaN: true })).map(([i, f]) => new NewHeading(i, f)),
      idx.map((i) => new DeleteHeading(i)),
      idx.map((i) => new PasteAcross(i)),
      fc.constant(new Undo()),
      fc.constant(new Redo()),
      fc.constant(new Save()),
      fc.constant(new Done()),
      fc.constantFrom(100, 2_000).map((ms) => new Wait(ms)),
      idx.map((i) => new AnnTakes(i)),
      fc.nat(99).map((n) => new AnnSavesAndReleases(n)),
      idx.map((i) => new ExternalAppend(i)),
      idx.map((i) => new Takeover(i)),
      fc.constant(new Reconnect()),
      fc.constant(new CloseAndReopen())
    ]
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
        const server = new FakeServer(START)
        const clock = new ManualClock()
        const world: World = {
          server,
          clock,
          win: new Window(server, clock),
          typed: new Set(),
          removed: new Set(),
          kept: [],
          next: 1
        }
        const checked = [...cmds].map((c) => ({
          check: () => true,
          run: async (m: object, w: World) => {
            await c.run(m, w)
            await check(w)
          },
          toString: () => c.toString()
        }))
        await fc.asyncModelRun(() => ({ model: {}, real: world }), checked)
        world.win.session.destroy()
        const text = world.server.text
        stats.typed += world.typed.size
        stats.inFile += [...world.typed].filter((t) => text.includes(t)).length
        stats.kept += world.server.notices.filter((n) => n.draft).length + world.kept.length
        stats.conflicts += world.server.conflicts.length
        stats.split += world.server.sections.filter((x) => x.text.startsWith('## New')).length
        stats.merged += 5 - world.server.sections.length > 0 ? 1 : 0
      }),
      {
        numRuns: RUNS,
        // Replays the runs of a seed fast-check printed (SESSION_MODEL_SEED=…, with as many runs)
        ...(process.env.SESSION_MODEL_SEED ? { seed: Number(process.env.SESSION_MODEL_SEED) } : {})
      }
    )
    console.log(`session model: ${RUNS} runs`, stats)
    expect(stats.inFile).toBeGreaterThan(0)
    expect(stats.kept).toBeGreaterThan(0)
    expect(stats.split).toBeGreaterThan(0)
    expect(stats.merged).toBeGreaterThan(0)
  }, 600_000)
})
