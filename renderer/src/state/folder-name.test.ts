import { describe, expect, it } from 'vitest'
import { folderName } from './folder-name'

describe('folderName', () => {
  it('is the last part of a POSIX or Windows path, a trailing separator ignored', () => {
    expect(folderName('/srv/share/Team notes')).toBe('Team notes')
    expect(folderName('/srv/share/Team notes/')).toBe('Team notes')
    expect(folderName('C:\\Users\\ann\\Shared\\Plans')).toBe('Plans')
    expect(folderName('\\\\server\\share\\Plans\\')).toBe('Plans')
  })
  it('keeps a root as it is', () => {
    expect(folderName('/')).toBe('/')
    expect(folderName('C:\\')).toBe('C:')
  })
})
