// `npm run dist [-- <electron-builder args>]` (this platform) and `npm run dist:linux|win|mac`:
// builds the app, then packages it with electron-builder (electron-builder.yml). What only the
// build machine has comes from its environment and is said in one line each when it is missing:
//
// - code signing: CSC_LINK (+ CSC_KEY_PASSWORD) or CSC_NAME (macOS keychain); Windows also WIN_CSC_LINK;
// - macOS notarisation: APPLE_ID + APPLE_APP_SPECIFIC_PASSWORD + APPLE_TEAM_ID, or
//   APPLE_API_KEY + APPLE_API_KEY_ID + APPLE_API_ISSUER;
// - the update feed electron-updater follows: SECTIONED_UPDATE_URL (an HTTPS folder with the
//   latest*.yml files electron-builder writes); without it the app has no feed and never checks;
// - ELECTRON_DIST: a folder with an unpacked Electron of package.json's version, for machines that
//   cannot download it (electron-builder otherwise fetches it from GitHub).
//
// Nothing is uploaded (`--publish never`): publishing a release is a separate, deliberate step.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const env = { ...process.env }
const [target = 'current', ...rest] = process.argv.slice(2)
const platforms = { linux: '--linux', win: '--win', mac: '--mac', current: null }
if (!(target in platforms)) {
  console.error(`dist: unknown target “${target}” (linux, win, mac or current)`)
  process.exit(2)
}
const platform =
  target === 'current' ? ({ darwin: 'mac', win32: 'win' }[process.platform] ?? 'linux') : target
const args = [...(platforms[target] ? [platforms[target]] : []), '--publish', 'never']
const say = (line) => console.log(`dist: ${line}`)

const has = (...names) => names.every((n) => Boolean(env[n]))
if (platform === 'mac' || platform === 'win') {
  const signed = has('CSC_LINK') || has('CSC_NAME') || (platform === 'win' && has('WIN_CSC_LINK'))
  if (!signed) {
    env.CSC_IDENTITY_AUTO_DISCOVERY = 'false'
    say(
      `${platform === 'mac' ? 'macOS' : 'Windows'}: NOT signed (no CSC_LINK${platform === 'mac' ? ' or CSC_NAME' : ' or WIN_CSC_LINK'} in the environment)`
    )
  } else say(`${platform === 'mac' ? 'macOS' : 'Windows'}: signed with the certificate in the environment`)
}
if (platform === 'mac') {
  const notarise =
    has('APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID') ||
    has('APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER')
  args.push(`-c.mac.notarize=${notarise}`)
  say(
    notarise
      ? 'macOS: notarised with the Apple account in the environment'
      : 'macOS: NOT notarised (no APPLE_ID/APPLE_APP_SPECIFIC_PASSWORD/APPLE_TEAM_ID or APPLE_API_KEY/APPLE_API_KEY_ID/APPLE_API_ISSUER)'
  )
}
const feed = env.SECTIONED_UPDATE_URL
if (feed) {
  if (!/^https:\/\//.test(feed)) {
    console.error(`dist: SECTIONED_UPDATE_URL must be an https:// address (got “${feed}”)`)
    process.exit(2)
  }
  args.push('-c.publish.provider=generic', `-c.publish.url=${feed}`)
  say(`updates: the app follows ${feed}`)
} else say('updates: no SECTIONED_UPDATE_URL, so the app has no update feed and never checks')
if (env.ELECTRON_DIST) {
  args.push(`-c.electronDist=${path.resolve(env.ELECTRON_DIST)}`)
  say(`Electron: the unpacked distribution in ${env.ELECTRON_DIST}`)
}

const run = (cmd, cmdArgs) => {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, env, stdio: 'inherit', shell: process.platform === 'win32' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
if (!env.SECTIONED_DIST_SKIP_BUILD) {
  run('npx', ['electron-vite', 'build'])
  run(process.execPath, [path.join(root, 'scripts/build-node.mjs'), 'app'])
}
run(process.execPath, [path.join(root, 'node_modules/electron-builder/cli.js'), ...args, ...rest])
