import { describe, expect, it } from 'vitest'
import { contract, events, isChannel } from '../../shared/contract'
import { EVENT_NAMES, isEventName, isRequestChannel, REQUEST_CHANNELS } from './channels'

describe('the preload’s zod-free channel lists', () => {
  it('name exactly the contract’s request channels', () => {
    expect(Object.keys(REQUEST_CHANNELS).sort()).toEqual(Object.keys(contract).sort())
    for (const name of Object.keys(contract)) expect(isRequestChannel(name), name).toBe(true)
  })

  it('name exactly the contract’s events', () => {
    expect(Object.keys(EVENT_NAMES).sort()).toEqual(Object.keys(events).sort())
    for (const name of Object.keys(events)) expect(isEventName(name), name).toBe(true)
  })

  it('agree with isChannel on names that are not channels', () => {
    const others = [
      '',
      'sectioned:invoke',
      'sectioned:event',
      'locks:changed',
      'toString',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'LOCKS:ACQUIRE',
      'locks:acquire '
    ]
    for (const name of others) expect(isRequestChannel(name), name).toBe(isChannel(name))
    for (const name of ['', 'documents:list', 'toString', '__proto__', 'sectioned:event']) {
      expect(isEventName(name), name).toBe(false)
    }
    for (const value of [undefined, null, 42, {}, ['workspace:info']]) {
      expect(isRequestChannel(value)).toBe(false)
      expect(isEventName(value)).toBe(false)
    }
  })
})
