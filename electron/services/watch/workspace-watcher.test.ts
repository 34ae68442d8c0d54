import { createHash } from 'node:crypto'
import { promises as fs, type Stats } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { watch } from 'chokidar'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { LockRecord } from '../../../shared/types'
import { writeFileAtomic } from '../core/share-fs'
import { SystemClock } from '../core/clock'
import { Workspace } from '../core/workspace'
import { genName, RECORD_FILE } from '../locks/lock-dir'
import { encodeLockRecord } from '../locks/lock-record'
import { LockService } from '../locks/lock-service'
import { OwnWriteRegistry } from './own-writes'
import type { WatchModeOverride } from './watch-mode'
import { WorkspaceWatcher, type WatcherFactory, type WorkspaceWatcherEvents } from './workspace-watcher'

type Name = keyof WorkspaceWatcherEvents
interface Seen {
  name: Name
  at: number
  payload: WorkspaceWatcherEvents[Name]
}

const clock = new SystemClock()
let root: string
let ws: Workspace
let own: OwnWriteRegistry
const toDispose: { dispose(): Promise<void> }[] = []

beforeEach(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-watch-')))
  ws = new Workspace(root)
  own = new OwnWriteRegistry(clock)
  await fs.mkdir(path.join(root, 'notes'))
})

afterEach(async () => {
  for (const d of toDispose.splice(0).reverse()) await d.dispose()
  await fs.rm(root, { recursive: true, force: true })
})

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Starts a watcher and records every event it emits, with the time it arrived. */
async function started(mode: WatchModeOverride, pollIntervalMs = 1000, createWatcher?: WatcherFactory) {
  const watcher = new WorkspaceWatcher({
    workspace: ws,
    clock,
    ownWrites: own,
    mode,
    pollIntervalMs,
    mount: { fsType: 'ext4', mountPoint: '/', network: false },
    createWatcher
  })
  toDispose.push(watcher)
  const seen: Seen[] = []
  for (const name of [
    'document-changed',
    'document-removed',
    'locks-changed',
    'presence-changed',
    'mode',
    'error'
  ] as const) {
    watcher.events.on(name, (payload) => seen.push({ name, at: performance.now(), payload }))
  }
  await watcher.start()
  /** Resolves with the first event after index `from` that matches, or rejects after `ms`. */
  const next = async (name: Name, from = 0, ms = 1000): Promise<Seen> => {
    const until = performance.now() + ms
    for (;;) {
      const hit = seen.slice(from).find((s) => s.name === name)
      if (hit) return hit
      if (performance.now() > until) throw new Error(`no ${name} within ${ms} ms: ${JSON.stringify(seen)}`)
      await sleep(5)
    }
  }
  return { watcher, seen, next }
}

function lockRecord(document: string, sectionId: string | null, generation: number): LockRecord {
  const now = new Date().toISOString()
  return {
    format: 1,
    kind: sectionId === null ? 'document' : 'section',
    document,
    sectionId,
    holder: { ownerId: 'ann@pc', user: 'Ann', host: 'studio-pc', hostId: 'h1', pid: 1, instanceId: 'i1' },
    operation: 'edit',
    acquiredAt: now,
    lastHeartbeat: now,
    heartbeatSeq: 0,
    heartbeatIntervalMs: 30_000,
    ttlMs: 90_000,
    token: `tok-${generation}`,
    generation
  }
}

