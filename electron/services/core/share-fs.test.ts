import { execFileSync } from 'node:child_process'
import { probeExclusiveMkdir } from '../../../test/harness/mkdir-probe'
import { promises as fs, type promises } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { detectMount, detectMountSync } from '../watch/mount-type'
import {
  holdsExactly,
  NETWORK_RETRY_MS,
  readdirOrNull,
  readFileOrNull,
  registerShareRoot,
  renameInShare,
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
  vi.restoreAllMocks()
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

  it('holdsExactly is true only for a regular file with exactly the bytes; a pipe, a link, a folder, more or fewer bytes are false, at once', async () => {
    const file = path.join(root, 'released.json')
    const mine = Buffer.from('{"released":true,"token":"A"}')
    expect(await holdsExactly(file, mine)).toBe(false) // missing
    await fs.writeFile(file, mine)
    expect(await holdsExactly(file, mine)).toBe(true)
    const others: Record<string, () => Promise<void>> = {
      'other bytes, same length': () => fs.writeFile(file, '{"released":true,"token":"B"}'),
      'one byte more': () => fs.writeFile(file, Buffer.concat([mine, Buffer.from('\n')])),
      'one byte fewer': () => fs.writeFile(file, mine.subarray(1)),
      pipe: async () => void execFileSync('mkfifo', [file]),
      'link to a file with those bytes': async () => {
        await fs.writeFile(decoy, mine)
        await fs.symlink(decoy, file)
      },
      folder: () => fs.mkdir(file)
    }
    for (const [kind, make] of Object.entries(others)) {
      await fs.rm(file, { recursive: true, force: true })
      await make()
      const t0 = performance.now()
      expect(await holdsExactly(file, mine), kind).toBe(false)
      expect(performance.now() - t0, kind).toBeLessThan(1000)
    }
  })

  it('readdirOrNull lists a folder; a link to a folder, a file and nothing are null', async () => {
    const dir = path.join(root, 'locks')
    await fs.mkdir(dir)
    await fs.writeFile(path.join(dir, 'g000000001'), '')
    expect(await readdirOrNull(dir)).toEqual(['g000000001'])
    expect(await readdirOrNull(path.join(root, 'none'))).toBeNull()
    expect(await readdirOrNull(path.join(dir, 'g000000001'))).toBeNull()
    await fs.symlink(dir, path.join(root, 'linked'))
    expect(await readdirOrNull(path.join(root, 'linked'))).toBeNull()
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

  it('a folder written to a moment ago and removed since is made again (it is not made before every write)', async () => {
    const dir = path.join(root, '.sectioned', 'docs', 'd', 'intents')
    await writeFileAtomic(path.join(dir, 'a.json'), 'one')
    await fs.rm(path.join(root, '.sectioned'), { recursive: true })
    await writeFileAtomic(path.join(dir, 'b.json'), 'two')
    expect(await fs.readFile(path.join(dir, 'b.json'), 'utf8')).toBe('two')
    expect(await fs.readdir(dir)).toEqual(['b.json'])
  })

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

/** An error as Node's fs reports it. */
function sysError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code })
}

/**
 * Makes the next `times` renames fail with `code` without renaming, as smbnetfs does while the other
 * computer has the target open (measured: EEXIST or EBUSY, and both files are left as they were).
 */
function failRenames(code: string, times = Infinity) {
  const real = fs.rename.bind(fs)
  let failed = 0
  return vi.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
    if (failed++ < times) throw sysError(code)
    return real(from, to)
  })
}

/** Names in `root` other than `keep`: temp files a write left behind. */
async function leftovers(...keep: string[]): Promise<string[]> {
  return (await fs.readdir(root)).filter((n) => !keep.includes(n))
}

