import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { detectMount, findMount, isNetworkFsType, parseMounts } from './mount-type'

const SAMPLE = `sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
/dev/nvme0n1p2 / ext4 rw,relatime,errors=remount-ro 0 0
tmpfs /tmp tmpfs rw,nosuid,nodev 0 0
/dev/sdb1 /home xfs rw,relatime,attr2,inode64 0 0
/dev/sdc1 /data btrfs rw,relatime,ssd,space_cache=v2 0 0
fileserver:/export/team /mnt/team nfs4 rw,relatime,vers=4.2,hard,proto=tcp 0 0
//nas/Shared\\040Docs /mnt/nas\\040docs cifs rw,relatime,vers=3.1.1 0 0
ann@studio:/home/ann/book /home/ann/remote fuse.sshfs rw,nosuid,nodev,relatime,user_id=1000 0 0
/dev/sdd1 /media/usb fuseblk rw,nosuid,nodev,relatime 0 0
`

describe('parseMounts', () => {
  it('reads device, mount point and type, decoding octal escapes', () => {
    const entries = parseMounts(SAMPLE)
    expect(entries).toHaveLength(10)
    expect(entries[7]).toEqual({ device: '//nas/Shared Docs', mountPoint: '/mnt/nas docs', fsType: 'cifs' })
    expect(parseMounts('garbage\n\n  \n')).toEqual([])
  })

  it('finds the longest mount point that contains the path, on path boundaries', () => {
    const entries = parseMounts(SAMPLE)
    expect(findMount(entries, '/home/ann/remote/chapters')?.fsType).toBe('fuse.sshfs')
    expect(findMount(entries, '/home/ann/remote')?.fsType).toBe('fuse.sshfs')
    expect(findMount(entries, '/home/ann/remote-copy')?.fsType).toBe('xfs')
    expect(findMount(entries, '/mnt/nas docs/book')?.fsType).toBe('cifs')
    expect(findMount(entries, '/mnt/team/x.md')?.fsType).toBe('nfs4')
    expect(findMount(entries, '/var/lib')?.fsType).toBe('ext4')
  })

  it('lets a later mount on the same point hide an earlier one', () => {
    const entries = parseMounts('/dev/a /mnt/x ext4 rw 0 0\nsrv:/e /mnt/x nfs rw 0 0\n')
    expect(findMount(entries, '/mnt/x/doc.md')?.fsType).toBe('nfs')
  })
})

describe('isNetworkFsType', () => {
  it.each(['nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', '9p', 'afs', 'ceph', 'glusterfs', 'davfs'])(
    '%s is a network file system',
    (t) => expect(isNetworkFsType(t)).toBe(true)
  )
  it.each(['fuse', 'fuse.sshfs', 'fuse.smbnetfs', 'fuse.bindfs'])('%s (FUSE) counts as network', (t) =>
    expect(isNetworkFsType(t)).toBe(true)
  )
  it.each(['ext4', 'xfs', 'btrfs', 'tmpfs', 'fuseblk', 'overlay', 'zfs'])('%s is local', (t) =>
    expect(isNetworkFsType(t)).toBe(false)
  )
})

describe('detectMount', () => {
  let dir = ''
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
    dir = ''
  })

  it('reports a real folder on this machine', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sectioned-mount-'))
    const info = await detectMount(dir)
    if (process.platform === 'linux') {
      expect(info.fsType).not.toBe('unknown')
      expect(info.mountPoint.startsWith('/')).toBe(true)
    } else {
      expect(info.network).toBe(false)
    }
  })
})
