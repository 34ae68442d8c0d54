/**
 * Issue 11's fault campaign, as a suite: a real CLI `edit` (lock claim, save, history, release)
 * runs under strace, which kills it (SIGKILL) before the Nth call of one system call on the
 * workspace, or makes that call fail (EIO, ENOSPC, EACCES, EROFS). After every trial:
 *
 * - the document is exactly the old text or exactly the new one;
 * - "saved" (exit 0) ⇔ the new text; a refused save (exit ≠ 0) left the old text;
 * - after `verify --repair`, history has the new version exactly when the document has the new text
 *   (an acknowledged save always; a killed save that landed is completed from its intent);
 * - no lock blocks the next edit beyond the documented grace: a plain `edit` right after succeeds;
 * - `verify` passes after `--repair`.
 *
 * The points are found from a traced clean run (every call of each system call that touches the
 * workspace). `FAULT_TRIALS=all` runs every point of every fault (300+ trials, several minutes);
 * `npm test` runs a fixed spread of them. Skipped, saying why, where strace cannot trace.
 */
import { spawn, spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, start } from '../../test/harness/test-processes'

const STRACE = spawnSync('strace', ['-V']).status === 0
const canTrace =
  STRACE && spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=none', 'true']).status === 0
const ALL = process.env.FAULT_TRIALS === 'all'

const OLD = '# Title\n\nintro\n\n## Alpha\n\nalpha text\n\n## Beta\n\nbeta text\n'
const NEW_ALPHA = '## Alpha\n\nalpha, new words\n\n'
const NEXT_ALPHA = '## Alpha\n\nalpha, the edit after\n\n'
const NEW = OLD.replace('## Alpha\n\nalpha text\n\n', NEW_ALPHA)
const NEXT = OLD.replace('## Alpha\n\nalpha text\n\n', NEXT_ALPHA)

/** System calls the save path makes on the share. */
const CALLS = ['openat', 'mkdir', 'rename', 'unlink', 'rmdir', 'pwrite64', 'fsync'] as const
type Call = (typeof CALLS)[number]
type Fault = 'signal=SIGKILL' | 'error=EIO' | 'error=ENOSPC' | 'error=EACCES' | 'error=EROFS'
/** Which calls each error is injected into (an error a call cannot give is not tried there). */
const FAULTS: Record<Fault, readonly Call[]> = {
  'signal=SIGKILL': CALLS,
  'error=EIO': CALLS,
  'error=ENOSPC': ['openat', 'mkdir', 'rename', 'pwrite64', 'fsync'],
  'error=EACCES': ['openat', 'mkdir', 'rename', 'unlink', 'rmdir'],
  'error=EROFS': ['openat', 'mkdir', 'rename', 'unlink', 'rmdir']
}

let base: string
/** This suite's own copy of the bundled CLI: another vitest run may rebuild out/node/ meanwhile. */
let cliBin: string
let template: string
let textFile: string
let nextFile: string
/**
 * For each call, the N whose Nth call (counted per thread, as strace counts) touches the workspace
 * in every thread that makes an Nth one — so an injection at N always hits the share.
 */
let points: Record<Call, number[]>

interface Trial {
  fault: Fault
  call: Call
  n: number
}

interface Outcome {
  trial: Trial
  code: number | null
  signal: string | null
  stderr: string
  doc: 'old' | 'new' | 'other'
}

function env(): NodeJS.ProcessEnv {
  // One libuv worker: strace counts calls per thread, so the Nth call is the same call every run.
  return { ...process.env, UV_THREADPOOL_SIZE: '1', SECTIONED_DEBUG: '' }
}

function traced(
  args: string[],
  straceArgs: string[]
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('strace', [...straceArgs, process.execPath, cliBin, ...args], {
      env: env(),
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code, signal) => {
      // strace exits with the tracee's status; a tracee killed by a signal shows as 128+n or the signal.
      const killed = signal ?? (code === 137 || /\+\+\+ killed by SIGKILL/.test(stderr) ? 'SIGKILL' : null)
      resolve({ code: killed ? null : code, signal: killed, stderr })
    })
  })
}

async function freshCopy(name: string): Promise<string> {
  const dir = path.join(base, name)
  await fs.cp(template, dir, { recursive: true })
  return dir
}

