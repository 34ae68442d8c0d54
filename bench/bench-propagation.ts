/**
 * Benchmark 4 (services): instance A (a separate process) takes a lock or saves; how long until
 * instance B notices — through B's dispatcher events (what windows receive) and, side by side,
 * through a WorkspaceWatcher of B's own — in native and in polling mode. The anchor is a raw
 * `fs.watch` on the same folder: the earliest moment the kernel tells anyone.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { events as contractEvents } from '../shared/contract'
import { createDispatcher, type OwnedDispatcher } from '../electron/services/api/dispatcher'
import type { ContractEvent } from '../electron/services/api/dispatcher-types'
import { openWorkspace, type AppServices } from '../electron/services/app-services'
import { SystemClock } from '../electron/services/core/clock'
import { OwnWriteRegistry } from '../electron/services/watch/own-writes'
import type { WatchModeOverride } from '../electron/services/watch/watch-mode'
import {
  WorkspaceWatcher,
  type DocumentChangedEvent,
  type LocksChangedEvent
} from '../electron/services/watch/workspace-watcher'
import { ActorClient, type ActorReply } from './actor-client'
import { withTempDir, type Benchmark, type BenchContext } from './context'
import { sectionedDoc } from './docs'
import { firstEvent, firstRawEvent } from './observe'
import { below, row, type ResultRow } from './results'
import { summarize } from './stats'
import { sleep } from './timing'

const DOC = 'doc.md'
const SECTION = 'section-3'
const EVENT_TIMEOUT_MS = 5_000
/** SPEC W2: below 250 ms on a local disk; within one poll interval on a network drive. */
const NATIVE_TARGET_MS = 250
const POLL_INTERVAL_MS = 500

type Mode = Exclude<WatchModeOverride, 'auto'>
type Observer = 'dispatcher' | 'watcher' | 'raw'
/** When each observer saw the change (ms after A started the operation; null: not within the timeout), and how long A's operation took. */
type Seen = Record<Observer, number | null> & { opMs: number }

/** Instance B: services and dispatcher as the app runs them, plus a watcher of our own. */
interface InstanceB {
  services: AppServices
  dispatcher: OwnedDispatcher
  watcher: WorkspaceWatcher
  lockDir: string
  root: string
}

async function openB(dir: string, mode: Mode): Promise<InstanceB> {
  const services = await openWorkspace({
    folder: dir,
    user: 'bob',
    lockSettings: { idleTimeoutMs: 0 },
    watch: { mode, pollIntervalMs: POLL_INTERVAL_MS }
  })
  const dispatcher = createDispatcher(services)
  await dispatcher.call('documents:open', { document: DOC }, { clientId: 'bench' })
  const clock = new SystemClock()
  const watcher = new WorkspaceWatcher({
    workspace: services.workspace,
    clock,
    ownWrites: new OwnWriteRegistry(clock),
    mode,
    pollIntervalMs: POLL_INTERVAL_MS
  })
  await watcher.start()
  const lockDir = services.workspace.sectionLockDir(DOC, SECTION)
  return { services, dispatcher, watcher, lockDir, root: services.workspace.root }
}

async function closeB(b: InstanceB): Promise<void> {
  await b.watcher.dispose()
  await b.dispatcher.dispose()
  await b.services.dispose()
}

/** True when a contract event says SECTION is held (or, with `held` false, that it is free). */
function locksEvent(e: ContractEvent, held: boolean): boolean {
  if (e.name !== 'locks:changed') return false
  const parsed = contractEvents['locks:changed'].safeParse(e.payload)
  return parsed.success && parsed.data.locks.some((l) => l.sectionId === SECTION) === held
}

function savedEvent(e: ContractEvent): boolean {
  if (e.name !== 'document:changed') return false
  const parsed = contractEvents['document:changed'].safeParse(e.payload)
  return parsed.success && parsed.data.document === DOC && parsed.data.external
}

async function settle(seen: Record<Observer, Promise<number | null>>, a: ActorReply): Promise<Seen> {
  const since = async (p: Promise<number | null>) => {
    const at = await p
    return at === null ? null : at - a.startedAt
  }
  return {
    dispatcher: await since(seen.dispatcher),
    watcher: await since(seen.watcher),
    raw: await since(seen.raw),
    opMs: a.doneAt - a.startedAt
  }
}

