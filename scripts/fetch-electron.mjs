// `npm install` runs this after the dependencies are in place. Electron's own install script
// downloads its binary from GitHub and fails the whole install where that download is blocked
// (build machines without internet); package.json's `allowScripts` keeps npm from running it, and
// this step runs it instead and tolerates a failure with one line: the app then starts in the
// loopback web host (see scripts/start.mjs), and everything else — types, build, tests — works.
// ELECTRON_SKIP_BINARY_DOWNLOAD=1 skips the attempt, as it does for Electron's own script.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronBinary } from './electron-binary.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** A blocked network usually fails at once (DNS); a black-holed one must not hang `npm install`. */
const LIMIT_MS = 120_000

function installed() {
  return electronBinary(root) !== null
}

const script = path.join(root, 'node_modules', 'electron', 'install.js')
if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD || !existsSync(script) || installed()) process.exit(0)

const child = spawn(process.execPath, [script], {
  cwd: path.dirname(script),
  stdio: ['ignore', 'ignore', 'pipe']
})
let stderr = ''
child.stderr.on('data', (d) => (stderr += d))
const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS)
child.on('exit', (code, signal) => {
  clearTimeout(timer)
  if (code === 0 && installed()) return
  const why =
    signal !== null
      ? `no answer within ${LIMIT_MS / 1000} s`
      : (
          stderr.match(/(?:Error|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT)[^\n]*/)?.[0] ??
          `exit code ${code}`
        ).trim()
  console.log(
    `sectioned: the Electron binary could not be downloaded (${why}); npm start will open the web host instead. ` +
      'Retry later with: node scripts/fetch-electron.mjs'
  )
})
