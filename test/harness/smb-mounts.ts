/**
 * A real SMB share for tests: a private smbd on a free loopback port (its own smb.conf, passdb,
 * lock, state, cache and log folders in a temp dir; no system Samba configuration is read or
 * changed) sharing one folder, mounted twice with smbnetfs. Each mount has its own HOME with its own
 * `.smb/smbnetfs.conf` and `.smb/smbnetfs.auth` and is a separate SMB client with its own caches,
 * like the same share seen from two computers.
 *
 * Measured with samba 4.17 and smbnetfs 0.6 (Debian 12): smbnetfs ignores a port option, so the
 * port goes into the path (`<mount>/127.0.0.1:<port>/share`); `mkdir` is exclusive across the
 * mounts, an `O_CREAT|O_EXCL` create is not; a rename onto an existing file is an unlink then a
 * rename (EEXIST while the other mount has the file open, and a moment in between where the name is
 * missing); `O_APPEND` answers EIO; attributes are cached for about a second.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { collect, exited, mountedAs, unmountFuse, until } from './fuse-processes'
import { existsSync, promises as fs, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const SMBD_CANDIDATES = ['/usr/sbin/smbd', '/usr/bin/smbd']
const START_TIMEOUT_MS = 20_000
/** The share's name in smb.conf, and the password of the private passdb's one user (the one running the tests). */
const SHARE_NAME = 'share'
const PASSWORD = 'sectioned-test-password'

/** One running smbd with its smbnetfs mounts of the same folder. */
export interface SmbShare {
  /** The temp dir holding the configuration, the share and the mount points. */
  readonly base: string
  /** The shared folder itself, as the server sees it (a local path). */
  readonly share: string
  /** The shared folder as each smbnetfs mount shows it (`<mount>/127.0.0.1:<port>/share`), in order. */
  readonly folders: string[]
  /** The loopback port smbd listens on. */
  readonly port: number
  /** Unmounts every mount, stops smbd and removes `base`. Safe to call twice. */
  stop(): Promise<void>
}

/** Why the SMB suite cannot run here, in one line, or null when everything it needs is present. */
export function smbProblem(): string | null {
  const missing: string[] = []
  if (process.platform !== 'linux') return 'it runs on Linux only'
  if (process.getuid?.() !== 0) return 'it must run as root (smbd serves the share as a private user)'
  if (!existsSync('/dev/fuse')) missing.push('/dev/fuse')
  if (smbdPath() === null) missing.push('smbd (apt-get install samba)')
  if (!onPath('smbpasswd')) missing.push('smbpasswd (apt-get install samba)')
  if (!onPath('smbnetfs')) missing.push('smbnetfs (apt-get install smbnetfs)')
  if (!onPath('fusermount3') && !onPath('fusermount'))
    missing.push('fusermount3 or fusermount (apt-get install fuse3)')
  return missing.length ? `missing ${missing.join(', ')}` : null
}

function smbdPath(): string | null {
  return SMBD_CANDIDATES.find((p) => existsSync(p)) ?? null
}

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0
}

/**
 * Starts smbd and mounts its share `mountCount` times with smbnetfs (default options). Everything is
 * undone by `stop()`, and also when the process exits.
 */
export async function startSmbShare(mountCount = 2): Promise<SmbShare> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-smb-'))
  const share = path.join(base, 'share')
  await fs.mkdir(share)
  const owned = new OwnedProcesses(base)
  try {
    const port = await freePort()
    await writeServerConfig(base, share, port)
    owned.smbd = await startSmbd(base, port)
    const folders: string[] = []
    for (let i = 1; i <= mountCount; i++) {
      const point = path.join(base, `m${i}`)
      owned.mounts.set(point, await mountSmbnetfs(base, `m${i}`, point))
      const folder = path.join(point, `127.0.0.1:${port}`, SHARE_NAME)
      await untilListed(folder, owned.mounts.get(point) ?? null)
      folders.push(folder)
    }
    return { base, share, folders, port, stop: () => owned.stop() }
  } catch (err) {
    await owned.stop()
    throw err
  }
}

/** The smbd and smbnetfs processes of one share; stops them (unmounting first) on demand or at exit. */
class OwnedProcesses {
  smbd: ChildProcess | null = null
  readonly mounts = new Map<string, ChildProcess>()
  private stopped = false
  private readonly atExit = () => this.stopNow()
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.stopNow()
    process.kill(process.pid, signal)
  }

  constructor(private readonly base: string) {
    process.once('exit', this.atExit)
    process.once('SIGINT', this.onSignal)
    process.once('SIGTERM', this.onSignal)
  }

  /** Unmounts, waits for smbnetfs to end, stops smbd (its whole session), removes the temp dir. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.forgetHandlers()
    for (const [point, child] of this.mounts) {
      unmount(point)
      if (!(await exited(child, 5_000))) child.kill('SIGKILL')
    }
    if (this.smbd) {
      killGroup(this.smbd, 'SIGTERM')
      if (!(await exited(this.smbd, 5_000))) killGroup(this.smbd, 'SIGKILL')
    }
    // Never recurse into a mount that is still there: that would delete through it, or hang.
    if (![...this.mounts.keys()].some(isMounted)) {
      await fs.rm(this.base, { recursive: true, force: true }).catch(() => undefined)
    }
  }

  /** The synchronous last resort at process exit or on a signal: lazy unmounts, kill by pid. */
  private stopNow(): void {
    if (this.stopped) return
    this.stopped = true
    this.forgetHandlers()
    for (const [point, child] of this.mounts) {
      unmount(point, true)
      child.kill('SIGKILL')
    }
    if (this.smbd) killGroup(this.smbd, 'SIGKILL')
    if (![...this.mounts.keys()].some(isMounted)) rmSync(this.base, { recursive: true, force: true })
  }

  private forgetHandlers(): void {
    process.off('exit', this.atExit)
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
  }
}

