import { promises as fs, readFileSync, realpathSync } from 'node:fs'
import path from 'node:path'

/** The file system a folder lives on, and whether other computers can change it without us seeing events. */
export interface MountInfo {
  /** Kernel name of the file system (`ext4`, `nfs4`, `fuse.sshfs`…), or `unknown` where it cannot be read. */
  fsType: string
  /** Where that file system is mounted (the longest mount point that contains the folder). */
  mountPoint: string
  /** True for network file systems: changes made by other machines raise no local events there. */
  network: boolean
}

/** One line of `/proc/self/mounts`, with its octal escapes decoded. */
export interface MountEntry {
  device: string
  mountPoint: string
  fsType: string
}

/**
 * Network file systems by their kernel name. Any FUSE file system counts too (`fuse`, `fuse.sshfs`,
 * `fuse.smbnetfs`, `fuse.bindfs`…): it may be backed by anything, and inotify sees only the changes
 * made through this machine's own mount. `fuseblk` (ntfs-3g on a local disk) is not in the list.
 */
const NETWORK_TYPES = new Set([
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  '9p',
  'afs',
  'ceph',
  'glusterfs',
  'davfs'
])

/** True when changes on a file system of this type can come from other machines without local events. */
export function isNetworkFsType(fsType: string): boolean {
  return NETWORK_TYPES.has(fsType) || fsType === 'fuse' || fsType.startsWith('fuse.')
}

/** `/proc/mounts` writes space, tab, newline and backslash in fields as `\040`, `\011`, `\012`, `\134`. */
function decodeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)))
}

/** Parses the text of `/proc/self/mounts` (or `/proc/mounts`); malformed lines are skipped. */
export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = []
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 3 || fields[0] === '') continue
    out.push({ device: decodeField(fields[0]), mountPoint: decodeField(fields[1]), fsType: fields[2] })
  }
  return out
}

/**
 * The mount that holds `realPath` (an absolute, symlink-free path): the longest mount point that is
 * the path itself or one of its parents. On equal mount points the later line wins, because a later
 * mount hides an earlier one at the same place.
 */
export function findMount(entries: MountEntry[], realPath: string): MountEntry | null {
  let best: MountEntry | null = null
  for (const e of entries) {
    if (!containsPath(e.mountPoint, realPath)) continue
    if (!best || e.mountPoint.length >= best.mountPoint.length) best = e
  }
  return best
}

function containsPath(mountPoint: string, p: string): boolean {
  if (mountPoint === '/') return p.startsWith('/')
  const mp = mountPoint.replace(/\/+$/, '')
  return p === mp || p.startsWith(`${mp}/`)
}

/**
 * Finds out which file system a folder is on. Linux reads `/proc/self/mounts`. macOS and Windows
 * have no such table to read without native code, so they report `unknown` (and not network) —
 * except Windows UNC paths (`\\server\share`), which are network shares by construction; a mapped
 * drive letter is not recognised, which is why the watch-mode setting (`native`/`polling`) overrides
 * this detection.
 */
export async function detectMount(folder: string): Promise<MountInfo> {
  const real = await fs.realpath(folder).catch(() => path.resolve(folder))
  if (process.platform === 'win32') return mountOfReal(real, null)
  return mountOfReal(real, await fs.readFile('/proc/self/mounts', 'utf8').catch(() => null))
}

/**
 * {@link detectMount} without waiting: for a caller that must know at once (share-fs, when a
 * workspace is registered). Reading `/proc/self/mounts` takes well under a millisecond.
 */
export function detectMountSync(folder: string): MountInfo {
  let real: string
  try {
    real = realpathSync(folder)
  } catch {
    real = path.resolve(folder)
  }
  if (process.platform === 'win32') return mountOfReal(real, null)
  let text: string | null
  try {
    text = readFileSync('/proc/self/mounts', 'utf8')
  } catch {
    text = null
  }
  return mountOfReal(real, text)
}

/** The mount of `real` (a real path) given the mount table's text (null where there is none). */
function mountOfReal(real: string, mountsText: string | null): MountInfo {
  if (process.platform === 'win32' && /^\\\\[^\\?.]/.test(real)) {
    const share = real.split('\\').slice(0, 4).join('\\')
    return { fsType: 'smb (UNC path)', mountPoint: share, network: true }
  }
  const mount = mountsText === null ? null : findMount(parseMounts(mountsText), real)
  if (!mount) return { fsType: 'unknown', mountPoint: path.parse(real).root, network: false }
  return { fsType: mount.fsType, mountPoint: mount.mountPoint, network: isNetworkFsType(mount.fsType) }
}
