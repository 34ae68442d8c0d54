// `npm start [-- --folder DIR --user NAME]`: builds the app with electron-vite, then runs it in
// Electron — or, where Electron's binary was never downloaded (this package's install script
// fetches it and may be blocked), in the loopback web host on the same build, with the same args.
import { spawn } from 'node:child_process'
import { existsSync, promises as fs, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronBinary } from './electron-binary.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const args = process.argv.slice(2)

const MISSING_ELECTRON =
  'Electron is not installed here (its binary download is blocked or was skipped); starting the web host instead. ' +
  'Fix: node scripts/fetch-electron.mjs (downloads the binary; needs network access).'

/** Runs a command to completion with the terminal attached; resolves to its exit code. */
function run(command, argv) {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { cwd: root, stdio: 'inherit' })
    child.on('error', (err) => {
      console.error(`start: ${err.message}`)
      resolve(1)
    })
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })
}

/**
 * Runs the app and hands it our signals exactly once. On POSIX it gets its own process group, so
 * a Ctrl+C in the terminal reaches only us and is forwarded once: the app treats a second signal
 * as "exit now, without releasing locks".
 */
function runApp(command, argv, env) {
  const child = spawn(command, argv, {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: process.platform !== 'win32'
  })
  let lastForward = 0
  const forward = (signal) => () => {
    // Under `npm start` a Ctrl+C arrives twice (from the terminal and forwarded by npm): pass on one
    // per second at most, so the app does not take the duplicate for an insistent second signal.
    const now = Date.now()
    if (now - lastForward < 1000) return
    lastForward = now
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  process.on('SIGINT', forward('SIGINT'))
  process.on('SIGTERM', forward('SIGTERM'))
  process.on('SIGHUP', forward('SIGTERM'))
  child.on('error', (err) => {
    console.error(`start: could not run ${command}: ${err.message}`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

/** The value of `--name VALUE` or `--name=VALUE` in the forwarded args. */
function argValue(name) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}` && args[i + 1] !== undefined && !args[i + 1].startsWith('--'))
      return args[i + 1]
    if (args[i].startsWith(`--${name}=`)) return args[i].slice(name.length + 3)
  }
  return undefined
}

/** Where Electron's app.getPath('userData') points for this app, so both hosts share the settings and the sample. */
function userDataDir() {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
  const name = pkg.productName ?? pkg.name
  if (process.platform === 'win32') {
    return path.join(process.env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), name)
  }
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', name)
  return path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), name)
}

async function isDirectory(dir) {
  return (await fs.stat(dir).catch(() => null))?.isDirectory() ?? false
}

/**
 * The folder for the web host when no --folder was given — the same choice the Electron app makes
 * (electron/main/launch.ts): the last folder opened, else a copy of resources/sample-workspace.
 */
async function defaultFolder(userData, settings) {
  if (typeof settings.lastFolder === 'string' && (await isDirectory(settings.lastFolder)))
    return settings.lastFolder
  const target = path.join(userData, 'sample-workspace')
  if (await isDirectory(target)) return target
  const temp = `${target}.partial-${process.pid}`
  await fs.mkdir(userData, { recursive: true })
  await fs.cp(path.join(root, 'resources', 'sample-workspace'), temp, { recursive: true })
  await fs.rename(temp, target).catch(() => fs.rm(temp, { recursive: true, force: true }))
  return target
}

async function readSettings(userData) {
  try {
    const settings = JSON.parse(await fs.readFile(path.join(userData, 'settings.json'), 'utf8'))
    return typeof settings === 'object' && settings !== null ? settings : {}
  } catch {
    return {}
  }
}

async function startWebHost() {
  const buildCode = await run(process.execPath, [path.join(root, 'scripts', 'build-node.mjs')])
  if (buildCode !== 0) process.exit(buildCode)
  const serve = path.join(root, 'out', 'node', 'serve.cjs')
  if (!existsSync(serve)) {
    console.error('start: the web host is not built (out/node/serve.cjs is missing); run npm run build:node.')
    process.exit(1)
  }
  const userData = userDataDir()
  const settings = await readSettings(userData)
  const extra = []
  if (argValue('folder') === undefined) extra.push('--folder', await defaultFolder(userData, settings))
  if (argValue('user') === undefined && typeof settings.user === 'string') extra.push('--user', settings.user)
  runApp(process.execPath, [serve, ...args, ...extra], process.env)
}

const viteBin = (() => {
  const pkgFile = require.resolve('electron-vite/package.json')
  const { bin } = JSON.parse(readFileSync(pkgFile, 'utf8'))
  return path.join(path.dirname(pkgFile), typeof bin === 'string' ? bin : bin['electron-vite'])
})()

const built = await run(process.execPath, [viteBin, 'build'])
if (built !== 0) {
  console.error(`start: electron-vite build failed (exit code ${built}).`)
  process.exit(built)
}

const electron = electronBinary(root)
if (electron) {
  // The project folder, not out/main/index.js: Electron then reads package.json (main, name), so
  // app.getPath('userData') and app.getAppPath() are the app's own rather than Electron's defaults.
  const env = { ...process.env }
  delete env.ELECTRON_RUN_AS_NODE
  runApp(electron, [root, ...args], env)
} else {
  console.log(MISSING_ELECTRON)
  await startWebHost()
}
