import { describe, expect, it } from 'vitest'
import type { OutlineItem } from '../editor'
import { setup } from './store-harness'

const item = (id: string | null, from: number, heading = id ?? 'new'): OutlineItem => ({
  id,
  heading,
  level: 1,
  from,
  mine: false
})

describe('the outline in the store', () => {
  it('keeps its keyed rows while only positions move; new, removed or retitled-new rows change them', async () => {
    const { store } = await setup()
    const get = () => store.getState()
    get().setOutline([item('a', 0), item('b', 10), item('c', 20)])
    const first = get().outlineKeyed
    expect(first).toBe(get().outline)
    // Another writer's save in "a": the later rows move, same rows.
    get().setOutline([item('a', 0), item('b', 14), item('c', 24)])
    expect(get().outline.map((o) => o.from)).toEqual([0, 14, 24])
    expect(get().outlineKeyed).toBe(first)
    // A heading renamed: same row.
    get().setOutline([item('a', 0), item('b', 14, 'Bee'), item('c', 24)])
    expect(get().outline[1].heading).toBe('Bee')
    expect(get().outlineKeyed).toBe(first)
    // A heading typed (no id yet, keyed by where it is): new rows; one moved: new keys again.
    get().setOutline([item('a', 0), item(null, 5), item('b', 14), item('c', 24)])
    const typed = get().outlineKeyed
    expect(typed).toBe(get().outline)
    get().setOutline([item('a', 0), item(null, 6), item('b', 15), item('c', 25)])
    expect(get().outlineKeyed).toBe(get().outline)
    expect(get().outlineKeyed).not.toBe(typed)
    // A section gone.
    const before = get().outlineKeyed
    get().setOutline([item('a', 0), item('c', 20)])
    expect(get().outlineKeyed).not.toBe(before)
    expect(get().outlineKeyed.map((o) => o.id)).toEqual(['a', 'c'])
  })
})
