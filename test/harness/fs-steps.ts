/**
 * Counts the file-system steps *in a row* an operation takes, whatever the machine's load: while
 * counting, every `fs.promises` call and FileHandle method waits for a round, and a round starts
 * only once every call of the round before has answered (and what it set going has run). Calls made
 * side by side share a round; a call made after another answered takes the next. Rounds per
 * operation = the length of its chain of file-system round trips — on a busy machine or a network
 * mount, what its time is made of.
 */
import { promises as fsp } from 'node:fs'

type AnyFn = (...args: unknown[]) => Promise<unknown>

let counting = false
let pending: (() => void)[] = []
let inflight = 0
let scheduled = false
let rounds = 0
let installed = false

function maybeNextRound(): void {
  if (scheduled || inflight > 0 || pending.length === 0) return
  scheduled = true
  // Two turns of the event loop and a moment more: what the last answers set going (microtasks,
  // immediates, a hash or a timer of their own) joins this round, also on a loaded machine.
  setImmediate(() =>
    setTimeout(() => {
      scheduled = false
      if (inflight > 0 || pending.length === 0) return
      const go = pending
      pending = []
      rounds++
      for (const g of go) g()
    }, 3)
  )
}

function held(fn: AnyFn): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    if (!counting) return fn.apply(this, args)
    return new Promise((resolve, reject) => {
      pending.push(() => {
        inflight++
        fn.apply(this, args)
          .then(resolve, reject)
          .finally(() => {
            inflight--
            maybeNextRound()
          })
      })
      maybeNextRound()
    })
  }
}

/** Wraps fs.promises and FileHandle methods once (they pass straight through while not counting). */
async function install(): Promise<void> {
  if (installed) return
  installed = true
  const table = fsp as unknown as Record<string, unknown>
  for (const key of Object.keys(table)) {
    const f = table[key]
    if (typeof f === 'function') table[key] = held((f as AnyFn).bind(fsp))
  }
  const handle = await fsp.open(process.execPath, 'r')
  const proto = Object.getPrototypeOf(handle) as Record<string, unknown>
  for (const key of ['read', 'write', 'writev', 'readv', 'sync', 'datasync', 'stat', 'truncate', 'close']) {
    const f = proto[key]
    if (typeof f === 'function') proto[key] = held(f as AnyFn)
  }
  await handle.close()
}

/**
 * Runs `op` `times` times in a row, counting; returns the fewest steps in a row of any run. A round
 * can split on a loaded machine (an answer's follow-up, e.g. work in libuv's thread pool, outlasting
 * the wait above): that only ever adds rounds to a run — CI at load 21 counted a 29-step save as
 * 30.1 on average, and at load 25–30 the median run was 31.5 — so the fewest is the operation's
 * chain, and a change that adds a step to every run still shows.
 */
export async function stepsInARow(op: () => Promise<unknown>, times = 10): Promise<number> {
  await install()
  let fewest = Infinity
  try {
    for (let i = 0; i < times; i++) {
      const before = rounds
      counting = true
      await op()
      counting = false
      fewest = Math.min(fewest, rounds - before)
    }
  } finally {
    counting = false
  }
  return fewest
}
