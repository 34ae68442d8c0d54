import { execFileSync } from 'node:child_process'
import { promises as fs, type promises } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  readFileOrNull,
  registerShareRoot,
  replaceSmallFile,
  ShareFileError,
  writeAll,
  writeFileAtomic
} from './share-fs'

let base: string
let root: string
let decoy: string
const DECOY = 'victim\n'

beforeEach(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'share-fs-'))
  root = path.join(base, 'share')
  decoy = path.join(base, 'decoy')
  await fs.mkdir(root)
  await fs.writeFile(decoy, DECOY)
  registerShareRoot(root)
})

afterEach(async () => {
  await fs.rm(base, { recursive: true, force: true })
})

/** Runs `read` and returns how long it took and what it threw. */
async function timed(read: () => Promise<unknown>): Promise<{ ms: number; err: unknown }> {
  const t0 = performance.now()
  try {
    await read()
    return { ms: performance.now() - t0, err: null }
  } catch (err) {
    return { ms: performance.now() - t0, err }
  }
}

describe('reads are typed and bounded', () => {
  it('a pipe, a link to /dev/zero, a folder and a 300 MB file each answer at once with an error naming the file', async () => {
    const file = path.join(root, 'lock.json')
    const plant: Record<string, () => Promise<void>> = {
      pipe: async () => void execFileSync('mkfifo', [file]),
      'link to /dev/zero': () => fs.symlink('/dev/zero', file),
      folder: () => fs.mkdir(file),
      '300 MB file': async () => {
        await fs.writeFile(file, '')
        await fs.truncate(file, 300 * 1024 * 1024)
      }
    }
    for (const [kind, make] of Object.entries(plant)) {
      await fs.rm(file, { recursive: true, force: true })
      await make()
      const rss = process.memoryUsage().rss
      const { ms, err } = await timed(() => readFileOrNull(file, 4096))
      expect(err, kind).toBeInstanceOf(ShareFileError)
      expect((err as Error).message, kind).toContain(file)
      expect(ms, kind).toBeLessThan(1000)
      expect(process.memoryUsage().rss - rss, kind).toBeLessThan(50 * 1024 * 1024)
    }
  })

  it('a missing file is null; a regular file within its cap is read whole', async () => {
    expect(await readFileOrNull(path.join(root, 'none.json'), 10)).toBeNull()
    await fs.writeFile(path.join(root, 'ok.json'), 'x'.repeat(3000))
    expect((await readFileOrNull(path.join(root, 'ok.json'), 3000))?.length).toBe(3000)
    await expect(readFileOrNull(path.join(root, 'ok.json'), 2999)).rejects.toThrow(/more than the 3 KiB/)
  })
})

describe('writes never go through a link', () => {
  it('a link at the target is refused (the file it points at keeps its bytes), or replaced itself for derived data', async () => {
    const file = path.join(root, 'index.json')
    await fs.symlink(decoy, file)
    await expect(writeFileAtomic(file, '{}')).rejects.toThrow(/is a link/)
    await expect(replaceSmallFile(file, '{}')).rejects.toThrow(/is a link/)
    expect(await fs.readFile(decoy, 'utf8')).toBe(DECOY)
    await writeFileAtomic(file, '{}', { replaceOdd: true })
    expect(await fs.readFile(decoy, 'utf8')).toBe(DECOY)
    expect(await fs.readFile(file, 'utf8')).toBe('{}')
    expect((await fs.readdir(root)).sort()).toEqual(['index.json'])
  })

  it('a folder inside the share that is a link to somewhere else is refused before anything is written', async () => {
    await fs.mkdir(path.join(base, 'elsewhere'))
    await fs.symlink(path.join(base, 'elsewhere'), path.join(root, 'docs'))
    await expect(writeFileAtomic(path.join(root, 'docs', 'x', 'index.json'), '{}')).rejects.toThrow(
      /link planted in the shared folder/
    )
    await expect(replaceSmallFile(path.join(root, 'docs', 'lock.json'), '{}')).rejects.toThrow(
      /link planted in the shared folder/
    )
    expect(await fs.readdir(path.join(base, 'elsewhere'))).toEqual([])
  })

  it('a document replaced since it was read is not replaced again', async () => {
    const file = path.join(root, 'doc.md')
    await fs.writeFile(file, 'one')
    const st = await fs.lstat(file)
    await fs.rename(file, `${file}.old`)
    await fs.writeFile(file, 'two')
    await expect(writeFileAtomic(file, 'three', { expect: { dev: st.dev, ino: st.ino } })).rejects.toThrow(
      /replaced by another program/
    )
    expect(await fs.readFile(file, 'utf8')).toBe('two')
  })
})

describe('every byte is counted', () => {
  /** A file handle whose writes take at most `step` bytes, and nothing once `room` is used up. */
  function tightHandle(step: number, room: number) {
    const out: Buffer[] = []
    let used = 0
    const handle = {
      write: async (buf: Buffer, offset: number, length: number) => {
        const n = Math.min(step, length, room - used)
        out.push(Buffer.from(buf.subarray(offset, offset + n)))
        used += n
        return { bytesWritten: n, buffer: buf }
      }
    } as unknown as promises.FileHandle
    return { handle, written: () => Buffer.concat(out) }
  }

  it('short writes are continued until all is written', async () => {
    const data = Buffer.from('abcdefghijklmnopqrstuvwxyz'.repeat(100))
    const t = tightHandle(7, Infinity)
    await writeAll(t.handle, data, 0)
    expect(t.written().equals(data)).toBe(true)
  })

  it('a write that makes no progress (a full disk answering with a short count) is ENOSPC, never success', async () => {
    const t = tightHandle(4096, 10_000)
    await expect(writeAll(t.handle, Buffer.alloc(20_000, 1), 0)).rejects.toMatchObject({ code: 'ENOSPC' })
    expect(t.written().length).toBe(10_000)
  })
})
