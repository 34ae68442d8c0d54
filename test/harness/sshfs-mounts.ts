/**
 * A real network drive for tests: a private sshd on a random loopback port (own config, host key
 * and authorized key in a temp dir; no system ssh configuration is read or changed) and one
 * folder mounted several times with sshfs. Each mount is a separate SFTP client with its own
 * caches, like the same share seen from two computers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { collect, exited, mountedAs, unmountFuse, until } from './fuse-processes'
import { existsSync, mkdirSync, promises as fs, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const SSHD = '/usr/sbin/sshd'
const START_TIMEOUT_MS = 15_000

/** One running sshd with its sshfs mounts of the same folder. */
export interface SshfsShare {
  /** The temp dir holding keys, config, the share and the mount points. */
  readonly base: string
  /** The shared folder itself, as the server sees it (a local path). */
  readonly share: string
  /** The sshfs mount points of `share`, in order. */
  readonly mounts: string[]
  /** The loopback port sshd listens on. */
  readonly port: number
  /** Mounts `share` once more (e.g. with different sshfs options) and returns the mount point. */
  mount(name: string, extraOptions?: string[]): Promise<string>
  /** Unmounts every mount, stops sshd and removes `base`. Safe to call twice. */
  stop(): Promise<void>
}

/** Why the sshfs suite cannot run here, in one line, or null when everything it needs is present. */
export function sshfsProblem(): string | null {
  const missing: string[] = []
  if (!existsSync('/dev/fuse')) missing.push('/dev/fuse')
  if (!onPath('sshfs')) missing.push('sshfs (apt-get install sshfs)')
  if (!existsSync(SSHD)) missing.push(`${SSHD} (apt-get install openssh-server)`)
  for (const tool of ['ssh', 'ssh-keygen']) {
    if (!onPath(tool)) missing.push(`${tool} (apt-get install openssh-client)`)
  }
  if (!onPath('fusermount3') && !onPath('fusermount'))
    missing.push('fusermount3 or fusermount (apt-get install fuse3)')
  return missing.length ? `missing ${missing.join(', ')}` : null
}

/**
 * How long sshfs keeps directory listings and attributes by default (its `dcache_timeout`), read
 * from the installed sshfs's help: within that time a mount may not see another mount's changes.
 */
export function sshfsCacheTimeoutMs(): number {
  const help = spawnSync('sshfs', ['-h'], { encoding: 'utf8' })
  const seconds = /dcache_timeout=N.*\(default: (\d+)\)/.exec(`${help.stdout}${help.stderr}`)?.[1]
  return (seconds ? Number(seconds) : 20) * 1000
}

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0
}

/**
 * Starts sshd and mounts one fresh folder `mountCount` times with sshfs's default options (its
 * default caching included). Everything is undone by `stop()`, and also when the process exits.
 */
export async function startSshfsShare(mountCount = 2): Promise<SshfsShare> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-sshfs-'))
  const share = path.join(base, 'share')
  await fs.mkdir(share)
  const owned = new OwnedProcesses(base)
  try {
    const port = await freePort()
    await generateKeys(base)
    await fs.writeFile(path.join(base, 'sshd_config'), sshdConfig(base, port))
    owned.sshd = await startSshd(base)
    const mount = async (name: string, extraOptions: string[] = []) => {
      const point = path.join(base, name)
      await fs.mkdir(point)
      owned.sshfs.set(point, await mountSshfs(base, port, share, point, extraOptions))
      return point
    }
    const mounts: string[] = []
    for (let i = 1; i <= mountCount; i++) mounts.push(await mount(`m${i}`))
    return { base, share, mounts, port, mount, stop: () => owned.stop() }
  } catch (err) {
    await owned.stop()
    throw err
  }
}

/** The sshd and sshfs processes of one share; stops them (unmounting first) on demand or at exit. */
class OwnedProcesses {
  sshd: ChildProcess | null = null
  readonly sshfs = new Map<string, ChildProcess>()
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

