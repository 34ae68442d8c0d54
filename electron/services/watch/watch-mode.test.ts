import { describe, expect, it } from 'vitest'
import type { MountInfo } from './mount-type'
import { isNetworkFsType } from './mount-type'
import { chooseWatchMode, clampPollInterval, formatInterval } from './watch-mode'

const mount = (fsType: string): MountInfo => ({ fsType, mountPoint: '/x', network: isNetworkFsType(fsType) })

describe('chooseWatchMode', () => {
  it.each(['fuse.sshfs', 'cifs', 'nfs', 'nfs4'])('polls on %s', (t) => {
    const c = chooseWatchMode(mount(t), 'auto', 1000)
    expect(c.mode).toBe('polling')
    expect(c.intervalMs).toBe(1000)
    expect(c.reason).toContain(t)
  })

  it('says why in words a status bar can show', () => {
    expect(chooseWatchMode(mount('fuse.sshfs'), 'auto', 1000).reason).toBe(
      "polling every 1 s: fuse.sshfs is a network file system (other computers' changes raise no events)"
    )
  })

  it.each(['ext4', 'xfs', 'btrfs', 'tmpfs'])('uses native events on %s', (t) => {
    expect(chooseWatchMode(mount(t), 'auto', 1000).mode).toBe('native')
  })

  it('uses native events when the type is unknown, and says how to change it', () => {
    const c = chooseWatchMode({ fsType: 'unknown', mountPoint: '/', network: false }, 'auto', 1000)
    expect(c.mode).toBe('native')
    expect(c.reason).toContain('polling in the settings')
  })

  it('lets the setting win', () => {
    expect(chooseWatchMode(mount('ext4'), 'polling', 250)).toMatchObject({ mode: 'polling', intervalMs: 250 })
    const forced = chooseWatchMode(mount('cifs'), 'native', 1000)
    expect(forced.mode).toBe('native')
    expect(forced.reason).toContain('may go unseen')
  })

  it('keeps the interval sane', () => {
    expect(clampPollInterval(undefined)).toBe(1000)
    expect(clampPollInterval(Number.NaN)).toBe(1000)
    expect(clampPollInterval(-5)).toBe(1000)
    expect(clampPollInterval(10)).toBe(50)
    expect(clampPollInterval(10_000_000)).toBe(60_000)
    expect(formatInterval(100)).toBe('100 ms')
    expect(formatInterval(1500)).toBe('1.5 s')
    expect(formatInterval(2000)).toBe('2 s')
  })
})
