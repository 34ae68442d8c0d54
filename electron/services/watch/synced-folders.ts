/**
 * Folders kept by a sync client (OneDrive, Dropbox, Google Drive, iCloud Drive, Syncthing), known by
 * where the clients put them. On such a folder another computer's lock or save arrives only when
 * the client has copied it, and two computers can take the same section between two syncs: the
 * workspace is polled (a client replaces files in ways native events may miss) and the writers are
 * told that locks there are only as good as the sync client.
 */
import path from 'node:path'

/** The sync clients recognised. */
export type SyncClient = 'OneDrive' | 'Dropbox' | 'Google Drive' | 'iCloud Drive' | 'Syncthing'

/**
 * The folder names each client uses, per path segment (compared without case: macOS and Windows
 * compare names that way). Windows: `C:\Users\ann\OneDrive - Contoso`, `…\Dropbox (Team)`,
 * `G:\My Drive`, `…\iCloudDrive`. macOS: `~/Library/CloudStorage/OneDrive-Contoso`,
 * `…/Dropbox`, `…/GoogleDrive-ann@example.com/My Drive`, `~/Library/Mobile Documents/com~apple~CloudDocs`.
 */
const BY_SEGMENT: [SyncClient, RegExp][] = [
  ['OneDrive', /^onedrive(?:$| - )/],
  ['Dropbox', /^dropbox(?:$| \()/],
  ['Google Drive', /^google ?drive$/],
  ['iCloud Drive', /^(?:icloud ?drive$|com~apple~clouddocs$)/]
]
/** Under macOS's `~/Library/CloudStorage` each provider's folder is `<Provider>-<account>`. */
const IN_CLOUD_STORAGE: [SyncClient, RegExp][] = [
  ['OneDrive', /^onedrive-/],
  ['Dropbox', /^dropbox-/],
  ['Google Drive', /^googledrive-/]
]
/** Google Drive's own top folders: at a drive's root (its virtual drive on Windows) or under its folder. */
const GOOGLE_TOP = /^(?:my drive|shared drives)$/

/**
 * The sync client that keeps `realPath` (an absolute, symlink-free path on `platform`), or null.
 * `volumeName`: the label of the Windows drive the path is on (Google Drive's virtual drive is
 * labelled `Google Drive`). `hasMarker`: whether a given file exists (mount-type.ts asks the disk) — Syncthing marks the
 * folders it syncs with `.stfolder`; the workspace folder and its parents are asked.
 */
export function syncClientOf(
  realPath: string,
  platform: NodeJS.Platform,
  volumeName: string | null,
  hasMarker: (file: string) => boolean
): SyncClient | null {
  const p = platform === 'win32' ? path.win32 : path.posix
  if (volumeName?.toLowerCase() === 'google drive') return 'Google Drive'
  const names = realPath
    .split(platform === 'win32' ? /[\\/]+/ : /\/+/)
    .filter(Boolean)
    .map((n) => n.toLowerCase())
  for (let i = 0; i < names.length; i++) {
    const name = names[i]
    const parent = i > 0 ? names[i - 1] : ''
    for (const [client, re] of BY_SEGMENT) if (re.test(name)) return client
    if (parent === 'cloudstorage')
      for (const [client, re] of IN_CLOUD_STORAGE) if (re.test(name)) return client
    if (GOOGLE_TOP.test(name) && (/^[a-z]:$/.test(parent) || /^google ?drive/.test(parent)))
      return 'Google Drive'
  }
  for (let dir = realPath; ; dir = p.dirname(dir)) {
    if (hasMarker(p.join(dir, '.stfolder'))) return 'Syncthing'
    if (p.dirname(dir) === dir) return null
  }
}