/** Runs this suite's copy of the CLI to completion. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return start(cliBin, args).done
}

function editArgs(ws: string, file: string): string[] {
  return ['edit', path.join(ws, 'doc.md'), 'alpha', '--text-file', file, '--user', 'ann']
}

async function runTrial(trial: Trial, index: number): Promise<Outcome> {
  const ws = await freshCopy(`t${index}`)
  const r = await traced(editArgs(ws, textFile), [
    '-f',
    '-o',
    '/dev/null',
    '-e',
    `trace=${trial.call}`,
    '-e',
    `inject=${trial.call}:${trial.fault}:when=${trial.n}`
  ])
  const text = await fs.readFile(path.join(ws, 'doc.md'), 'utf8')
  return { trial, ...r, doc: text === OLD ? 'old' : text === NEW ? 'new' : 'other' }
}

/** What is wrong after one trial (empty when every promise held). */
async function judge(o: Outcome, index: number): Promise<string[]> {
  const ws = path.join(base, `t${index}`)
  const what = `${o.trial.fault} at ${o.trial.call} #${o.trial.n}`
  const problems: string[] = []
  if (o.doc === 'other') problems.push(`${what}: the document is neither the old nor the new text`)
  if (o.code === 0 && o.doc !== 'new') problems.push(`${what}: reported saved, but the file has the old text`)
  if (o.code !== 0 && o.code !== null && o.doc === 'new')
    problems.push(
      `${what}: reported failed (exit ${o.code}: ${o.stderr.trim().split('\n')[0]}), but the save landed`
    )
  const repair = await cli(['verify', ws, '--repair'])
  if (repair.code !== 0)
    problems.push(`${what}: verify --repair exit ${repair.code}: ${repair.stdout}${repair.stderr}`)
  const history = await cli(['history', path.join(ws, 'doc.md'), 'alpha', '--json'])
  if (history.code !== 0) {
    problems.push(`${what}: history exit ${history.code}: ${history.stderr}`)
  } else {
    const versions = (JSON.parse(history.stdout) as { versions: { content: string }[] }).versions
    const saved = versions.filter((v) => v.content === NEW_ALPHA).length
    if (saved !== (o.doc === 'new' ? 1 : 0))
      problems.push(
        `${what}: history has ${saved} versions of the new text, the document has the ${o.doc} text`
      )
  }
  const t0 = performance.now()
  const next = await cli(editArgs(ws, nextFile))
  const took = performance.now() - t0
  if (next.code !== 0)
    problems.push(`${what}: the next edit failed (exit ${next.code}): ${next.stderr.trim()}`)
  else if ((await fs.readFile(path.join(ws, 'doc.md'), 'utf8')) !== NEXT)
    problems.push(`${what}: the next edit reported saved, but the file does not hold it`)
  if (process.env.FAULT_ONLY) console.log(`${what}: the next edit took ${Math.round(took)} ms`)
  if (took > 6_000) problems.push(`${what}: the next edit took ${Math.round(took)} ms (grace is 2 s)`)
  const verify = await cli(['verify', ws])
  // A claim folder or temp file the killed edit left is younger than its grace when the repair runs
  // right after, and the repair leaves it (it may be work in progress) — saying so. On a loaded
  // machine the next edit can take long enough for it to pass its grace by this verify: those files,
  // and only those, may be reported here.
  const leftYoung = new Set(
    [...repair.stdout.matchAll(/^verify: (.+?): .* — left: it may be work in progress/gm)].map((m) => m[1])
  )
  const reported = [...verify.stderr.matchAll(/^verify: (\/.+?): /gm)].map((m) => m[1])
  const onlyYoung = reported.length > 0 && reported.every((f) => leftYoung.has(f))
  if (verify.code !== 0 && !onlyYoung)
    problems.push(`${what}: verify after repair exit ${verify.code}: ${verify.stdout}${verify.stderr}`)
  await fs.rm(ws, { recursive: true, force: true })
  return problems
}

/** The one problem a trial is tried again for (see the test). */
const SLOW = /: the next edit took \d+ ms/

function plan(): Trial[] {
  const trials: Trial[] = []
  for (const [fault, calls] of Object.entries(FAULTS) as [Fault, readonly Call[]][])
    for (const call of calls) for (const n of points[call]) trials.push({ fault, call, n })
  // FAULT_ONLY=fault:call:n[,…] (e.g. signal=SIGKILL:mkdir:13) runs just those trials, to look at one.
  const only = (process.env.FAULT_ONLY ?? '').split(',').filter(Boolean)
  if (only.length) return trials.filter((t) => only.includes(`${t.fault}:${t.call}:${t.n}`))
  if (ALL) return trials
  // npm test: every kill point at a rename or an fsync (the calls that decide outcomes) and every
  // tenth of the rest — about 60 trials, a minute and a half on two cores.
  return trials.filter(
    (t, i) => (t.fault === 'signal=SIGKILL' && ['rename', 'fsync'].includes(t.call)) || i % 10 === 0
  )
}

