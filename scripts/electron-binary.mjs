// Where the Electron binary is, or null — without `require('electron')`: since Electron 40 that
// require downloads the binary when it is missing (a synchronous download with no time limit,
// which hangs where GitHub is black-holed). The same rule as electron's index.js otherwise:
// path.txt names the executable under node_modules/electron/dist (ELECTRON_OVERRIDE_DIST_PATH wins).
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

/** The Electron executable installed under `root`'s node_modules, or null when there is none. */
export function electronBinary(root) {
  const pkg = path.join(root, 'node_modules', 'electron')
  let name = null
  try {
    name = readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim()
  } catch {
    name = null
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  const binary = override
    ? path.join(override, name || 'electron')
    : name
      ? path.join(pkg, 'dist', name)
      : null
  return binary && existsSync(binary) ? binary : null
}
