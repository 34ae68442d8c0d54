/**
 * The mount tables of macOS and Windows, which have no `/proc/self/mounts`: macOS's `mount` command
 * (one line per mount: `<device> on <mount point> (<type>, <flags>…)`) and Windows' logical disks
 * from PowerShell (`Win32_LogicalDisk`: a drive letter's type — 4 is a network drive — and, for a
 * mapped drive, the share behind it). Read by running the tool (no native module to build for three
 * platforms), parsed by pure functions that the tests feed recorded outputs.
 */
import { execFile } from 'node:child_process'
import type { MountEntry } from './mount-type'

/** A Windows drive letter as `Win32_LogicalDisk` describes it. */
export interface WindowsDrive {
  /** `C:`, `Z:`. */
  letter: string
  /** 0 unknown, 1 no root, 2 removable, 3 local disk, 4 network drive, 5 CD, 6 RAM disk. */
  driveType: number
  /** The share behind a mapped drive (`\\server\share`), else null. */
  provider: string | null
  /** `NTFS`, `FAT32`, `ReFS`…, or null. */
  fileSystem: string | null
  /** The volume's label (`Google Drive` for Google's virtual drive), or null. */
  volumeName: string | null
}

/** What a platform's tool said about its mounts. */
export type MountTable =
  { kind: 'posix'; entries: MountEntry[] } | { kind: 'windows'; drives: WindowsDrive[] }

/** `Win32_LogicalDisk.DriveType` of a network drive. */
export const NETWORK_DRIVE = 4

/** The lines of macOS's `mount`: `//ann@nas/Team on /Volumes/Team (smbfs, nodev, nosuid, mounted by ann)`. */
const MAC_LINE = /^(.*) on (\/.*) \(([^,()]+)(?:,[^()]*)?\)$/

/** Parses the output of macOS's `mount` (also what the BSDs print); other lines are skipped. */
export function parseMacMount(text: string): MountEntry[] {
  const out: MountEntry[] = []
  for (const line of text.split('\n')) {
    const m = MAC_LINE.exec(line.trim())
    if (m) out.push({ device: m[1], mountPoint: m[2], fsType: m[3].trim() })
  }
  return out
}

/** PowerShell's command: every logical disk as compact JSON (an object when there is only one). */
export const WINDOWS_DRIVES_COMMAND =
  'Get-CimInstance -ClassName Win32_LogicalDisk | Select-Object DeviceID,DriveType,ProviderName,FileSystem,VolumeName | ConvertTo-Json -Compress'

/** Parses {@link WINDOWS_DRIVES_COMMAND}'s output; anything that is not that is no drive. */
export function parseWindowsDrives(json: string): WindowsDrive[] {
  let value: unknown
  try {
    value = JSON.parse(json.trim() || 'null')
  } catch {
    return []
  }
  const list = Array.isArray(value) ? value : value === null ? [] : [value]
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null)
  const out: WindowsDrive[] = []
  for (const d of list) {
    if (typeof d !== 'object' || d === null) continue
    const r = d as Record<string, unknown>
    const letter = text(r.DeviceID)
    if (!letter || !/^[A-Za-z]:$/.test(letter)) continue
    out.push({
      letter: letter.toUpperCase(),
      driveType: typeof r.DriveType === 'number' ? r.DriveType : 0,
      provider: text(r.ProviderName),
      fileSystem: text(r.FileSystem),
      volumeName: text(r.VolumeName)
    })
  }
  return out
}

/** How long a table read is used again: mounts change rarely, and PowerShell takes most of a second. */
const TABLE_TTL_MS = 30_000
/** A tool that does not answer in this long is no answer (a hung network mount can stall `mount`). */
const TOOL_TIMEOUT_MS = 5_000

let cached: { platform: string; at: number; table: Promise<MountTable | null> } | null = null

function parsed(platform: NodeJS.Platform, out: string): MountTable {
  return platform === 'win32'
    ? { kind: 'windows', drives: parseWindowsDrives(out) }
    : { kind: 'posix', entries: parseMacMount(out) }
}

function tool(platform: NodeJS.Platform): [string, string[]] {
  return platform === 'win32'
    ? ['powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', WINDOWS_DRIVES_COMMAND]]
    : ['/sbin/mount', []]
}

/** What the tool last said, once it has answered (never waits, never runs it). */
let settled: { platform: string; at: number; table: MountTable | null } | null = null

/**
 * macOS's or Windows' mount table (null where the tool is missing or fails: then the type is
 * `unknown`, and the watch-mode setting decides). Only for `darwin` and `win32`. Callers at the
 * same moment share one run of the tool.
 */
export function readPlatformTable(platform: NodeJS.Platform): Promise<MountTable | null> {
  const now = performance.now()
  if (cached && cached.platform === platform && now - cached.at < TABLE_TTL_MS) return cached.table
  const [cmd, args] = tool(platform)
  const table = new Promise<MountTable | null>((resolve) =>
    execFile(cmd, args, { timeout: TOOL_TIMEOUT_MS, windowsHide: true }, (err, stdout) =>
      resolve(err ? null : parsed(platform, stdout))
    )
  ).then((t) => {
    settled = { platform, at: performance.now(), table: t }
    // A failed run is not kept: the next caller tries again.
    if (t === null && cached?.table === table) cached = null
    return t
  })
  cached = { platform, at: now, table }
  return table
}

/**
 * The table the tool last gave, without running it: a synchronous caller (share-fs registering a
 * root, on the Electron main thread) must not wait for PowerShell. openWorkspace reads the table
 * first (`detectMount`), so it is there by then; where it is not, the type is `unknown`.
 */
export function platformTableIfRead(platform: NodeJS.Platform): MountTable | null {
  return settled && settled.platform === platform && performance.now() - settled.at < TABLE_TTL_MS
    ? settled.table
    : null
}
