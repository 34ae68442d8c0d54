/**
 * Messages name the real cause when the share cannot be written (real processes): a read-only
 * workspace (a read-only bind mount as root, `chmod -R a-w` otherwise) is "read-only" with its
 * EROFS/EACCES — not "ENOENT … mkdir" — and `hold` whose release fails exits non-zero saying so.
 */
import { openWorkspace } from '../../services/app-services'
import { SystemClock } from '../../services/core/clock'
import { testIdentity } from '../../../test/harness/test-identity'
import { execFileSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Workspace } from '../../services/core/workspace'
import { CLI, cli, killAll, start } from '../../../test/harness/test-processes'

let dir: string
const TEXT = '# A\n\na\n\n# B\n\nb\n'

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-writefail-'))
  await fs.writeFile(path.join(dir, 'a.txt'), '# A\n\nmine\n\n')
})

afterEach(async () => {
  killAll()
  await fs.rm(dir, { recursive: true, force: true })
})

/** Makes `folder` read-only for the CLI: a read-only bind mount of it at `at` as root, else chmod. Returns where to use it, or null. */
function readOnlyView(folder: string, at: string): { root: string; undo: () => void } | null {
  if (process.getuid?.() !== 0) {
    execFileSync('chmod', ['-R', 'a-w', folder])
    return { root: folder, undo: () => execFileSync('chmod', ['-R', 'u+w', folder]) }
  }
  try {
    execFileSync('mount', ['--bind', folder, at], { stdio: 'ignore' })
  } catch {
    return null // no privilege to mount here (and root ignores chmod)
  }
  try {
    execFileSync('mount', ['-o', 'remount,bind,ro', at], { stdio: 'ignore' })
  } catch {
    execFileSync('umount', [at])
    return null
  }
  return { root: at, undo: () => execFileSync('umount', [at]) }
}

describe('failures to write the share name their real cause', () => {
  it('a read-only workspace is reported as read-only (EROFS/EACCES), not ENOENT', async (ctx) => {
    const share = path.join(dir, 'share')
    const view = path.join(dir, 'view')
    await fs.mkdir(share)
    await fs.mkdir(view)
    await fs.writeFile(path.join(share, 'd.md'), TEXT)
    const ro = readOnlyView(share, view)
    if (!ro) return ctx.skip()
    try {
      for (const argv of [
        ['edit', path.join(ro.root, 'd.md'), 'a', '--text-file', path.join(dir, 'a.txt'), '--user', 'ann'],
        ['hold', path.join(ro.root, 'd.md'), 'a', '--user', 'ann', '--seconds', '0']
      ]) {
        const r = await cli(argv)
        expect(r.code, argv[0]).toBe(1)
        expect(r.stderr, argv[0]).toMatch(/the shared folder .* is read-only.*\((EROFS|EACCES)/)
        expect(r.stderr, argv[0]).not.toMatch(/ENOENT/)
        expect(r.stderr.trim().split('\n'), argv[0]).toHaveLength(1)
      }
      // Reading is fine on a read-only share.
      const verify = await cli(['verify', ro.root])
      expect(verify.code, verify.stderr).toBe(0)
      // The app's own services name the cause too (share-fs: a recursive mkdir says ENOENT there).
      const err = await openWorkspace({
        folder: ro.root,
        identity: testIdentity('ann'),
        clock: new SystemClock()
      })
        .then(async (app) => {
          try {
            return await app.locks.acquireSection('d.md', 'a').catch((e: unknown) => e)
          } finally {
            await app.dispose()
          }
        })
        .catch((e: unknown) => e)
      expect(String(err)).toMatch(/read-only \((EROFS|EACCES)\)|permission denied/)
      expect(String(err)).not.toMatch(/ENOENT/)
    } finally {
      ro.undo()
    }
    expect(await fs.readFile(path.join(share, 'd.md'), 'utf8')).toBe(TEXT)
  }, 60_000)

  it('a file where the app needs a folder is named, not reported as ENOTDIR of a path below it', async () => {
    const doc = path.join(dir, 'd.md')
    await fs.writeFile(doc, TEXT)
    const edit = ['edit', doc, 'a', '--text-file', path.join(dir, 'a.txt'), '--user', 'ann']
    expect((await cli(edit)).code).toBe(0)
    const sections = new Workspace(dir).sectionLocksDir('d.md')
    await fs.rm(sections, { recursive: true })
    await fs.writeFile(sections, '')
    const r = await cli(edit)
    expect(r.code).toBe(5)
    expect(r.stderr.trim()).toBe(
      `sectioned: ${sections} is a file where the app needs a folder; move it out of the way (\`sectioned verify ${dir}\` lists every such problem)`
    )
  }, 60_000)

  it('hold exits non-zero with a message when its release fails', async () => {
    const doc = path.join(dir, 'd.md')
    await fs.writeFile(doc, TEXT)
    const p = start(CLI, ['hold', doc, 'a', '--user', 'ann', '--heartbeat-ms', '60000'])
    await p.waitFor('locked a')
    // The lock folder is replaced by a file: neither a tombstone generation nor an in-place
    // release can be put there.
    const lockDir = new Workspace(dir).sectionLockDir('d.md', 'a')
    await fs.rename(lockDir, `${lockDir}.moved`)
    await fs.writeFile(lockDir, 'not a folder')
    p.child.kill('SIGTERM')
    const r = await p.done
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^sectioned: could not release a: .+; others can take it once it is seen stale/m)
  }, 60_000)
})
