import { describe, expect, it } from 'vitest'
import { classifyPath, isIgnoredPath, lockParentOf } from './watch-paths'

describe('watch paths', () => {
  const file = { isFile: () => true, isDirectory: () => false }
  const dir = { isFile: () => false, isDirectory: () => true }
  const lock = '.sectioned/docs/ch-1234abcd/locks'

  it('keeps markdown and folders, skips dot-folders, node_modules, other files and temp files', () => {
    expect(isIgnoredPath('')).toBe(false)
    expect(isIgnoredPath('notes', dir)).toBe(false)
    expect(isIgnoredPath('notes/a.md', file)).toBe(false)
    expect(isIgnoredPath('notes/a.markdown', file)).toBe(false)
    expect(isIgnoredPath('notes/a.txt', file)).toBe(true)
    expect(isIgnoredPath('.git', dir)).toBe(true)
    expect(isIgnoredPath('sub/.obsidian/x.md')).toBe(true)
    expect(isIgnoredPath('node_modules')).toBe(true)
    expect(isIgnoredPath('a.md.1234567890')).toBe(true)
    expect(isIgnoredPath('a.md.tmp')).toBe(true)
  })

  it('keeps edit requests, and classifies them by id', () => {
    const id = '01JZ0000000000000000000000'
    expect(isIgnoredPath('.sectioned/requests', dir)).toBe(false)
    expect(isIgnoredPath(`.sectioned/requests/${id}.json`, file)).toBe(false)
    expect(isIgnoredPath(`.sectioned/requests/${id}.json.1.abc.tmp`, file)).toBe(true)
    expect(isIgnoredPath('.sectioned/requests/notes.txt', file)).toBe(true)
    expect(isIgnoredPath('.sectioned/requests/a/b.json', file)).toBe(true)
    expect(classifyPath(`.sectioned/requests/${id}.json`)).toEqual({ kind: 'request', id })
    expect(classifyPath('.sectioned/requests')).toBeNull()
  })

  it('keeps presence records, and classifies them by instance id (not their temp files)', () => {
    expect(isIgnoredPath('.sectioned/presence', dir)).toBe(false)
    expect(isIgnoredPath('.sectioned/presence/i-ann.json', file)).toBe(false)
    expect(isIgnoredPath('.sectioned/presence/i-ann.json.1234567', file)).toBe(true)
    expect(isIgnoredPath('.sectioned/presence/x/i-ann.json', file)).toBe(true)
    expect(classifyPath('.sectioned/presence/i-ann.json')).toEqual({ kind: 'presence', instanceId: 'i-ann' })
    expect(classifyPath('.sectioned/presence')).toBeNull()
  })

  it('inside .sectioned keeps only section and document locks', () => {
    for (const p of ['.sectioned', '.sectioned/docs', '.sectioned/docs/ch-1234abcd', lock]) {
      expect(isIgnoredPath(p), p).toBe(false)
    }
    expect(isIgnoredPath(`${lock}/sections/intro/g000000001/lock.json`, file)).toBe(false)
    expect(isIgnoredPath(`${lock}/document/g000000001/released.json`, file)).toBe(false)
    for (const p of [
      '.sectioned/audit',
      '.sectioned/metrics/x.json',
      '.sectioned/docs/ch-1234abcd/index.json',
      '.sectioned/docs/ch-1234abcd/history',
      '.sectioned/docs/ch-1234abcd/drafts',
      '.sectioned/docs/ch-1234abcd/backups',
      `${lock}/write`,
      `${lock}/write/g000000042/released.json`,
      `${lock}/sections/intro/g000000001/lock.json.123.abc.tmp`
    ]) {
      expect(isIgnoredPath(p), p).toBe(true)
    }
  })

  it('classifies documents and lock folders', () => {
    expect(classifyPath('notes/a.md')).toEqual({ kind: 'document', document: 'notes/a.md' })
    expect(classifyPath('notes')).toBeNull()
    expect(classifyPath(`${lock}/sections/intro/g000000003/lock.json`)).toEqual({
      kind: 'lock',
      docKey: 'ch-1234abcd',
      lockKind: 'section',
      component: 'intro',
      lockDir: `${lock}/sections/intro`
    })
    expect(classifyPath(`${lock}/document/g000000003`)).toMatchObject({
      lockKind: 'document',
      component: null,
      lockDir: `${lock}/document`
    })
    expect(classifyPath(`${lock}/sections`)).toBeNull()
  })
})

describe('lockParentOf', () => {
  it('names the locks folder for the folders a first lock makes, and nothing else', () => {
    const locks = '.sectioned/docs/plan-md-1a2b3c4d/locks'
    expect(lockParentOf('.sectioned/docs/plan-md-1a2b3c4d')).toBe(locks)
    expect(lockParentOf(locks)).toBe(locks)
    expect(lockParentOf(`${locks}/sections`)).toBe(locks)
    expect(lockParentOf(`${locks}/sections/intro`)).toBeNull()
    expect(lockParentOf(`${locks}/document`)).toBeNull()
    expect(lockParentOf('.sectioned/docs')).toBeNull()
    expect(lockParentOf('.sectioned/docs/plan-md-1a2b3c4d/history')).toBeNull()
    expect(lockParentOf('notes/locks')).toBeNull()
  })
})
