import { describe, expect, it } from 'vitest'
import { parseMacMount, parseWindowsDrives } from './mount-tables'
import { mountFrom } from './mount-type'
import { syncClientOf } from './synced-folders'
import { chooseWatchMode } from './watch-mode'

/** macOS 14's `mount`, as printed on a laptop with an SMB, NFS, AFP, WebDAV and macFUSE mount. */
const MAC_MOUNT = `/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)
devfs on /dev (devfs, local, nobrowse)
/dev/disk3s6 on /System/Volumes/VM (apfs, local, noexec, journaled, noatime, nobrowse)
/dev/disk3s5 on /System/Volumes/Data (apfs, local, journaled, nobrowse, protect)
map auto_home on /System/Volumes/Data/home (autofs, automounted, nobrowse)
//ann@fileserver._smb._tcp.local/Team%20Docs on /Volumes/Team Docs (smbfs, nodev, nosuid, mounted by ann)
fileserver:/export/book on /Volumes/book (nfs, nodev, nosuid, mounted by ann)
afp_2Jx1Ad0IxAtd00jvJv0XBEgp-2.2d000005 on /Volumes/Public (afpfs, nodev, nosuid, mounted by ann)
https://dav.example.com/remote.php/webdav/ on /Volumes/webdav (webdav, nodev, noexec, nosuid, mounted by ann)
ann@studio:/home/ann on /Users/ann/studio (macfuse, nodev, nosuid, synchronous, mounted by ann)
/dev/disk4s1 on /Volumes/USB Stick (msdos, local, nodev, nosuid, noowners)
`

/** Windows 11's PowerShell answer to WINDOWS_DRIVES_COMMAND: C: local, G: Google's virtual drive, Z: mapped. */
const WIN_DRIVES = JSON.stringify([
  { DeviceID: 'C:', DriveType: 3, ProviderName: null, FileSystem: 'NTFS', VolumeName: 'Windows' },
  { DeviceID: 'D:', DriveType: 5, ProviderName: null, FileSystem: null, VolumeName: null },
  { DeviceID: 'G:', DriveType: 3, ProviderName: null, FileSystem: 'FAT32', VolumeName: 'Google Drive' },
  { DeviceID: 'Z:', DriveType: 4, ProviderName: '\\\\nas\\team', FileSystem: 'NTFS', VolumeName: 'team' }
])

const noMarker = () => false

describe('macOS: the mount command', () => {
  const table = { kind: 'posix' as const, entries: parseMacMount(MAC_MOUNT) }

  it('reads device, mount point (spaces kept) and type', () => {
    expect(table.entries).toHaveLength(11)
    expect(table.entries[5]).toEqual({
      device: '//ann@fileserver._smb._tcp.local/Team%20Docs',
      mountPoint: '/Volumes/Team Docs',
      fsType: 'smbfs'
    })
    expect(parseMacMount('nonsense\n\n')).toEqual([])
  })

  it.each([
    ['/Volumes/Team Docs/book', 'smbfs'],
    ['/Volumes/book/ch1', 'nfs'],
    ['/Volumes/Public/x', 'afpfs'],
    ['/Volumes/webdav/x', 'webdav'],
    ['/Users/ann/studio/book', 'macfuse']
  ])('%s is on %s, a network file system: polled', (folder, fsType) => {
    const info = mountFrom(folder, 'darwin', table, noMarker)
    expect(info).toMatchObject({ fsType, network: true, synced: null })
    expect(chooseWatchMode(info, 'auto').mode).toBe('polling')
  })

  it.each([
    ['/Users/ann/Documents/book', 'apfs'],
    ['/Volumes/USB Stick/book', 'msdos']
  ])('%s is on %s, local: native events', (folder, fsType) => {
    const info = mountFrom(folder, 'darwin', table, noMarker)
    expect(info).toMatchObject({ fsType, network: false })
    expect(chooseWatchMode(info, 'auto').mode).toBe('native')
  })
})

