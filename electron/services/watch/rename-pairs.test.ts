import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../../test/harness/fake-clock'
import { RenamePairs } from './rename-pairs'

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

function pairs() {
  const clock = new FakeClock()
  const said: string[] = []
  const p = new RenamePairs(clock, 1500, {
    removed: (d) => said.push(`removed ${d}`),
    renamed: (from, to) => said.push(`renamed ${from} → ${to}`)
  })
  return { clock, said, p }
}

describe('RenamePairs', () => {
  it('calls a removal followed by the same content appearing a rename, and says nothing of a removal', async () => {
    const { clock, said, p } = pairs()
    p.removed('plan.md', 'aaa')
    await clock.advance(1000)
    expect(said).toEqual([])
    expect(p.appearedWith('docs/plan.md', 'aaa', null)).toBe(true)
    await clock.advance(5000)
    expect(said).toEqual(['renamed plan.md → docs/plan.md'])
  })

  it('pairs the other order too (the new name seen first)', async () => {
    const { clock, said, p } = pairs()
    expect(p.appearedWith('new.md', 'bbb', null)).toBe(false)
    await clock.advance(1400)
    p.removed('old.md', 'bbb')
    expect(said).toEqual(['renamed old.md → new.md'])
  })

  it('reports a removal once the window passed without its content appearing, and pairs nothing later', async () => {
    const { clock, said, p } = pairs()
    p.removed('gone.md', 'ccc')
    await clock.advance(1500)
    expect(said).toEqual(['removed gone.md'])
    expect(p.appearedWith('late.md', 'ccc', null)).toBe(false)
    p.appearedWith('early.md', 'ddd', null)
    await clock.advance(1600)
    p.removed('other.md', 'ddd') // appeared too long ago: a delete, reported after its own window
    await clock.advance(1500)
    expect(said).toEqual(['removed gone.md', 'removed other.md'])
  })

  it('never pairs different content, empty documents or unread ones', async () => {
    const { clock, said, p } = pairs()
    p.removed('a.md', 'eee')
    expect(p.appearedWith('b.md', 'fff', null)).toBe(false)
    p.removed('empty.md', EMPTY)
    expect(p.appearedWith('new-empty.md', EMPTY, null)).toBe(false)
    p.removed('unread.md', null)
    await clock.advance(1500)
    expect(said.sort()).toEqual(['removed a.md', 'removed empty.md', 'removed unread.md'])
  })

  it('pairs nothing when it cannot tell which one moved (two documents with that content gone)', async () => {
    const { clock, said, p } = pairs()
    p.removed('copy 1.md', 'ggg')
    p.removed('copy 2.md', 'ggg')
    expect(p.appearedWith('moved.md', 'ggg', null)).toBe(false)
    await clock.advance(2000)
    expect(said.sort()).toEqual(['removed copy 1.md', 'removed copy 2.md'])
  })

  it('pairs by the old name a rename in the app noted, whatever is known of the content', async () => {
    const { clock, said, p } = pairs()
    p.removed('plan.md', null) // another instance moved its data away before its file
    expect(p.appearedWith('notes.md', 'iii', null)).toBe(false) // a new document of its own
    expect(p.appearedWith('docs/plan.md', 'jjj', 'plan.md')).toBe(true)
    p.appearedWith('later.md', 'kkk', 'old.md')
    p.removed('old.md', null) // the other order
    p.removed('same.md', 'lll')
    expect(p.appearedWith('elsewhere.md', 'lll', 'unrelated.md')).toBe(false) // the note names another
    await clock.advance(2000)
    expect(said.sort()).toEqual([
      'removed same.md',
      'renamed old.md → later.md',
      'renamed plan.md → docs/plan.md'
    ])
  })

  it('never names a document that came and went again as a rename target', async () => {
    const { clock, said, p } = pairs()
    p.appearedWith('draft.md', 'mmm', null)
    p.removed('draft.md', 'mmm') // created and deleted again
    p.removed('real.md', 'mmm')
    await clock.advance(2000)
    expect(said.sort()).toEqual(['removed draft.md', 'removed real.md'])
  })

  it('drops held removals at dispose without reporting them', async () => {
    const { clock, said, p } = pairs()
    p.removed('x.md', 'hhh')
    p.dispose()
    await clock.advance(5000)
    expect(said).toEqual([])
  })
})
