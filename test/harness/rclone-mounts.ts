/**
 * What the rclone suites need before they mount: why they cannot run here (null: they can), and
 * waiting for a mount to be in place.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, promises as fs } from 'node:fs'

/** Why an rclone FUSE mount cannot be made here, or null. */
export function rcloneProblem(): string | null {
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing'
  if (spawnSync('rclone', ['version']).error) return 'rclone is not installed (apt-get install rclone)'
  if (spawnSync('fusermount', ['-V']).error) return 'fusermount is not installed'
  return null
}

/** Waits (up to 10 s) until `mountPoint` is an rclone FUSE mount. */
export async function waitForRcloneMount(mountPoint: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await fs.readFile('/proc/self/mounts', 'utf8')).includes(` ${mountPoint} fuse.rclone`)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`rclone did not mount ${mountPoint}`)
}

/**
 * Mounts `src` at `mountPoint` with rclone (a daemon; short caches, as the suites want to see other
 * mounts' changes soon) and waits for it; `extra` adds options (e.g. `--vfs-case-insensitive`).
 */
export async function mountRclone(src: string, mountPoint: string, extra: string[] = []): Promise<void> {
  const args = ['mount', src, mountPoint, '--daemon', ...extra]
  execFileSync(
    'rclone',
    [...args, '--dir-cache-time', '1s', '--attr-timeout', '0s', '--config', '/dev/null'],
    {
      stdio: 'ignore'
    }
  )
  await waitForRcloneMount(mountPoint)
}

/** Unmounts (lazily: a process still inside does not keep it). */
export function unmountRclone(mountPoint: string): void {
  spawnSync('fusermount', ['-u', '-z', mountPoint])
}
