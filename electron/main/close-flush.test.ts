import { describe, expect, it } from 'vitest'
import { events } from '../../shared/contract'
import { FLUSH_TIMEOUT_MS, guardClose, sendFlush, type ClosableWindow, type Schedule } from './close-flush'
import { MAIN_IPC } from './ipc'

/** A BrowserWindow stand-in: `userClose` plays the close button, `close()` the app closing it. */
function fakeWindow() {
  let listener: ((e: { preventDefault(): void }) => void) | null = null
  const log: string[] = []
  let destroyed = false
  const win: ClosableWindow = {
    on(_event, l) {
      listener = l
      return win
    },
    close: () => emitClose('app'),
    isDestroyed: () => destroyed
  }
  function emitClose(by: string) {
    let prevented = false
    listener?.({ preventDefault: () => (prevented = true) })
    log.push(`${by} close ${prevented ? 'held' : 'passed'}`)
    if (!prevented) destroyed = true
  }
  return { win, log, userClose: () => emitClose('user'), destroy: () => (destroyed = true) }
}

/** Timers that fire only when the test says so. */
function manualTimers() {
  const due: { fn: () => void; ms: number; live: boolean }[] = []
  const schedule: Schedule = (fn, ms) => {
    const t = { fn, ms, live: true }
    due.push(t)
    return () => void (t.live = false)
  }
  const fire = () => due.splice(0).forEach((t) => t.live && t.fn())
  return { schedule, fire, pending: () => due.filter((t) => t.live).map((t) => t.ms) }
}

const settle = () => new Promise((r) => setTimeout(r, 0))

function setup(needsFlush: () => boolean) {
  const w = fakeWindow()
  const timers = manualTimers()
  let sent = 0
  const guard = guardClose({
    window: w.win,
    send: () => void sent++,
    needsFlush,
    schedule: timers.schedule
  })
  return { ...w, timers, guard, sent: () => sent }
}

describe('guardClose', () => {
  it('lets a window without locks close at once, without asking the page', async () => {
    const t = setup(() => false)
    t.userClose()
    expect(t.log).toEqual(['user close passed'])
    expect(t.sent()).toBe(0)
    await t.guard.flush() // nothing to wait for
  })

  it('holds the close, asks the page once, and closes when the page answers', async () => {
    const t = setup(() => true)
    t.userClose()
    t.userClose() // impatient clicks are held too, without asking again
    expect(t.log).toEqual(['user close held', 'user close held'])
    expect(t.sent()).toBe(1)
    expect(t.timers.pending()).toEqual([FLUSH_TIMEOUT_MS])
    t.guard.flushed()
    await settle()
    expect(t.log).toEqual(['user close held', 'user close held', 'app close passed'])
    expect(t.timers.pending()).toEqual([])
    t.guard.flushed() // a late or unasked answer changes nothing
  })

  it('closes after 3 s when the page does not answer', async () => {
    const t = setup(() => true)
    t.userClose()
    t.timers.fire()
    await settle()
    expect(t.log).toEqual(['user close held', 'app close passed'])
  })

  it('does not touch a window destroyed meanwhile (its renderer crashed)', async () => {
    const t = setup(() => true)
    t.userClose()
    t.destroy()
    t.guard.flushed()
    await settle()
    expect(t.log).toEqual(['user close held'])
  })

  it('flush() (quitting) asks the page and shares one wait with a close', async () => {
    const t = setup(() => true)
    const quitting = t.guard.flush()
    expect(t.guard.flush()).toBe(quitting)
    t.userClose()
    expect(t.sent()).toBe(1)
    t.guard.flushed()
    await quitting
  })
})

describe('sendFlush', () => {
  it('sends the contract event app:flush to that page only, and nothing to a destroyed one', () => {
    const sent: unknown[][] = []
    sendFlush({ isDestroyed: () => false, send: (...args) => void sent.push(args) })
    expect(sent).toEqual([[MAIN_IPC.event, 'app:flush', { reason: 'close' }]])
    expect(events['app:flush'].safeParse(sent[0][2]).success).toBe(true)
    sendFlush({ isDestroyed: () => true, send: (...args) => void sent.push(args) })
    expect(() =>
      sendFlush({
        isDestroyed: () => false,
        send: () => {
          throw new Error('Object has been destroyed')
        }
      })
    ).not.toThrow()
    expect(sent).toHaveLength(1)
  })
})