beforeAll(async () => {
  if (!canTrace) return
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-faults-'))
  cliBin = path.join(base, 'cli.cjs')
  await fs.copyFile(CLI, cliBin)
  template = path.join(base, 'template')
  await fs.mkdir(template)
  await fs.writeFile(path.join(template, 'doc.md'), OLD)
  textFile = path.join(base, 'new.md')
  nextFile = path.join(base, 'next.md')
  await fs.writeFile(textFile, NEW_ALPHA)
  await fs.writeFile(nextFile, NEXT_ALPHA)
  // The workspace as a writer leaves it: index, a baseline version, released locks.
  const warm = path.join(base, 'warm.md')
  await fs.writeFile(warm, '## Alpha\n\nalpha text\n\n')
  const first = await cli(editArgs(template, warm))
  if (first.code !== 0) throw new Error(`setting up: ${first.stderr}`)
  // Count each call on the workspace in a clean traced run.
  const probe = await freshCopy('probe')
  const log = path.join(base, 'probe.trace')
  const clean = await traced(editArgs(probe, textFile), [
    '-f',
    '-y',
    '-o',
    log,
    '-e',
    `trace=${CALLS.join(',')}`
  ])
  if (clean.code !== 0) throw new Error(`clean traced run failed: ${clean.stderr}`)
  // Per thread and call: whether its 1st, 2nd, … call touched the workspace (-y names fds' paths).
  const seen = new Map<string, boolean[]>()
  for (const line of (await fs.readFile(log, 'utf8')).split('\n')) {
    const m = /^(\d+)\s+(\w+)\(/.exec(line)
    if (!m || !(CALLS as readonly string[]).includes(m[2])) continue
    const key = `${m[1]}:${m[2]}`
    seen.set(key, [...(seen.get(key) ?? []), line.includes(probe)])
  }
  points = Object.fromEntries(
    CALLS.map((call) => {
      const threads = [...seen].filter(([k]) => k.endsWith(`:${call}`)).map(([, v]) => v)
      const most = Math.max(0, ...threads.map((t) => t.length))
      const ok: number[] = []
      for (let n = 1; n <= most; n++) {
        const nth = threads.filter((t) => t.length >= n).map((t) => t[n - 1])
        if (nth.length > 0 && nth.every(Boolean)) ok.push(n)
      }
      return [call, ok]
    })
  ) as Record<Call, number[]>
  await fs.rm(probe, { recursive: true, force: true })
}, 60_000)

afterAll(async () => {
  if (base) await fs.rm(base, { recursive: true, force: true })
})

describe('faults at every system call of an edit (strace)', () => {
  if (!canTrace) {
    it.skip(`skipped: strace is ${STRACE ? 'installed but cannot trace here (ptrace not permitted)' : 'not installed'}`, () => {})
    return
  }
  it('the document is exactly old or new, saved ⇔ new, history has exactly the saved versions, nothing blocks the next edit', async () => {
    const trials = plan()
    const problems: string[] = []
    const retried: string[] = []
    const outcomes: Outcome[] = []
    // Two at a time: this machine has two cores.
    for (let i = 0; i < trials.length; i += 2) {
      const batch = trials.slice(i, i + 2)
      const done = await Promise.all(batch.map((t, k) => runTrial(t, i + k)))
      outcomes.push(...done)
      const judged = await Promise.all(done.map((o, k) => judge(o, i + k)))
      for (const [k, found] of judged.entries()) {
        // Only a slow next edit is tried again, once, measured afresh: on two cores running the SMB
        // and sshfs suites beside this one, one next edit took 7.5 s (alone: 0.3–0.6 s, 21 runs of
        // the same points). A wrong document, history or exit is never tried again.
        if (found.length === 0 || !found.every((p) => SLOW.test(p))) {
          problems.push(...found)
          continue
        }
        const again = await judge(await runTrial(batch[k], trials.length + i + k), trials.length + i + k)
        retried.push(`${found.join('; ')} — again: ${again.length === 0 ? 'fine' : again.join('; ')}`)
        problems.push(...again)
      }
    }
    const tally = (f: (o: Outcome) => boolean): number => outcomes.filter(f).length
    console.log(
      `fault trials: ${outcomes.length} (points per call: ${JSON.stringify(Object.fromEntries(CALLS.map((c) => [c, points[c].length])))}); ` +
        `saved ${tally((o) => o.code === 0)}, refused ${tally((o) => o.code !== 0 && o.code !== null)}, ` +
        `killed ${tally((o) => o.signal !== null)} (landed ${tally((o) => o.signal !== null && o.doc === 'new')}); ` +
        `problems ${problems.length}` +
        (retried.length ? `; slow next edits tried again: ${retried.join(' | ')}` : '')
    )
    expect(problems).toEqual([])
    if (!process.env.FAULT_ONLY) expect(outcomes.length).toBeGreaterThan(ALL ? 300 : 50)
  }, 1_800_000)
})
