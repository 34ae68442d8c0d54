import { existsSync, promises as fs, readFileSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { NETWORK_DRIVE, platformTableIfRead, readPlatformTable, type MountTable } from './mount-tables'
import { syncClientOf, type SyncClient } from './synced-folders'

/** The file system a folder lives on, and whether other computers can change it without us seeing events. */
export interface MountInfo {
  /** Kernel name of the file system (`ext4`, `nfs4`, `fuse.sshfs`…), or `unknown` where it cannot be read. */
  fsType: string
  /** Where that file system is mounted (the longest mount point that contains the folder). */
  mountPoint: string
  /** True for network file systems: changes made by other machines raise no local events there. */
  network: boolean
  /** The sync client that keeps the folder (OneDrive, Dropbox…), or null/absent: none known. */
  synced?: SyncClient | null
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
  'davfs',
  // macOS (its `mount` command's names): SMB, AFP, WebDAV, and FUSE file systems (sshfs and others).
  'afpfs',
  'webdav',
  'macfuse',
  'osxfuse',
  'fusefs'
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
 * Finds out which file system a folder is on: Linux from `/proc/self/mounts`, macOS from its
 * `mount` command, Windows from its drive letters' types (a mapped network drive is type 4) and
 * UNC paths (`\\server\share`, network by construction); also whether a sync client keeps it.
 * Where the table cannot be read the type is `unknown` (and not network), and the watch-mode
 * setting (`native`/`polling`) decides.
 */
export async function detectMount(folder: string): Promise<MountInfo> {
  const real = await fs.realpath(folder).catch(() => path.resolve(folder))
  const platform = process.platform
  if (platform === 'darwin' || platform === 'win32')
    return mountFrom(real, platform, await readPlatformTable(platform))
  const text = await fs.readFile('/proc/self/mounts', 'utf8').catch(() => null)
  return mountFrom(real, platform, text === null ? null : { kind: 'posix', entries: parseMounts(text) })
}

/**
 * {@link detectMount} without waiting: for a caller that must know at once (share-fs, when a
 * workspace is registered). Reading `/proc/self/mounts` takes well under a millisecond; on macOS
 * and Windows only a table already read is used (their tools are never run and waited for here).
 */
export function detectMountSync(folder: string): MountInfo {
  let real: string
  try {
    real = realpathSync(folder)
  } catch {
    real = path.resolve(folder)
  }
  const platform = process.platform
  if (platform === 'darwin' || platform === 'win32')
    return mountFrom(real, platform, platformTableIfRead(platform))
  let text: string | null
  try {
    text = readFileSync('/proc/self/mounts', 'utf8')
  } catch {
    text = null
  }
  return mountFrom(real, platform, text === null ? null : { kind: 'posix', entries: parseMounts(text) })
}

/**
 * The mount of `real` (a real path on `platform`) given its mount table (null where there is
 * none); `hasMarker` looks for a sync client's marker file (see synced-folders.ts).
 */
export function mountFrom(
  real: string,
  platform: NodeJS.Platform,
  table: MountTable | null,
  hasMarker: (file: string) => boolean = existsSync
): MountInfo {
  const { volumeName, ...base } = baseMount(real, platform, table)
  return { ...base, synced: syncClientOf(real, platform, volumeName, hasMarker) }
}

function baseMount(
  real: string,
  platform: NodeJS.Platform,
  table: MountTable | null
): Omit<MountInfo, 'synced'> & { volumeName: string | null } {
  if (platform === 'win32') {
    if (/^\\\\[^\\?.]/.test(real)) {
      const share = real.split('\\').slice(0, 4).join('\\')
      return { fsType: 'smb (UNC path)', mountPoint: share, network: true, volumeName: null }
    }
    const letter = /^([A-Za-z]:)/.exec(real)?.[1].toUpperCase()
    const drive = table?.kind === 'windows' ? table.drives.find((d) => d.letter === letter) : undefined
    if (!letter || !drive)
      return { fsType: 'unknown', mountPoint: path.win32.parse(real).root, network: false, volumeName: null }
    const mountPoint = `${letter}\\`
    if (drive.driveType === NETWORK_DRIVE) {
      const behind = drive.provider ? ` → ${drive.provider}` : ''
      return {
        fsType: `network drive ${letter}${behind}`,
        mountPoint,
        network: true,
        volumeName: drive.volumeName
      }
    }
    const fsType = drive.fileSystem?.toLowerCase() ?? 'unknown'
    return { fsType, mountPoint, network: false, volumeName: drive.volumeName }
  }
  const mount = table?.kind === 'posix' ? findMount(table.entries, real) : null
  if (!mount)
    return { fsType: 'unknown', mountPoint: path.parse(real).root, network: false, volumeName: null }
  return {
    fsType: mount.fsType,
    mountPoint: mount.mountPoint,
    network: isNetworkFsType(mount.fsType),
    volumeName: null
  }
}