describe('Windows: drive types and UNC paths', () => {
  const table = { kind: 'windows' as const, drives: parseWindowsDrives(WIN_DRIVES) }

  it('reads each drive letter, and one drive given as an object (not a list)', () => {
    expect(table.drives.map((d) => [d.letter, d.driveType])).toEqual([
      ['C:', 3],
      ['D:', 5],
      ['G:', 3],
      ['Z:', 4]
    ])
    expect(parseWindowsDrives(JSON.stringify({ DeviceID: 'c:', DriveType: 4 }))).toMatchObject([
      { letter: 'C:', driveType: 4, provider: null }
    ])
    expect(parseWindowsDrives('')).toEqual([])
    expect(parseWindowsDrives('Get-CimInstance : Access denied')).toEqual([])
    expect(parseWindowsDrives('[{"DeviceID":"nonsense","DriveType":4}]')).toEqual([])
  })

  it('a mapped network drive is network, named with the share behind it', () => {
    const info = mountFrom('Z:\\book\\chapters', 'win32', table, noMarker)
    expect(info).toEqual({
      fsType: 'network drive Z: → \\\\nas\\team',
      mountPoint: 'Z:\\',
      network: true,
      synced: null
    })
    expect(chooseWatchMode(info, 'auto').mode).toBe('polling')
  })

  it('a UNC path is network without any table', () => {
    const info = mountFrom('\\\\nas\\team\\book', 'win32', null, noMarker)
    expect(info).toMatchObject({ fsType: 'smb (UNC path)', mountPoint: '\\\\nas\\team', network: true })
  })

  it('a local disk is local; a drive the table does not have is unknown', () => {
    expect(mountFrom('c:\\Users\\ann\\book', 'win32', table, noMarker)).toMatchObject({
      fsType: 'ntfs',
      network: false,
      synced: null
    })
    expect(mountFrom('Q:\\x', 'win32', table, noMarker)).toMatchObject({ fsType: 'unknown', network: false })
    expect(mountFrom('C:\\x', 'win32', null, noMarker)).toMatchObject({ fsType: 'unknown', network: false })
  })

  it("Google Drive's virtual drive is known by its label, and polled with a warning", () => {
    const info = mountFrom('G:\\My Drive\\book', 'win32', table, noMarker)
    expect(info).toMatchObject({ network: false, synced: 'Google Drive' })
    const choice = chooseWatchMode(info, 'auto', 1000)
    expect(choice.mode).toBe('polling')
    expect(choice.reason).toContain('kept by Google Drive')
    expect(choice.reason).toContain('only as good as Google Drive')
  })
})

describe('synced folders', () => {
  it.each([
    ['C:\\Users\\ann\\OneDrive\\book', 'win32', 'OneDrive'],
    ['C:\\Users\\ann\\OneDrive - Contoso\\book', 'win32', 'OneDrive'],
    ['C:\\Users\\ann\\Dropbox (Team)\\book', 'win32', 'Dropbox'],
    ['C:\\Users\\ann\\iCloudDrive\\book', 'win32', 'iCloud Drive'],
    ['/Users/ann/Library/CloudStorage/OneDrive-Contoso/book', 'darwin', 'OneDrive'],
    ['/Users/ann/Library/CloudStorage/Dropbox/book', 'darwin', 'Dropbox'],
    ['/Users/ann/Library/CloudStorage/GoogleDrive-ann@example.com/My Drive/book', 'darwin', 'Google Drive'],
    ['/Users/ann/Library/Mobile Documents/com~apple~CloudDocs/book', 'darwin', 'iCloud Drive'],
    ['/home/ann/Dropbox/book', 'linux', 'Dropbox']
  ] as const)('%s is kept by %s', (folder, platform, client) => {
    expect(syncClientOf(folder, platform, null, noMarker)).toBe(client)
  })

  it.each([
    ['/home/ann/projects/dropbox-clone/docs', 'linux'],
    ['/home/ann/src/onedrive/docs', 'linux'],
    ['/home/ann/code/dropbox/docs', 'linux'],
    ['/home/ann/my drive/docs', 'linux'],
    ['/srv/Dropbox/docs', 'linux'],
    ['C:\\Users\\ann\\Documents\\book', 'win32'],
    ['D:\\My Drive\\notes', 'win32'],
    ['C:\\Projects\\OneDrive\\book', 'win32'],
    ['/Users/ann/Library/CloudStorage-old/Dropbox-x', 'darwin'],
    ['/Volumes/Share/Dropbox/book', 'darwin']
  ] as const)('%s is not synced', (folder, platform) => {
    expect(syncClientOf(folder, platform, null, noMarker)).toBeNull()
  })

  it("finds Syncthing's marker in the folder or a parent, on the platform's own paths", () => {
    const asked: string[] = []
    const marker = (at: string) => (file: string) => (asked.push(file), file === at)
    expect(syncClientOf('/srv/sync/team/book', 'linux', null, marker('/srv/sync/.stfolder'))).toBe(
      'Syncthing'
    )
    expect(asked).toEqual([
      '/srv/sync/team/book/.stfolder',
      '/srv/sync/team/.stfolder',
      '/srv/sync/.stfolder'
    ])
    expect(syncClientOf('D:\\sync\\book', 'win32', null, marker('D:\\sync\\.stfolder'))).toBe('Syncthing')
    expect(syncClientOf('/srv/plain', 'linux', null, marker('/nowhere/.stfolder'))).toBeNull()
  })

  it('a synced folder on a network drive polls as a network drive, with the sync warning too', () => {
    const choice = chooseWatchMode(
      { fsType: 'nfs', mountPoint: '/mnt', network: true, synced: 'Dropbox' },
      'auto',
      1000
    )
    expect(choice.mode).toBe('polling')
    expect(choice.reason).toContain('nfs is a network file system')
    expect(choice.reason).toContain('only as good as Dropbox')
    // The setting still wins, and the warning stays.
    const forced = chooseWatchMode(
      { fsType: 'ext4', mountPoint: '/', network: false, synced: 'Dropbox' },
      'native'
    )
    expect(forced.mode).toBe('native')
    expect(forced.reason).toContain('only as good as Dropbox')
  })
})