  /** Unmounts, waits for sshfs to end, stops sshd, removes the temp dir. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.forgetHandlers()
    for (const [point, child] of this.sshfs) {
      unmount(point)
      if (!(await exited(child, 5_000))) child.kill('SIGKILL')
    }
    if (this.sshd) {
      this.sshd.kill('SIGTERM')
      if (!(await exited(this.sshd, 5_000))) this.sshd.kill('SIGKILL')
    }
    // Never recurse into a mount that is still there: that would delete through it, or hang.
    if (![...this.sshfs.keys()].some(isMounted)) {
      await fs.rm(this.base, { recursive: true, force: true }).catch(() => undefined)
    }
  }

  /** The synchronous last resort at process exit or on a signal: lazy unmounts, kill by pid. */
  private stopNow(): void {
    if (this.stopped) return
    this.stopped = true
    this.forgetHandlers()
    for (const [point, child] of this.sshfs) {
      unmount(point, true)
      child.kill('SIGKILL')
    }
    this.sshd?.kill('SIGKILL')
    if (![...this.sshfs.keys()].some(isMounted)) rmSync(this.base, { recursive: true, force: true })
  }

  private forgetHandlers(): void {
    process.off('exit', this.atExit)
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
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

async function generateKeys(base: string): Promise<void> {
  for (const name of ['host_key', 'client_key']) {
    const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sectioned-test', '-f', name], {
      cwd: base
    })
    if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr?.toString().trim()}`)
  }
  await fs.copyFile(path.join(base, 'client_key.pub'), path.join(base, 'authorized_keys'))
}

/** A self-contained sshd configuration: key login only, loopback only, everything in `base`. */
function sshdConfig(base: string, port: number): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${path.join(base, 'host_key')}`,
    `AuthorizedKeysFile ${path.join(base, 'authorized_keys')}`,
    `PidFile ${path.join(base, 'sshd.pid')}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'StrictModes no',
    'UsePAM no',
    'UseDNS no',
    'Subsystem sftp internal-sftp',
    'LogLevel INFO',
    ''
  ].join('\n')
}

/** Runs `sshd -D -e` with the private config and resolves once it listens. */
async function startSshd(base: string): Promise<ChildProcess> {
  // sshd refuses to start without its privilege separation directory (absent in containers).
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 })
  const child = spawn(SSHD, ['-D', '-e', '-f', path.join(base, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe']
  })
  const log = collect(child)
  await until(
    () => log.text.includes('Server listening'),
    child,
    () => `sshd did not start: ${log.text.trim()}`,
    START_TIMEOUT_MS
  )
  return child
}

/** Mounts `share` at `point` with sshfs in the foreground (so this process owns it) and waits for the mount. */
async function mountSshfs(
  base: string,
  port: number,
  share: string,
  point: string,
  extraOptions: string[]
): Promise<ChildProcess> {
  const options = [
    `IdentityFile=${path.join(base, 'client_key')}`,
    'StrictHostKeyChecking=no',
    'UserKnownHostsFile=/dev/null',
    'BatchMode=yes',
    'LogLevel=ERROR',
    `port=${port}`,
    ...extraOptions
  ]
  const user = os.userInfo().username
  const child = spawn('sshfs', ['-f', '-o', options.join(','), `${user}@127.0.0.1:${share}`, point], {
    stdio: ['ignore', 'ignore', 'pipe']
  })
  const log = collect(child)
  await until(
    () => isMounted(point),
    child,
    () => `sshfs could not mount ${point}: ${log.text.trim()}`,
    START_TIMEOUT_MS
  )
  return child
}

/** True while `point` is an sshfs mount in this process's mount table. */
export function isMounted(point: string): boolean {
  return mountedAs(point, 'fuse.sshfs')
}

function unmount(point: string, lazy = false): void {
  unmountFuse(point, isMounted, lazy)
}
