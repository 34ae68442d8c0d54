/**
 * What taking a lock learns about a document (DocumentService.forLock) is kept by the file's stamp:
 * it must still follow every change of the file — another instance's save (a new inode), an outside
 * rewrite in place (new times), a document that stops being editable.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { NotFoundError } from '../../../shared/errors'
import { servicesWorkspace } from '../../../test/harness/services-workspace'

const DOC = 'doc.md'
const ws = servicesWorkspace('forlock', { [DOC]: '# Alpha\n\nOne.\n\n# Beta\n\nTwo.\n' })
const open = ws.open
const root = ws.root

const tick = () => new Promise((r) => setTimeout(r, 20))

describe('forLock follows the file', () => {
  it('sees a section another instance’s save created, and its new heading', async () => {
    const ann = await open('ann')
    const bob = await open('bob')
    expect((await ann.documents.forLock(DOC, 'beta')).section?.heading).toBe('Beta')
    const { section } = await bob.documents.section(DOC, 'beta')
    const lock = await bob.locks.acquireSection(DOC, 'beta')
    await bob.documents.saveSection(lock, section.sha256, '# Beta two\n\nTwo.\n\n# Gamma\n\nThree.\n')
    expect((await ann.documents.forLock(DOC, 'beta')).section?.heading).toBe('Beta two')
    expect((await ann.documents.forLock(DOC, 'gamma')).section?.heading).toBe('Gamma')
    await expect(ann.documents.forLock(DOC, 'delta')).rejects.toBeInstanceOf(NotFoundError)
  })

  it('sees an outside rewrite in place that keeps the size', async () => {
    const ann = await open('ann')
    expect((await ann.documents.forLock(DOC, 'alpha')).section?.heading).toBe('Alpha')
    await tick()
    const file = await fs.open(path.join(root(), DOC), 'r+')
    await file.write('# Omega\n\nOne.\n\n', 0) // same length, same inode
    await file.close()
    // The section keeps its id through the outside rename (reconciliation); its heading is new.
    expect((await ann.documents.forLock(DOC, 'alpha')).section?.heading).toBe('Omega')
  })

  it('sees a document stop being editable, and become editable again', async () => {
    const ann = await open('ann')
    expect((await ann.documents.forLock(DOC, null)).readOnly).toBeNull()
    await tick()
    await fs.writeFile(path.join(root(), DOC), Buffer.from('# Caf\xe9\n\nLatin-1.\n', 'latin1'))
    expect((await ann.documents.forLock(DOC, 'alpha')).readOnly).toMatch(/UTF-8/)
    await tick()
    await fs.writeFile(path.join(root(), DOC), '# Alpha\n\nBack.\n')
    expect((await ann.documents.forLock(DOC, 'alpha')).readOnly).toBeNull()
  })
})
