/**
 * Saves on a nearly full disk, on real small file systems (a tmpfs and a loop-mounted ext4): every
 * save either lands exactly or is refused with a clear disk-full error leaving the document
 * byte-identical, no temp file stays behind, history verifies, and a refused text is kept as a draft.
 * Mounting needs root; where it is not permitted the tests are skipped with the reason printed.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { constants, mkdtempSync, promises as fs, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Identity } from '../../../shared/types'
import { openWorkspace, type AppServices } from '../app-services'
import { ShareFileError } from '../core/share-fs'
import { verifyHistory } from '../history/history-scan'
import { FakeClock } from '../../../test/harness/fake-clock'
import { testIdentity } from '../../../test/harness/test-identity'

interface Mounted {
  kind: string
  dir: string | null
  reason: string
  cleanup: () => void
}

const base = mkdtempSync(path.join(os.tmpdir(), 'sectioned-diskfull-'))

function tryMount(kind: 'tmpfs' | 'ext4'): Mounted {
  const dir = path.join(base, kind)
  const img = path.join(base, `${kind}.img`)
  const none = (reason: string): Mounted => {
    console.log(`[disk-full] ${kind}: skipped — ${reason}`)
    return { kind, dir: null, reason, cleanup: () => undefined }
  }
  if (process.platform !== 'linux') return none(`mounting needs Linux (this is ${process.platform})`)
  try {
    execFileSync('mkdir', ['-p', dir])
    if (kind === 'tmpfs') {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { stdio: 'pipe' })
    } else {
      execFileSync('truncate', ['-s', '16M', img], { stdio: 'pipe' })
      execFileSync('mkfs.ext4', ['-q', '-F', img], { stdio: 'pipe' })
      execFileSync('mount', ['-o', 'loop', img, dir], { stdio: 'pipe' })
    }
  } catch (err) {
    const e = err as { stderr?: Buffer; message?: string }
    return none(`mount not permitted here: ${(e.stderr?.toString() || e.message || String(err)).trim()}`)
  }
  return {
    kind,
    dir,
    reason: '',
    cleanup: () => {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' })
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' })
      }
    }
  }
}

const mounts = [tryMount('tmpfs'), tryMount('ext4')]
const opened: AppServices[] = []

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.dispose()))
})

afterAll(() => {
  for (const m of mounts) m.cleanup()
  rmSync(base, { recursive: true, force: true })
})

const DOC = 'big.md'
const ID_RE = /^s(\d+)$/

const ident = (user: string): Identity => testIdentity(user)

/** A deterministic pseudo-random generator (the same run every time). */
function rng(seed: number): () => number {
  let x = seed >>> 0
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0
    return x / 2 ** 32
  }
}

function body(size: number, tag: string): string {
  const line = `${tag} lorem ipsum dolor sit amet, consectetur adipiscing elit.\n`
  return line.repeat(Math.max(1, Math.ceil(size / line.length))).slice(0, size - 1) + '\n'
}

function sectionText(n: number, size: number, tag: string): string {
  return `# S${n}\n\n${body(size, tag)}\n`
}

async function free(dir: string): Promise<number> {
  const st = await fs.statfs(dir)
  // root may also use the blocks ext4 reserves for it
  return (process.getuid?.() === 0 ? st.bfree : st.bavail) * st.bsize
}

/**
 * Grows or shrinks the filler file so that about `leave` bytes stay free (a filler cut short by
 * ENOSPC is fine). It is adjusted in place — truncated or appended to — not rewritten each round.
 */
async function fillTo(dir: string, filler: string, leave: number): Promise<void> {
  const handle = await fs.open(filler, constants.O_RDWR | constants.O_CREAT)
  try {
    let at = (await handle.stat()).size
    const chunk = Buffer.alloc(256 * 1024, 0x61)
    // Twice: once written back, ext4 returns blocks it had reserved for delayed allocation.
    for (let pass = 0; pass < 2; pass++) {
      let want = (await free(dir)) - leave
      if (want < 0) {
        await handle.truncate(Math.max(0, at + want))
        return
      }
      // A refused chunk is retried smaller: near the edge ext4 takes a few blocks but not 256 KiB.
      for (let size = chunk.length; want > 0 && size >= 512;) {
        try {
          const { bytesWritten } = await handle.write(chunk, 0, Math.min(want, size), at)
          if (bytesWritten <= 0) break
          want -= bytesWritten
          at += bytesWritten
        } catch {
          size /= 2
        }
      }
      await handle.sync()
    }
  } finally {
    await handle.close()
  }
}

async function tempFiles(root: string): Promise<string[]> {
  return (await fs.readdir(root)).filter((n) => /\.md\.\d+$/.test(n))
}