describe('network mounts: a rename refused while another computer has the file open is retried', () => {
  it('detects the mount of a registered root once, like the watcher does (a temp folder is no network mount)', async () => {
    expect(detectMountSync(root)).toEqual(await detectMount(root))
    expect(detectMountSync(root).network).toBe(false)
  })

  it('on a network mount, a save whose rename answers EEXIST, EBUSY or EPERM for a while lands once it is let through', async () => {
    registerShareRoot(root, { network: true })
    const file = path.join(root, 'doc.md')
    await fs.writeFile(file, 'old')
    for (const code of ['EEXIST', 'EBUSY', 'EPERM']) {
      const rename = failRenames(code, 3)
      await writeFileAtomic(file, `new after ${code}`)
      expect(rename).toHaveBeenCalledTimes(4)
      expect(await fs.readFile(file, 'utf8')).toBe(`new after ${code}`)
      rename.mockRestore()
    }
    const rename = failRenames('EEXIST', 2)
    await replaceSmallFile(path.join(root, 'lock.json'), '{"v":1}')
    expect(rename).toHaveBeenCalledTimes(3)
    expect(await leftovers('doc.md', 'lock.json')).toEqual([])
  })

  it('gives up after NETWORK_RETRY_MS (5 s), and the save is refused with the old file and no temp file left', async () => {
    registerShareRoot(root, { network: true })
    const file = path.join(root, 'doc.md')
    await fs.writeFile(file, 'old')
    failRenames('EEXIST')
    const t0 = performance.now()
    await expect(writeFileAtomic(file, 'new')).rejects.toMatchObject({ code: 'EEXIST' })
    const ms = performance.now() - t0
    expect(ms).toBeGreaterThanOrEqual(NETWORK_RETRY_MS - 100)
    expect(ms).toBeLessThan(NETWORK_RETRY_MS + 1000)
    expect(await fs.readFile(file, 'utf8')).toBe('old')
    expect(await leftovers('doc.md')).toEqual([])
  })

  it('on a local disk nothing waits: EEXIST fails at once', async () => {
    registerShareRoot(root, { network: false })
    const file = path.join(root, 'doc.md')
    await fs.writeFile(file, 'old')
    const rename = failRenames('EEXIST')
    await expect(writeFileAtomic(file, 'new')).rejects.toMatchObject({ code: 'EEXIST' })
    expect(rename).toHaveBeenCalledTimes(1)
    expect(await fs.readFile(file, 'utf8')).toBe('old')
  })

  it('a folder’s rename (a lock claim) answering EEXIST is a taken name at once, also on a network mount', async () => {
    registerShareRoot(root, { network: true })
    await fs.mkdir(path.join(root, 'draft'))
    const rename = failRenames('EEXIST')
    await expect(renameInShare(path.join(root, 'draft'), path.join(root, 'g1'))).rejects.toMatchObject({
      code: 'EEXIST'
    })
    expect(rename).toHaveBeenCalledTimes(1)
  })

  it('ENOENT is retried only while the source is still there', async () => {
    registerShareRoot(root, { network: true })
    await fs.writeFile(path.join(root, 'a.json'), 'a')
    const rename = failRenames('ENOENT', 2)
    await renameInShare(path.join(root, 'a.json'), path.join(root, 'b.json'))
    expect(rename).toHaveBeenCalledTimes(3)
    rename.mockRestore()
    const gone = failRenames('ENOENT')
    await expect(
      renameInShare(path.join(root, 'none.json'), path.join(root, 'c.json'))
    ).rejects.toMatchObject({
      code: 'ENOENT'
    })
    expect(gone).toHaveBeenCalledTimes(1)
  })
})

describe('network mounts: a document read in another save’s rename gap', () => {
  /** Makes the next `times` lstats of `file` answer ENOENT (smbnetfs between its unlink and rename). */
  function missingFor(file: string, times: number) {
    const real = fs.lstat.bind(fs)
    let missed = 0
    return vi.spyOn(fs, 'lstat').mockImplementation(((p: string, opts?: object) => {
      if (p === file && missed++ < times) return Promise.reject(sysError('ENOENT'))
      return real(p, opts)
    }) as typeof fs.lstat)
  }

  it('is read again while a save’s temp file is beside it, and found', async () => {
    registerShareRoot(root, { network: true })
    const file = path.join(root, 'doc.md')
    await fs.writeFile(file, 'the document')
    await fs.writeFile(`${file}.123456`, 'a save under way')
    missingFor(file, 3)
    expect((await readFileOrNull(file, 1000))?.toString()).toBe('the document')
  })

  it('is read once more when no temp file is beside it (the gap closed meanwhile)', async () => {
    registerShareRoot(root, { network: true })
    const file = path.join(root, 'doc.md')
    await fs.writeFile(file, 'the document')
    missingFor(file, 1)
    expect((await readFileOrNull(file, 1000))?.toString()).toBe('the document')
  })

  it('is null at once when it is missing and no save is under way (and always on a local disk)', async () => {
    registerShareRoot(root, { network: true })
    const t0 = performance.now()
    expect(await readFileOrNull(path.join(root, 'none.md'), 1000)).toBeNull()
    expect(performance.now() - t0).toBeLessThan(100)
    const local = path.join(base, 'local')
    await fs.mkdir(local)
    registerShareRoot(local, { network: false })
    await fs.writeFile(path.join(local, 'doc.md'), 'x')
    await fs.writeFile(path.join(local, 'doc.md.123456'), 'a save under way')
    missingFor(path.join(local, 'doc.md'), 1)
    expect(await readFileOrNull(path.join(local, 'doc.md'), 1000)).toBeNull()
  })
})

describe('probeExclusiveMkdir', () => {
  it('finds mkdir exclusive on a local folder, and leaves nothing behind', async () => {
    const probes = path.join(root, '.sectioned', 'probes')
    expect(await probeExclusiveMkdir(probes)).toEqual({ exclusive: true })
    expect(await probeExclusiveMkdir(probes, probes)).toEqual({ exclusive: true })
    expect(await fs.readdir(probes)).toEqual([])
  })

  it('names what is wrong where mkdir of an existing folder succeeds (as on an rclone mount)', async () => {
    const probes = path.join(root, 'probes')
    const real = fs.mkdir.bind(fs)
    vi.spyOn(fs, 'mkdir').mockImplementation((async (p: string, opts?: object) => {
      try {
        return await real(p, opts)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
        return undefined
      }
    }) as typeof fs.mkdir)
    const probe = await probeExclusiveMkdir(probes)
    expect(probe.exclusive).toBe(false)
    expect(probe.reason).toMatch(/both succeeded|already exists succeeded/)
  })
})
