import { describe, expect, it } from 'vitest'
import { takeToken } from './web-transport'

/** A tab's address, history entry and sessionStorage, as takeToken sees them. */
function tab(href: string) {
  let current = new URL(href)
  const stored = new Map<string, string>()
  const location = {
    get href() {
      return current.href
    }
  } as Location
  const history = {
    state: { kept: true },
    replaceState(_state: unknown, _unused: string, url: string) {
      current = new URL(url, current)
    }
  } as unknown as History
  const storage = {
    getItem: (k: string) => stored.get(k) ?? null,
    setItem: (k: string, v: string) => void stored.set(k, v)
  } as Storage
  return { location, history, storage, url: () => current.href }
}

describe('takeToken', () => {
  it('takes the token out of the address, keeps the rest, and finds it again after a reload', () => {
    const t = tab('http://127.0.0.1:4000/?token=abc_DEF-123&doc=plan.md#intro')
    expect(takeToken(t.location, t.history, t.storage)).toBe('abc_DEF-123')
    expect(t.url()).toBe('http://127.0.0.1:4000/?doc=plan.md#intro')
    // A reload: the address has no token any more, the tab's storage has it.
    expect(takeToken(t.location, t.history, t.storage)).toBe('abc_DEF-123')
  })

  it('prefers a new token in the address over a stored one, and works without storage', () => {
    const t = tab('http://127.0.0.1:4000/?token=old')
    takeToken(t.location, t.history, t.storage)
    t.history.replaceState(null, '', '/?token=new')
    expect(takeToken(t.location, t.history, t.storage)).toBe('new')
    expect(t.url()).toBe('http://127.0.0.1:4000/')
    const bare = tab('http://127.0.0.1:4000/?token=only')
    expect(takeToken(bare.location, bare.history, null)).toBe('only')
    expect(bare.url()).toBe('http://127.0.0.1:4000/')
    expect(takeToken(bare.location, bare.history, null)).toBe('')
  })
})
