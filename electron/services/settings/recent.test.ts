import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  addRecentFolder,
  checkRecentFolders,
  checkWorkspacePlaces,
  placesOf,
  RECENT_FOLDERS_MAX,
  REMEMBERED_DOCUMENTS_MAX,
  REMEMBERED_WORKSPACES_MAX,
  rememberPlace
} from './recent'

const abs = (name: string) => path.resolve(path.sep, 'shared', name)
const place = (document: string, top = 0) => ({ document, top, anchor: top + 1, head: top + 1 })

describe('recent folders', () => {
  it('puts the folder opened first, once, and keeps at most the cap', () => {
    let list: string[] = []
    for (const name of ['a', 'b', 'c']) list = addRecentFolder(list, abs(name))
    expect(list).toEqual([abs('c'), abs('b'), abs('a')])
    // Opened again (also spelt with a trailing separator): moved to the front, not repeated.
    list = addRecentFolder(list, abs('a') + path.sep)
    expect(list).toEqual([abs('a'), abs('c'), abs('b')])
    for (let i = 0; i < 15; i++) list = addRecentFolder(list, abs(`f${i}`))
    expect(list).toHaveLength(RECENT_FOLDERS_MAX)
    expect(list[0]).toBe(abs('f14'))
    expect(list).not.toContain(abs('a'))
  })

  it('checks a hand-edited list entry by entry', () => {
    const checked = checkRecentFolders([abs('a'), 42, 'relative/dir', abs('a'), '', abs('b')])
    expect(checked.value).toEqual([abs('a'), abs('b')])
    expect(checked.problems).toEqual([
      'recentFolders[1] is not an absolute folder path; dropped',
      'recentFolders[2] is not an absolute folder path; dropped',
      'recentFolders[4] is not an absolute folder path; dropped'
    ])
    expect(checkRecentFolders('nope')).toEqual({
      value: [],
      problems: ['recentFolders is not a list; ignored']
    })
    const long = Array.from({ length: 14 }, (_, i) => abs(`f${i}`))
    expect(checkRecentFolders(long).value).toEqual(long.slice(0, RECENT_FOLDERS_MAX))
  })
})

describe('remembered places', () => {
  it('puts the workspace and the document shown first, once, within the caps', () => {
    let list = rememberPlace([], abs('book'), place('a.md', 10))
    list = rememberPlace(list, abs('book'), place('b.md', 20))
    list = rememberPlace(list, abs('notes'), place('n.md'))
    list = rememberPlace(list, abs('book'), place('a.md', 30))
    expect(list.map((w) => w.folder)).toEqual([abs('book'), abs('notes')])
    expect(placesOf(list, abs('book'))).toEqual({
      folder: abs('book'),
      shown: 'a.md',
      documents: [place('a.md', 30), place('b.md', 20)]
    })
    expect(placesOf(list, abs('elsewhere'))).toEqual({ folder: abs('elsewhere'), shown: null, documents: [] })
    for (let i = 0; i < 40; i++) list = rememberPlace(list, abs('book'), place(`d${i}.md`))
    expect(placesOf(list, abs('book')).documents).toHaveLength(REMEMBERED_DOCUMENTS_MAX)
    for (let i = 0; i < 12; i++) list = rememberPlace(list, abs(`w${i}`), place('x.md'))
    expect(list).toHaveLength(REMEMBERED_WORKSPACES_MAX)
    expect(list.some((w) => w.folder === abs('book'))).toBe(false)
  })

  it('checks a hand-edited list: bad workspaces and bad places are dropped, named', () => {
    const checked = checkWorkspacePlaces([
      {
        folder: abs('book'),
        shown: 'a.md',
        documents: [place('a.md'), { document: 'b.md', top: -1 }, place('a.md', 5)]
      },
      { folder: 'relative', shown: null, documents: [] },
      'text',
      { folder: abs('book'), shown: 'x.md', documents: [] },
      { folder: abs('notes'), shown: 7, documents: [{ document: '/etc/passwd', top: 0, anchor: 0, head: 0 }] }
    ])
    expect(checked.value).toEqual([
      { folder: abs('book'), shown: 'a.md', documents: [place('a.md')] },
      { folder: abs('notes'), shown: null, documents: [] }
    ])
    expect(checked.problems).toEqual([
      'workspaces[0] has a document place that is not one; dropped',
      'workspaces[1] is not a remembered workspace; dropped',
      'workspaces[2] is not a remembered workspace; dropped',
      'workspaces[4] has a document place that is not one; dropped',
      'workspaces[4].shown is not a document path; ignored'
    ])
    expect(checkWorkspacePlaces({}).value).toEqual([])
  })
})