/**
 * smbd forks a child per client connection. It runs in its own session (setsid, see startSmbd), so
 * its process group is exactly smbd and its children: signal the group, never anything broader.
 */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    child.kill(signal)
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))))
    })
  })
}

/** A self-contained smb.conf (loopback only, every private folder in `base`) and its one user. */
async function writeServerConfig(base: string, share: string, port: number): Promise<void> {
  const dirs = ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc', 'log']
  for (const d of dirs) await fs.mkdir(path.join(base, d), { mode: 0o700 })
  const at = (d: string) => path.join(base, d)
  const conf = [
    '[global]',
    '  netbios name = SECTIONEDTEST',
    '  workgroup = WORKGROUP',
    '  server role = standalone server',
    `  smb ports = ${port}`,
    '  interfaces = 127.0.0.1',
    '  bind interfaces only = yes',
    '  disable netbios = yes',
    '  server services = -nbt',
    `  private dir = ${at('private')}`,
    `  lock directory = ${at('lock')}`,
    `  state directory = ${at('state')}`,
    `  cache directory = ${at('cache')}`,
    `  pid directory = ${at('pid')}`,
    `  ncalrpc dir = ${at('ncalrpc')}`,
    `  log file = ${at('log')}/log.%m`,
    `  passdb backend = tdbsam:${at('private')}/passdb.tdb`,
    '  load printers = no',
    '  printcap name = /dev/null',
    '  disable spoolss = yes',
    '',
    `[${SHARE_NAME}]`,
    `  path = ${share}`,
    '  read only = no',
    `  valid users = ${os.userInfo().username}`,
    ''
  ].join('\n')
  await fs.writeFile(path.join(base, 'smb.conf'), conf)
  // The passdb is private (see smb.conf): the user running the tests gets a password there only.
  const r = spawnSync('smbpasswd', ['-c', path.join(base, 'smb.conf'), '-s', '-a', os.userInfo().username], {
    input: `${PASSWORD}\n${PASSWORD}\n`
  })
  if (r.status !== 0) throw new Error(`smbpasswd failed: ${`${r.stderr}${r.stdout}`.trim()}`)
}

/**
 * Runs smbd in the foreground in its own session (setsid: its connection children can be signalled
 * as one group, and a Ctrl+C at the terminal reaches the test's exit handler, not smbd first) and
 * resolves once it accepts connections.
 */
async function startSmbd(base: string, port: number): Promise<ChildProcess> {
  const args = [
    '--foreground',
    '--no-process-group',
    '--debug-stdout',
    '-d',
    '1',
    '-s',
    path.join(base, 'smb.conf')
  ]
  // detached: setsid() in the child.
  const child = spawn(smbdPath() ?? 'smbd', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  const log = collect(child)
  child.stdout?.on('data', (d: Buffer) => (log.text += d.toString()))
  let listening = false
  const probe = setInterval(() => {
    const socket = net.connect(port, '127.0.0.1', () => {
      listening = true
      socket.destroy()
    })
    socket.on('error', () => socket.destroy())
  }, 50)
  try {
    await until(
      () => listening,
      child,
      () => `smbd did not start: ${log.text.trim()}`,
      START_TIMEOUT_MS
    )
  } finally {
    clearInterval(probe)
  }
  return child
}

/** Mounts the server at `point` with smbnetfs in the foreground (so this process owns it), its own HOME. */
async function mountSmbnetfs(base: string, name: string, point: string): Promise<ChildProcess> {
  await fs.mkdir(point)
  const home = path.join(base, `home-${name}`)
  const dotSmb = path.join(home, '.smb')
  await fs.mkdir(dotSmb, { recursive: true, mode: 0o700 })
  // libsmbclient reads ~/.smb/smb.conf (and not the system one when this one exists).
  await fs.writeFile(path.join(dotSmb, 'smb.conf'), '[global]\n  client min protocol = SMB2\n')
  await fs.writeFile(
    path.join(dotSmb, 'smbnetfs.auth'),
    `auth "127.0.0.1" "${os.userInfo().username}" "${PASSWORD}"\n`,
    { mode: 0o600 }
  )
  await fs.writeFile(
    path.join(dotSmb, 'smbnetfs.conf'),
    ['include "smbnetfs.auth"', 'smb_query_browsers false', ''].join('\n')
  )
  const options = [
    `config=${path.join(dotSmb, 'smbnetfs.conf')}`,
    `log_file=${path.join(base, `${name}.log`)}`
  ]
  const child = spawn('smbnetfs', [point, '-f', '-o', options.join(',')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, HOME: home }
  })
  const log = collect(child)
  await until(
    () => isMounted(point),
    child,
    () => `smbnetfs could not mount ${point}: ${log.text.trim()}`,
    START_TIMEOUT_MS
  )
  return child
}

/** Waits until the share can be listed through the mount (smbnetfs connects on first use). */
async function untilListed(folder: string, child: ChildProcess | null): Promise<void> {
  const started = Date.now()
  for (;;) {
    const err = await fs.readdir(folder).then(
      () => null,
      (e: Error) => e
    )
    if (!err) return
    if (!child || child.exitCode !== null || Date.now() - started > START_TIMEOUT_MS)
      throw new Error(`the share is not reachable at ${folder}: ${err.message}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** True while `point` is an smbnetfs mount in this process's mount table. */
export function isMounted(point: string): boolean {
  return mountedAs(point, 'fuse.smbnetfs')
}

function unmount(point: string, lazy = false): void {
  unmountFuse(point, isMounted, lazy)
}