async function lockSample(b: InstanceB, a: ActorClient): Promise<Seen> {
  const seen = {
    dispatcher: firstEvent<ContractEvent>(
      (l) => b.dispatcher.onEvent(l),
      (e) => locksEvent(e, true),
      EVENT_TIMEOUT_MS
    ),
    watcher: firstEvent<LocksChangedEvent>(
      (l) => b.watcher.events.on('locks-changed', l),
      (e) => e.sectionId === SECTION && e.state === 'held',
      EVENT_TIMEOUT_MS
    ),
    raw: firstRawEvent(b.lockDir, (name) => /^g\d+$/.test(name), EVENT_TIMEOUT_MS)
  }
  return settle(seen, await a.lock(DOC, SECTION))
}

async function saveSample(b: InstanceB, a: ActorClient, n: number): Promise<Seen> {
  const seen = {
    dispatcher: firstEvent<ContractEvent>((l) => b.dispatcher.onEvent(l), savedEvent, EVENT_TIMEOUT_MS),
    watcher: firstEvent<DocumentChangedEvent>(
      (l) => b.watcher.events.on('document-changed', l),
      (e) => e.document === DOC && e.external,
      EVENT_TIMEOUT_MS
    ),
    raw: firstRawEvent(b.root, (name) => name === DOC, EVENT_TIMEOUT_MS)
  }
  return settle(seen, await a.save(DOC, SECTION, n))
}

/** Releases and waits until B has seen the release, so the next sample starts from a free section. */
async function releaseAndSettle(b: InstanceB, a: ActorClient): Promise<void> {
  const released = firstEvent<ContractEvent>(
    (l) => b.dispatcher.onEvent(l),
    (e) => locksEvent(e, false),
    EVENT_TIMEOUT_MS
  )
  await a.release(DOC, SECTION)
  await released
}

function rows(mode: Mode, kind: string, samples: Seen[]): ResultRow[] {
  const pick = (k: Observer) => samples.flatMap((s) => (s[k] === null ? [] : [s[k]]))
  const missed = (k: Observer) => samples.filter((s) => s[k] === null).length
  const opMs = summarize(samples.map((s) => s.opMs))?.median ?? NaN
  const limit = mode === 'native' ? NATIVE_TARGET_MS : POLL_INTERVAL_MS
  const anchors = { 'raw fs.watch event (kernel floor)': pick('raw') }
  const where = mode === 'native' ? 'native' : `polling ${POLL_INTERVAL_MS} ms`
  return [
    row('4', `${kind} → B's dispatcher event (${where})`, pick('dispatcher'), {
      anchors,
      extra: { missed: missed('dispatcher'), "A's operation median ms": opMs },
      targets: [below('p95', limit, pick('dispatcher'))]
    }),
    row('4', `${kind} → B's WorkspaceWatcher event (${where})`, pick('watcher'), {
      anchors,
      extra: { missed: missed('watcher') }
    })
  ]
}

async function measureMode(ctx: BenchContext, dir: string, a: ActorClient, mode: Mode): Promise<ResultRow[]> {
  const n = ctx.quick ? 4 : mode === 'native' ? 30 : 15
  ctx.log(`propagation: ${n} lock and save samples, ${mode} mode`)
  const b = await openB(dir, mode)
  const locks: Seen[] = []
  const saves: Seen[] = []
  try {
    // A random pause before each sample spreads them over the poll cycle instead of locking onto
    // the phase of the tick that reported the previous one.
    const pause = () => sleep(Math.random() * (mode === 'polling' ? POLL_INTERVAL_MS : 50))
    for (let i = 0; i < n; i++) {
      await pause()
      locks.push(await lockSample(b, a))
      await pause()
      saves.push(await saveSample(b, a, i))
      await releaseAndSettle(b, a)
    }
  } finally {
    await closeB(b)
  }
  return [...rows(mode, 'A takes a lock', locks), ...rows(mode, 'A saves a section', saves)]
}

/** Benchmark 4 (services), `--only propagation`. */
export const propagationBenchmark: Benchmark = {
  number: '4',
  id: 'propagation',
  title: 'propagation from instance A to instance B (services, native and polling)',
  run: (ctx) =>
    withTempDir('propagation', async (dir) => {
      await fs.writeFile(path.join(dir, DOC), sectionedDoc(20, 2))
      const a = await ActorClient.start(dir, 'ann')
      try {
        // One round first, so the section's lock folder exists for the raw anchor to watch.
        await a.lock(DOC, SECTION)
        await a.release(DOC, SECTION)
        return [...(await measureMode(ctx, dir, a, 'native')), ...(await measureMode(ctx, dir, a, 'polling'))]
      } finally {
        await a.stop()
      }
    })
}