async function openAt(root: string, clock = new FakeClock()): Promise<AppServices> {
  const s = await openWorkspace({
    folder: root,
    identity: ident('ann'),
    clock,
    lockSettings: { heartbeatIntervalMs: 1000, idleTimeoutMs: 0 }
  })
  opened.push(s)
  return s
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

for (const m of mounts) {
  describe(`saving on a nearly full ${m.kind}`, () => {
    it.skipIf(m.dir === null)(
      'every save lands exactly or is refused cleanly; refused text is kept as a draft',
      async () => {
        const mnt = m.dir as string
        const root = path.join(mnt, 'ws')
        await fs.mkdir(root)
        const SECTIONS = 12
        const large = (n: number) => n % 3 === 2 // s2, s5, s8, s11: ~200 KB
        const parts: string[] = []
        for (let n = 0; n < SECTIONS; n++) parts.push(sectionText(n, large(n) ? 200_000 : 200, `init${n}`))
        await fs.writeFile(path.join(root, DOC), parts.join(''))
        const s = await openAt(root)
        const snap = await s.documents.read(DOC)
        // (an empty preamble section comes first)
        expect(snap.sections.map((x) => x.id).filter((x) => ID_RE.test(x))).toEqual(
          parts.map((_, n) => `s${n}`)
        )
        const locks = new Map<string, Awaited<ReturnType<AppServices['locks']['acquireSection']>>>()
        for (const sec of snap.sections)
          if (ID_RE.test(sec.id)) locks.set(sec.id, await s.locks.acquireSection(DOC, sec.id))

        const filler = path.join(mnt, 'filler.bin')
        const rand = rng(m.kind === 'tmpfs' ? 7 : 11)
        let landed = 0
        let refused = 0
        let draftsKept = 0
        const corruptions: string[] = []
        const ROUNDS = 110
        for (let i = 0; i < ROUNDS; i++) {
          const id = `s${Math.floor(rand() * SECTIONS)}`
          const n = Number(ID_RE.exec(id)?.[1])
          const big = rand() < 0.5
          const size = big ? 150_000 + Math.floor(rand() * 110_000) : 100 + Math.floor(rand() * 250)
          const text = sectionText(n, size, `r${i}`)
          // Leave from nothing to a bit more than the save needs: the atomic write's copy of the
          // whole document, plus the history version and the index (a fifth of the rounds: < 64 KiB).
          const docSize = (await fs.stat(path.join(root, DOC))).size
          await fillTo(mnt, filler, Math.floor(rand() * (rand() < 0.2 ? 64 * 1024 : 2.5 * (docSize + size))))
          const before = await fs.readFile(path.join(root, DOC))
          const { section } = await s.documents.section(DOC, id)
          const expected = Buffer.concat([
            before.subarray(0, section.start),
            Buffer.from(text),
            before.subarray(section.end)
          ])
          try {
            const result = await s.documents.saveSection(locks.get(id)!, section.sha256, text)
            landed++
            const after = await fs.readFile(path.join(root, DOC))
            if (!after.equals(expected))
              corruptions.push(`round ${i}: saved ${id} but the document is not the expected bytes`)
            expect(result.fileSha256).toBe(sha(expected))
          } catch (err) {
            refused++
            expect(err).toBeInstanceOf(ShareFileError)
            expect((err as Error).message).toMatch(/could not be written: the disk \(or your quota\) is full/)
            expect((err as ShareFileError).sysCode).toBe('ENOSPC')
            const after = await fs.readFile(path.join(root, DOC))
            if (!after.equals(before)) {
              corruptions.push(
                after.equals(expected)
                  ? `round ${i}: ${id} landed but the save reported: ${(err as Error).message}`
                  : `round ${i}: refused save of ${id} changed the document`
              )
            }
            const draftFile = (err as ShareFileError).draftFile
            expect(draftFile, `round ${i}: refused text kept as a draft`).not.toBeNull()
            const draft = JSON.parse(await fs.readFile(draftFile as string, 'utf8')) as { text: string }
            expect(draft.text).toBe(text)
            expect((err as Error).message).toContain(draftFile as string)
            draftsKept++
          }
          expect(await tempFiles(root)).toEqual([])
          expect(await verifyHistory(s.workspace)).toEqual([])
        }
        // Drafts of refused saves are listed (on the share or on this machine).
        expect((await s.documents.drafts.list(DOC)).length).toBe(draftsKept)
        // Room again (the filler gone, and the drafts on the share dealt with): a save works.
        await fs.rm(filler, { force: true })
        await fs.rm(s.workspace.draftsDir(DOC), { recursive: true, force: true })
        const { section } = await s.documents.section(DOC, 's1')
        const text = sectionText(1, 300_000, 'after')
        const before = await fs.readFile(path.join(root, DOC))
        await s.documents.saveSection(locks.get('s1')!, section.sha256, text)
        expect(await fs.readFile(path.join(root, DOC))).toEqual(
          Buffer.concat([before.subarray(0, section.start), Buffer.from(text), before.subarray(section.end)])
        )
        console.log(
          `[disk-full] ${m.kind}: ${ROUNDS} saves near a full disk: landed ${landed}, refused ${refused}, ` +
            `drafts kept ${draftsKept}, corruptions ${corruptions.length}`
        )
        for (const c of corruptions) console.log(`[disk-full] ${m.kind}: ${c}`)
        expect(corruptions).toEqual([])
        expect(landed).toBeGreaterThan(0)
        expect(refused).toBeGreaterThan(0)
        await fs.rm(s.documents.drafts.localDir, { recursive: true, force: true })
      },
      90_000
    )

    it.skipIf(m.dir === null)(
      'a draft that cannot be kept anywhere never replaces the disk-full error',
      async () => {
        const mnt = m.dir as string
        const root = path.join(mnt, 'ws2')
        await fs.mkdir(root)
        await fs.writeFile(path.join(root, DOC), sectionText(0, 200, 'a') + sectionText(1, 200, 'b'))
        const s = await openAt(root)
        // The fallback folder cannot exist (its parent is a file).
        ;(s.documents.drafts as { localDir: string }).localDir = path.join(os.devNull, 'drafts')
        const { section } = await s.documents.section(DOC, 's1')
        const lock = await s.locks.acquireSection(DOC, 's1')
        const filler = path.join(mnt, 'filler2.bin')
        await fillTo(mnt, filler, 0)
        const before = await fs.readFile(path.join(root, DOC))
        const err = await s.documents
          .saveSection(lock, section.sha256, sectionText(1, 100_000, 'c'))
          .catch((e: unknown) => e)
        await fs.rm(filler, { force: true })
        expect(err).toBeInstanceOf(ShareFileError)
        expect((err as ShareFileError).sysCode).toBe('ENOSPC')
        expect((err as ShareFileError).draftFile).toBeNull()
        expect((err as Error).message).toMatch(/disk \(or your quota\) is full.*could not be kept as a draft/)
        expect(await fs.readFile(path.join(root, DOC))).toEqual(before)
        expect(await tempFiles(root)).toEqual([])
      }
    )
  })
}

// ---- a real process under strace: one write cut short, then every write refused ------------------

/** Why strace cannot be used here, or null when it can (ptrace may be refused in a container). */
function straceUnavailable(): string | null {
  if (process.platform !== 'linux') return `strace needs Linux (this is ${process.platform})`
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=none', 'true'], { encoding: 'utf8' })
  if (r.error) return `strace is not installed (${r.error.message}; apt-get install strace)`
  if (r.status !== 0) return `strace cannot trace here (ptrace not permitted?): ${r.stderr.trim()}`
  return null
}

const noStrace = straceUnavailable()
if (noStrace) console.log(`[disk-full] strace: skipped — ${noStrace}`)

describe('the CLI under strace (a short write; a full disk)', () => {
  const work = path.join(base, 'strace')
  const cliBundle = path.join(work, 'cli.cjs')
  const docText = Array.from({ length: 12 }, (_, n) =>
    sectionText(n, n % 3 === 2 ? 200_000 : 200, `init${n}`)
  ).join('')
  const newText = sectionText(1, 180_000, 'edited')
  /** The expected document after the edit of s1, and its length. */
  let expected = Buffer.alloc(0)
  /** Which pwrite64 of the (single) file-system thread writes the document's temp file. */
  let nth = 0

  async function freshWorkspace(name: string): Promise<string> {
    const root = path.join(work, name)
    await fs.mkdir(root, { recursive: true })
    await fs.writeFile(path.join(root, DOC), docText)
    return root
  }

  /** Runs `sectioned edit big.md s1` under strace with `extra` options; the trace goes to `<root>.trace`. */
  function edit(root: string, extra: string[]): { status: number | null; stderr: string; trace: string } {
    const traceFile = `${root}.trace`
    const r = spawnSync(
      'strace',
      [
        '-f',
        '-qq',
        '-y',
        '-e',
        'trace=pwrite64',
        ...extra,
        '-o',
        traceFile,
        process.execPath,
        cliBundle,
        'edit',
        path.join(root, DOC),
        's1',
        '--text-file',
        path.join(work, 'new.txt'),
        '--user',
        'ann'
      ],
      // One libuv thread does every file write, so strace's per-thread `when=` count is the process's.
      {
        encoding: 'utf8',
        env: { ...process.env, UV_THREADPOOL_SIZE: '1', SECTIONED_DEBUG: '' },
        timeout: 20_000
      }
    )
    return { status: r.status, stderr: r.stderr, trace: readFileSync(traceFile, 'utf8') }
  }

  /** The trace lines that write the document's temp file (`big.md.<digits>`). */
  const docWrites = (trace: string) => trace.split('\n').filter((l) => /big\.md\.\d+>/.test(l))

  beforeAll(async () => {
    if (noStrace) return
    await fs.mkdir(work, { recursive: true })
    // Bundled here, not out/node: another test run may be rebuilding that folder meanwhile.
    const { build } = await import('esbuild')
    await build({
      entryPoints: [path.resolve(__dirname, '../../host/cli/main.ts')],
      outfile: cliBundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'error'
    })
    await fs.writeFile(path.join(work, 'new.txt'), newText)
    const s1 = docText.indexOf('# S1\n')
    const s2 = docText.indexOf('# S2\n')
    expected = Buffer.from(docText.slice(0, s1) + newText + docText.slice(s2))
    // A dry run finds which file write is the document's, and that node writes files with pwrite64.
    const root = await freshWorkspace('dry')
    const run = edit(root, [])
    expect(run.status, run.stderr).toBe(0)
    const lines = run.trace.split('\n').filter((l) => / pwrite64\(/.test(l))
    const at = lines.findIndex((l) => /big\.md\.\d+>/.test(l))
    expect(at, 'the document is written with pwrite64').toBeGreaterThanOrEqual(0)
    const tid = lines[at].split(' ')[0]
    nth = lines.slice(0, at + 1).filter((l) => l.startsWith(`${tid} `)).length
    expect(await fs.readFile(path.join(root, DOC))).toEqual(expected)
    console.log(
      `[disk-full] strace: the document is pwrite64 number ${nth} of its thread (${lines.length} in all)`
    )
  }, 30_000)

  it.skipIf(noStrace !== null)('a write cut short is continued from where it stopped', async () => {
    const root = await freshWorkspace('short')
    // strace's success injection skips the call and reports 1 byte written: a short write.
    const run = edit(root, ['-e', `inject=pwrite64:retval=1:when=${nth}`])
    expect(run.status, run.stderr).toBe(0)
    const writes = docWrites(run.trace)
    expect(writes[0]).toMatch(new RegExp(`, ${expected.length}, 0\\) = 1 \\(INJECTED\\)$`))
    // The loop goes on with the rest, at the right offset, and the save lands.
    expect(writes[1]).toMatch(new RegExp(`, ${expected.length - 1}, 1\\) = ${expected.length - 1}$`))
    expect(writes).toHaveLength(2)
    const after = await fs.readFile(path.join(root, DOC))
    expect(after.length).toBe(expected.length)
    // Every byte the kernel was asked to write is there; the skipped call never wrote byte 0 (a hole).
    expect(after.subarray(1)).toEqual(expected.subarray(1))
    expect(after[0]).toBe(0)
    expect(await tempFiles(root)).toEqual([])
  })

  it.skipIf(noStrace !== null)(
    'a full disk from the document write on leaves it untouched, with a clear error',
    async () => {
      const root = await freshWorkspace('enospc-all')
      const run = edit(root, ['-e', `inject=pwrite64:error=ENOSPC:when=${nth}+`])
      expect(run.status).not.toBe(0)
      expect(run.stderr).toMatch(/big\.md could not be written: the disk \(or your quota\) is full/)
      // Every later write fails too (the share's drafts folder and this machine's): said so, not hidden.
      expect(run.stderr).toMatch(/could not be kept as a draft either/)
      expect(docWrites(run.trace)[0]).toMatch(/= -1 ENOSPC .*\(INJECTED\)$/)
      expect(await fs.readFile(path.join(root, DOC))).toEqual(Buffer.from(docText))
      expect(await tempFiles(root)).toEqual([])
    }
  )

  it.skipIf(noStrace !== null)(
    'a full disk at the document write only keeps the text as a draft',
    async () => {
      const root = await freshWorkspace('enospc-one')
      const run = edit(root, ['-e', `inject=pwrite64:error=ENOSPC:when=${nth}`])
      expect(run.status).not.toBe(0)
      expect(run.stderr).toMatch(/big\.md could not be written: the disk \(or your quota\) is full/)
      const draftFile = /kept as a draft in (.+\.json)\./.exec(run.stderr)?.[1]
      expect(draftFile, run.stderr).toBeDefined()
      expect(JSON.parse(await fs.readFile(draftFile as string, 'utf8'))).toMatchObject({
        sectionId: 's1',
        text: newText
      })
      expect(await fs.readFile(path.join(root, DOC))).toEqual(Buffer.from(docText))
      expect(await tempFiles(root)).toEqual([])
    }
  )
})
