import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { treeRows } from './tree-rows'

describe('treeRows', () => {
  it('puts each folder before what it holds, folders first at every level, names without the path', () => {
    const rows = treeRows(['b.md', 'notes/a.md', 'notes/old/z.md', 'a.md'], ['notes', 'notes/old', 'empty'])
    expect(rows.map((r) => `${'  '.repeat(r.depth)}${r.name}${r.kind === 'folder' ? '/' : ''}`)).toEqual([
      'empty/',
      'notes/',
      '  old/',
      '    z.md',
      '  a.md',
      'a.md',
      'b.md'
    ])
  })

  it('gives a document whose folder was not listed its folders anyway', () => {
    expect(treeRows(['x/y/d.md'], []).map((r) => r.path)).toEqual(['x', 'x/y', 'x/y/d.md'])
  })

  it('shows every document and folder exactly once, under its parent', () => {
    const part = fc.constantFrom('a', 'b', 'c')
    const docPath = fc.array(part, { minLength: 0, maxLength: 3 }).map((ps) => [...ps, 'doc.md'].join('/'))
    fc.assert(
      fc.property(fc.uniqueArray(docPath, { maxLength: 12 }), (documents) => {
        const rows = treeRows(documents, [])
        expect(
          rows
            .filter((r) => r.kind === 'document')
            .map((r) => r.path)
            .sort()
        ).toEqual([...documents].sort())
        const paths = rows.map((r) => r.path)
        expect(new Set(paths).size).toBe(paths.length)
        rows.forEach((r, i) => {
          const parent = r.path.slice(0, Math.max(0, r.path.lastIndexOf('/')))
          expect(r.depth).toBe(parent === '' ? 0 : parent.split('/').length)
          if (parent !== '') expect(paths.slice(0, i)).toContain(parent)
        })
      })
    )
  })
})