/** What another instance does to take a section lock: mkdir the generation, write lock.json by temp + rename. */
async function takeLockLikeAnotherInstance(document: string, sectionId: string, generation: number) {
  const dir = path.join(ws.sectionLockDir(document, sectionId), genName(generation))
  await fs.mkdir(dir, { recursive: true })
  await writeFileAtomic(
    path.join(dir, RECORD_FILE),
    encodeLockRecord(lockRecord(document, sectionId, generation))
  )
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/**
 * Writes `count` different contents in place, as another editor would, and returns the ms from the
 * start of each write to its `document-changed`. Changes are spaced past the watcher's 75 ms re-check
 * (which would otherwise catch the next change early) with a random part, so a poll's phase is sampled evenly.
 */
async function measureLatency(
  w: Awaited<ReturnType<typeof started>>,
  count: number,
  gapMs: number,
  jitterMs: number
) {
  const file = path.join(root, 'notes', 'latency.md')
  const latencies: number[] = []
  for (let i = 0; i < count; i++) {
    const text = `# Latency\n\nchange ${i}\n`
    const from = w.seen.length
    const t0 = performance.now()
    await fs.writeFile(file, text)
    const hit = await w.next('document-changed', from, 3000)
    expect(hit.payload).toMatchObject({ document: 'notes/latency.md', sha256: sha(text) })
    latencies.push(hit.at - t0)
    await sleep(gapMs + Math.random() * jitterMs)
  }
  return latencies
}

describe('WorkspaceWatcher, native events', () => {
  it('reports presence records that appear, change and go, by instance id', async () => {
    await fs.mkdir(ws.presenceDir, { recursive: true })
    const w = await started('native')
    const file = path.join(ws.presenceDir, 'i-bob.json')
    let from = w.seen.length
    await writeFileAtomic(file, '{"seq":1}')
    expect((await w.next('presence-changed', from)).payload).toEqual({ instanceId: 'i-bob' })
    from = w.seen.length
    await writeFileAtomic(file, '{"seq":2}')
    expect((await w.next('presence-changed', from)).payload).toEqual({ instanceId: 'i-bob' })
    from = w.seen.length
    await fs.rm(file)
    expect((await w.next('presence-changed', from)).payload).toEqual({ instanceId: 'i-bob' })
  })

  it('reports an external write with its checksum, and tells it from our own', async () => {
    const w = await started('native')
    expect(w.seen[0]).toMatchObject({ name: 'mode', payload: { mode: 'native' } })

    const t0 = performance.now()
    await fs.writeFile(path.join(root, 'notes', 'a.md'), '# A\n\nfrom another editor\n')
    const ext = await w.next('document-changed')
    expect(ext.payload).toEqual({
      document: 'notes/a.md',
      sha256: sha('# A\n\nfrom another editor\n'),
      external: true
    })
    expect(ext.at - t0).toBeLessThan(1000)

    const mine = '# A\n\nsaved by this instance\n'
    own.note('notes/a.md', sha(mine))
    const from = w.seen.length
    await writeFileAtomic(path.join(root, 'notes', 'a.md'), mine)
    const ownHit = await w.next('document-changed', from)
    expect(ownHit.payload).toEqual({ document: 'notes/a.md', sha256: sha(mine), external: false })

    const beforeRm = w.seen.length
    await fs.rm(path.join(root, 'notes', 'a.md'))
    // Held back for the rename window (a document with its content appearing would make it a rename).
    expect((await w.next('document-removed', beforeRm, 3000)).payload).toEqual({ document: 'notes/a.md' })
    await sleep(200)
    expect(w.seen.filter((s) => s.name === 'document-removed')).toHaveLength(1)
    expect(w.seen.filter((s) => s.name === 'error')).toEqual([])
  })

  it('stays silent for history, index, audit, temp files, non-markdown and the write mutex', async () => {
    const w = await started('native')
    const docDir = ws.docDir('notes/a.md')
    await fs.mkdir(path.join(docDir, 'history', 'intro'), { recursive: true })
    await fs.writeFile(path.join(docDir, 'history', 'intro', 'v000000001.json'), '{}')
    await fs.writeFile(path.join(docDir, 'index.json'), '{}')
    await fs.mkdir(path.join(ws.auditDir), { recursive: true })
    await fs.writeFile(path.join(ws.auditDir, 'x.jsonl'), '{}\n')
    await fs.writeFile(path.join(root, 'notes', 'a.md.123456789'), 'temp of an atomic write')
    await fs.writeFile(path.join(root, 'notes', 'todo.txt'), 'not markdown')
    await fs.mkdir(path.join(root, '.git'), { recursive: true })
    await fs.writeFile(path.join(root, '.git', 'README.md'), 'hidden')
    await fs.mkdir(path.join(ws.writeLockDir('notes/a.md'), genName(1)), { recursive: true })
    await fs.writeFile(path.join(ws.writeLockDir('notes/a.md'), genName(1), RECORD_FILE), '{}')
    await sleep(300)
    expect(w.seen.map((s) => s.name)).toEqual(['mode'])
  })

  it('reports one lock acquisition as one event, with the section and document from the record', async () => {
    await fs.writeFile(path.join(root, 'notes', 'plan.md'), '# Intro\n\ntext\n')
    const w = await started('native')
    await takeLockLikeAnotherInstance('notes/plan.md', 'intro', 1)
    const hit = await w.next('locks-changed')
    expect(hit.payload).toEqual({
      document: 'notes/plan.md',
      docKey: ws.docKey('notes/plan.md'),
      sectionId: 'intro',
      kind: 'section',
      state: 'held'
    })
    await sleep(250)
    expect(w.seen.filter((s) => s.name === 'locks-changed')).toHaveLength(1)

    // A heartbeat rewrites the same tenure's record: nothing for other windows to show.
    const dir = path.join(ws.sectionLockDir('notes/plan.md', 'intro'), genName(1))
    const beat = { ...lockRecord('notes/plan.md', 'intro', 1), heartbeatSeq: 1 }
    await writeFileAtomic(path.join(dir, RECORD_FILE), encodeLockRecord(beat))
    await sleep(250)
    expect(w.seen.filter((s) => s.name === 'locks-changed')).toHaveLength(1)
  })

  it('reports a claim made in chokidar’s gap between reading a new folder and watching it, and its release', async () => {
    // chokidar reads a new folder, then watches it: a generation renamed in between raises no event
    // and is never watched. The gap is played exactly: chokidar is told to skip everything in the
    // lock folder until it has skipped the new generation once, as it would have missed it. Real
    // files, real chokidar.
    await fs.writeFile(path.join(root, 'notes', 'plan.md'), '# Intro\n\ntext\n')
    const lockDir = ws.sectionLockDir('notes/plan.md', 'intro')
    const generation = path.join(lockDir, genName(1))
    let gap = true
    let asked = 0
    const gapped: WatcherFactory = (dir, options) => {
      const ignored = options.ignored as (p: string, stats?: Stats) => boolean
      const skip = (p: string) => {
        if (!gap || !p.startsWith(lockDir + path.sep)) return false
        // chokidar asks twice about a new path (without, then with its stats): skipped both times,
        // then it has decided, as if it had missed the generation.
        if (p === generation && ++asked === 2) gap = false
        return true
      }
      return watch(dir, { ...options, ignored: (p, st) => skip(p) || ignored(p, st) })
    }
    const w = await started('native', 1000, gapped)
    await fs.mkdir(lockDir, { recursive: true })
    // The folder is seen, watched and read empty, then re-read 50 and 200 ms later; the claim comes
    // after those, so the next re-read (at 600 ms) is long after chokidar has skipped the generation.
    await sleep(300)
    expect(w.seen.filter((s) => s.name === 'locks-changed')).toEqual([])

    // The claim as the lock service makes it: a prepared folder with its record, renamed into place.
    const draft = path.join(lockDir, '.claim-gap')
    await fs.mkdir(draft)
    await fs.writeFile(
      path.join(draft, RECORD_FILE),
      encodeLockRecord(lockRecord('notes/plan.md', 'intro', 1))
    )
    await fs.rename(draft, generation)
    const held = await w.next('locks-changed', 0, 4000)
    expect(gap, 'chokidar skipped the generation').toBe(false)
    expect(held.payload).toMatchObject({ document: 'notes/plan.md', sectionId: 'intro', state: 'held' })

    // Its release is a rename inside the generation chokidar missed: seen only if it watches it now.
    await sleep(100)
    const from = w.seen.length
    await fs.rename(path.join(generation, RECORD_FILE), path.join(generation, 'released.json'))
    const released = await w.next('locks-changed', from, 1000)
    expect(released.payload).toMatchObject({ sectionId: 'intro', state: 'released' })
  })

  it('reports a document’s first lock whose folder appeared in chokidar’s gap under a new locks folder', async () => {
    // A document's first lock makes `locks/sections/<id>` in one go; chokidar reads each new level
    // before it watches it, so the lock folder itself can be missed (CI: a badge seen only with the
    // holder's save, 2.4 s later). Played exactly: chokidar skips the lock folder and all in it until
    // it has decided about the folder, as if it had missed it. Real files, real chokidar.
    await fs.writeFile(path.join(root, 'notes', 'plan.md'), '# Intro\n\ntext\n')
    await fs.mkdir(ws.docDir('notes/plan.md'), { recursive: true })
    const lockDir = ws.sectionLockDir('notes/plan.md', 'intro')
    let gap = true
    let asked = 0
    const gapped: WatcherFactory = (dir, options) => {
      const ignored = options.ignored as (p: string, stats?: Stats) => boolean
      const skip = (p: string) => {
        if (!gap || !(p === lockDir || p.startsWith(lockDir + path.sep))) return false
        if (p === lockDir && ++asked === 2) gap = false
        return true
      }
      return watch(dir, { ...options, ignored: (p, st) => skip(p) || ignored(p, st) })
    }
    const w = await started('native', 1000, gapped)
    // The first claim as the lock service makes it: the folders, then the generation renamed in.
    await fs.mkdir(lockDir, { recursive: true })
    const draft = path.join(lockDir, '.claim-gap')
    await fs.mkdir(draft)
    await fs.writeFile(
      path.join(draft, RECORD_FILE),
      encodeLockRecord(lockRecord('notes/plan.md', 'intro', 1))
    )
    await fs.rename(draft, path.join(lockDir, genName(1)))
    const held = await w.next('locks-changed', 0, 2000)
    expect(gap, 'chokidar skipped the lock folder').toBe(false)
    expect(held.payload).toMatchObject({ document: 'notes/plan.md', sectionId: 'intro', state: 'held' })

    // Its release, inside the folder chokidar missed: seen only if it watches it now.
    await sleep(500)
    const from = w.seen.length
    await fs.rename(
      path.join(lockDir, genName(1), RECORD_FILE),
      path.join(lockDir, genName(1), 'released.json')
    )
    const released = await w.next('locks-changed', from, 1000)
    expect(released.payload).toMatchObject({ sectionId: 'intro', state: 'released' })
  })

  it('knows the locks that existed before start: no event for their heartbeat, the document on release', async () => {
    await fs.writeFile(path.join(root, 'notes', 'plan.md'), '# Intro\n\ntext\n')
    await takeLockLikeAnotherInstance('notes/plan.md', 'intro', 1)
    const w = await started('native')
    const dir = ws.sectionLockDir('notes/plan.md', 'intro')
    const beat = { ...lockRecord('notes/plan.md', 'intro', 1), heartbeatSeq: 1 }
    await writeFileAtomic(path.join(dir, genName(1), RECORD_FILE), encodeLockRecord(beat))
    await sleep(200)
    expect(w.seen.map((s) => s.name)).toEqual(['mode'])

    const release = {
      format: 1,
      released: true,
      by: 'Ann on studio-pc',
      at: new Date().toISOString(),
      reason: 'done'
    }
    await fs.mkdir(path.join(dir, genName(2)))
    await writeFileAtomic(path.join(dir, genName(2), 'released.json'), JSON.stringify(release))
    await fs.rm(path.join(dir, genName(1)), { recursive: true })
    const hit = await w.next('locks-changed')
    expect(hit.payload).toMatchObject({ document: 'notes/plan.md', sectionId: 'intro', state: 'released' })
    await sleep(200)
    expect(w.seen.filter((s) => s.name === 'locks-changed')).toHaveLength(1)
  })

  it('reports the real lock service: one event per acquire and per release, none for saves’ mutex', async () => {
    await fs.writeFile(path.join(root, 'notes', 'plan.md'), '# Intro\n\ntext\n\n# Budget\n\nmore\n')
    const w = await started('native')
    const locks = new LockService({
      workspace: ws,
      identity: {
        ownerId: 'bo',
        user: 'Bo',
        host: 'bo-pc',
        hostId: 'bo-host',
        pid: process.pid,
        instanceId: 'ib'
      },
      clock,
      settings: { heartbeatIntervalMs: 5_000, idleTimeoutMs: 0 }
    })
    toDispose.push(locks)
    const t0 = performance.now()
    const handle = await locks.acquireSection('notes/plan.md', 'budget')
    const acquired = await w.next('locks-changed')
    console.info(`lock acquire → locks-changed: ${(acquired.at - t0).toFixed(1)} ms`)
    expect(acquired.payload).toMatchObject({ document: 'notes/plan.md', sectionId: 'budget', state: 'held' })
    await locks.release(await locks.acquireWrite('notes/plan.md'))
    const from = w.seen.length
    await locks.release(handle)
    const released = await w.next('locks-changed', from)
    expect(released.payload).toMatchObject({
      document: 'notes/plan.md',
      sectionId: 'budget',
      state: 'released'
    })
    await sleep(250)
    expect(w.seen.filter((s) => s.name === 'locks-changed')).toHaveLength(2)
  })

  it('falls back to polling when the system runs out of inotify watches', async () => {
    let failed = false
    const failingOnce: WatcherFactory = (dir, options) => {
      const inner = watch(dir, options)
      if (!options.usePolling && !failed) {
        failed = true
        inner.once('ready', () =>
          inner.emit('error', Object.assign(new Error('watch ENOSPC'), { code: 'ENOSPC' }))
        )
      }
      return inner
    }
    const w = await started('native', 100, failingOnce)
    const mode = await w.next('mode', 1)
    expect(mode.payload).toMatchObject({ mode: 'polling', intervalMs: 100 })
    expect((await w.next('error')).payload).toMatchObject({ message: expect.stringContaining('ENOSPC') })
    await sleep(300) // the polling watcher's initial scan
    await fs.writeFile(path.join(root, 'notes', 'b.md'), '# B\n')
    expect((await w.next('document-changed')).payload).toMatchObject({
      document: 'notes/b.md',
      external: true
    })
  })

  it('leaves no watch handles or timers behind', async () => {
    const count = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length
    const before = count()
    const w = await started('native')
    await fs.writeFile(path.join(root, 'notes', 'c.md'), '# C\n')
    await takeLockLikeAnotherInstance('notes/c.md', 'c', 1)
    await w.next('document-changed')
    expect(count()).toBeGreaterThan(before)
    await w.watcher.dispose()
    await sleep(150) // chokidar's own atomic-unlink and throttle timers run out
    expect(count()).toBeLessThanOrEqual(before)
  })

  it('median latency over 20 changes stays under 250 ms', async () => {
    const w = await started('native')
    const latencies = await measureLatency(w, 20, 80, 40)
    console.info(
      `native: median ${median(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`
    )
    expect(median(latencies)).toBeLessThan(250)
  })
})

describe('WorkspaceWatcher, polling', () => {
  it('sees an external change within the interval plus slack, and measures it', async () => {
    await fs.writeFile(path.join(root, 'notes', 'p.md'), '# P\n')
    const w = await started('polling', 100)
    expect(w.seen[0]).toMatchObject({ name: 'mode', payload: { mode: 'polling', intervalMs: 100 } })
    const t0 = performance.now()
    await fs.writeFile(path.join(root, 'notes', 'p.md'), '# P\n\nchanged elsewhere\n')
    const hit = await w.next('document-changed', 0, 1000)
    expect(hit.payload).toMatchObject({ document: 'notes/p.md', sha256: sha('# P\n\nchanged elsewhere\n') })
    expect(hit.at - t0).toBeLessThan(100 + 300)

    const latencies = await measureLatency(w, 20, 80, 100)
    console.info(
      `polling 100 ms: median ${median(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`
    )
    expect(median(latencies)).toBeLessThan(100 + 150)
  })
})
