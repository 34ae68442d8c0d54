/**
 * Saves on a nearly full disk, on real small file systems (a tmpfs and a loop-mounted ext4): every
 * save either lands exactly or is refused with a clear disk-full error leaving the document
 * byte-identical, no temp file stays behind, history verifies, and a refused text is kept as a draft.
 * Mounting needs root; where it is not permitted the tests are skipped with the reason printed.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, promises as fs, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { Identity } from '../../../shared/types'
import { openWorkspace, type AppServices } from '../app-services'
import { ShareFileError } from '../core/share-fs'
import { verifyHistory } from '../history/history-scan'
import { FakeClock } from '../test-support/fake-clock'

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

function ident(user: string): Identity {
  return {
    ownerId: user,
    user,
    host: `${user}-pc`,
    hostId: `h-${user}`,
    pid: process.pid,
    instanceId: `i-${user}`
  }
}

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

/** Makes the filler file so that about `leave` bytes stay free (a filler cut short by ENOSPC is fine). */
async function fillTo(dir: string, filler: string, leave: number): Promise<void> {
  await fs.rm(filler, { force: true })
  let want = (await free(dir)) - leave
  const handle = await fs.open(filler, 'w')
  try {
    const chunk = Buffer.alloc(64 * 1024, 0x61)
    while (want > 0) {
      const n = Math.min(want, chunk.length)
      try {
        const { bytesWritten } = await handle.write(chunk, 0, n)
        if (bytesWritten <= 0) break
        want -= bytesWritten
      } catch {
        break
      }
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
