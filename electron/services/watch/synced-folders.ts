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
 * The folder names the clients make in the writer's home folder (compared without case, as macOS
 * and Windows compare names): `C:\Users\ann\OneDrive - Contoso`, `~/Dropbox (Team)`,
 * `~/Google Drive` (Backup and Sync), `C:\Users\ann\iCloudDrive`. Only there: a folder of the
 * same name elsewhere (a clone of a sync client's sources, `~/code/dropbox`) is not a synced one.
 */
const IN_HOME: [SyncClient, RegExp][] = [
  ['OneDrive', /^onedrive(?:$| - )/],
  ['Dropbox', /^dropbox(?:$| \()/],
  ['Google Drive', /^google ?drive$/],
  ['iCloud Drive', /^icloud ?drive$/]
]
/** Under macOS's `~/Library/CloudStorage` each provider's folder is `<Provider>[-<account>]`. */
const IN_CLOUD_STORAGE: [SyncClient, RegExp][] = [
  ['OneDrive', /^onedrive(?:$|-)/],
  ['Dropbox', /^dropbox(?:$|-)/],
  ['Google Drive', /^googledrive(?:$|-)/]
]
/** Folders looked in for Syncthing's marker: the workspace folder and a few above it. */
const MARKER_LEVELS = 5

/** Where the path's folders below the home folder start (`C:\Users\ann\…`, `/Users/ann/…`, `/home/ann/…`), or -1. */
function belowHome(names: readonly string[], platform: NodeJS.Platform): number {
  if (platform === 'win32')
    return /^[a-z]:$/.test(names[0] ?? '') && names[1] === 'users' && names[2] ? 3 : -1
  if (platform === 'darwin') return names[0] === 'users' && names[1] ? 2 : -1
  if (names[0] === 'home' && names[1]) return 2
  return names[0] === 'root' ? 1 : -1
}

/**
 * The sync client that keeps `realPath` (an absolute, symlink-free path on `platform`), or null.
 * `volumeName`: the label of the Windows drive the path is on (Google Drive's virtual drive is
 * labelled `Google Drive`). `hasMarker`: whether a given file exists (mount-type.ts asks the disk) —
 * Syncthing marks the folders it syncs with `.stfolder`.
 */
export function syncClientOf(
  realPath: string,
  platform: NodeJS.Platform,
  volumeName: string | null,
  hasMarker: (file: string) => boolean
): SyncClient | null {
  if (volumeName?.toLowerCase() === 'google drive') return 'Google Drive'
  const p = platform === 'win32' ? path.win32 : path.posix
  const names = realPath
    .split(platform === 'win32' ? /[\\/]+/ : /\/+/)
    .filter(Boolean)
    .map((n) => n.toLowerCase())
  const home = belowHome(names, platform)
  if (home >= 0 && home < names.length) {
    for (const [client, re] of IN_HOME) if (re.test(names[home])) return client
    if (platform === 'darwin' && names[home] === 'library') {
      const [where, what] = [names[home + 1], names[home + 2] ?? '']
      if (where === 'cloudstorage')
        for (const [client, re] of IN_CLOUD_STORAGE) if (re.test(what)) return client
      if (where === 'mobile documents' && what === 'com~apple~clouddocs') return 'iCloud Drive'
    }
  }
  let dir = realPath
  for (let level = 0; level < MARKER_LEVELS; level++) {
    if (hasMarker(p.join(dir, '.stfolder'))) return 'Syncthing'
    if (p.dirname(dir) === dir) break
    dir = p.dirname(dir)
  }
  return null
}
