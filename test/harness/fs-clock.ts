import { statSync, unlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * A time `ms` before now *as the file system stamps mtimes* (a probe file's mtime), for making a
 * leftover look old. Not `Date.now()`: the app ages leftovers on the share's clock, and under
 * `faketime` (or on a file server) the process's clock is not the one that stamps files.
 */
export function fileSystemTimeAgo(ms: number, dir = os.tmpdir()): Date {
  const probe = path.join(dir, `sectioned-fs-clock-${process.pid}-${Math.random().toString(36).slice(2)}`)
  writeFileSync(probe, '')
  try {
    return new Date(statSync(probe).mtimeMs - ms)
  } finally {
    unlinkSync(probe)
  }
}
