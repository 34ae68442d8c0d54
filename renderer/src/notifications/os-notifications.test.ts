import { describe, expect, it } from 'vitest'
import { ErrorCode, type Result } from '../../../shared/errors'
import { SectionedClient } from '../ipc/client'
import type { ConnectionStatus, Transport } from '../ipc/transport'
import { createAppStore } from '../state/store'
import type { OsNotice } from './decide'
import { browserNotifier } from './notifiers'
import { wireOsNotifications, type PageFocus } from './os-notifications'

/** A transport whose events the test pushes; `settings:get` answers with the notifications setting. */
class EventTransport implements Transport {
  readonly kind = 'web' as const
  notifications = true
  private listeners = new Map<string, ((p: unknown) => void)[]>()
  async invoke(channel: string): Promise<Result<unknown>> {
    if (channel === 'settings:get')
      return {
        ok: true,
        value: {
          settings: {
            user: 'ann',
            heartbeatSeconds: 30,
            pollIntervalMs: 1000,
            idleTimeoutMinutes: 5,
            watchMode: 'auto',
            notifications: this.notifications,
            lineNumbers: false,
            foldGutter: false,
            spellcheck: true,
            spellLanguage: '',
            assetsFolder: 'assets'
          },
          file: null,
          heartbeatFromEnvironment: false,
          recentFolders: []
        }
      }
    return { ok: false, error: { code: ErrorCode.Io, message: `no answer for ${channel}` } }
  }
  on(event: string, cb: (p: unknown) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), cb])
    return () =>
      this.listeners.set(
        event,
        (this.listeners.get(event) ?? []).filter((l) => l !== cb)
      )
  }
  onStatus(_cb: (s: ConnectionStatus) => void) {
    return () => undefined
  }
  push(event: string, payload: unknown) {
    for (const l of this.listeners.get(event) ?? []) l(payload)
  }
}

/** A window the test puts in the fore- or background. */
class FakePage implements PageFocus {
  foreground = true
  private listeners: (() => void)[] = []
  isForeground = () => this.foreground
  onForeground(listener: () => void) {
    this.listeners.push(listener)
    return () => undefined
  }
  set(foreground: boolean) {
    this.foreground = foreground
    if (foreground) this.listeners.forEach((l) => l())
  }
}

const request = (id: string) => ({
  id,
  document: 'plan.md',
  sectionId: 'budget',
  heading: 'Budget',
  from: { user: 'bob', host: 'bob-pc' },
  at: '2026-11-29T10:32:00.000Z'
})

async function setUp(notifications = true) {
  const transport = new EventTransport()
  transport.notifications = notifications
  const { store, dispose } = createAppStore(new SectionedClient(transport))
  const page = new FakePage()
  const shown: OsNotice[] = []
  const unwire = wireOsNotifications(store, page, {} as Window, { show: (n) => shown.push(n) })
  await new Promise((r) => setTimeout(r, 0)) // the setting is read
  const section = { level: 1, from: 0, to: 9, sha256: 'x' }
  store.setState({
    current: 'plan.md',
    snapshot: {
      document: 'plan.md',
      fileSha256: 'f',
      text: '# Budget\n',
      sections: [{ ...section, id: 'budget', heading: 'Budget' }],
      locks: [],
      readOnly: null
    }
  })
  return {
    transport,
    page,
    shown,
    store,
    done: () => {
      unwire()
      dispose()
    }
  }
}

describe('OS notifications of a window', () => {
  it('notify in the background only, once per cause, again after the window was in front', async () => {
    const { transport, page, shown, done } = await setUp()
    transport.push('edit:requested', request('01JD0000000000000000000000'))
    expect(shown).toEqual([]) // in front: the requests bar is enough
    page.set(false)
    transport.push('edit:requested', request('01JD0000000000000000000000'))
    transport.push('edit:requested', request('01JD0000000000000000000000'))
    transport.push('lock:lost', {
      document: 'plan.md',
      sectionId: 'budget',
      reason: 'someone else took it',
      newHolder: { user: 'bob', host: 'bob-pc', since: 'x' }
    })
    transport.push('lock:idle-released', { document: 'other.md', sectionId: 'budget' }) // not this window's
    expect(shown.map((n) => n.title)).toEqual(['bob asks for “Budget”', 'You lost “Budget”'])
    page.set(true)
    page.set(false)
    transport.push('lock:idle-released', { document: 'plan.md', sectionId: 'budget' })
    transport.push('lock:lost', {
      document: 'plan.md',
      sectionId: 'budget',
      reason: 'someone else took it',
      newHolder: null
    })
    expect(shown.map((n) => n.title)).toEqual([
      'bob asks for “Budget”',
      'You lost “Budget”',
      '“Budget” was released',
      'You lost “Budget”'
    ])
    done()
  })

  it('a section held in a document not shown: its loss in the background is notified with its heading', async () => {
    const { transport, page, shown, done, store } = await setUp()
    store.getState().setHeldAway({ 'notes.md': [{ id: 'dates', heading: 'Dates', unsaved: false }] })
    page.set(false)
    transport.push('lock:lost', { document: 'other.md', sectionId: 'dates', reason: 'x', newHolder: null })
    expect(shown).toEqual([]) // another window's
    transport.push('lock:lost', {
      document: 'notes.md',
      sectionId: 'dates',
      reason: 'someone else took it',
      newHolder: { user: 'bob', host: 'bob-pc', since: 'x' }
    })
    expect(shown.map((n) => n.title)).toEqual(['You lost “Dates”'])
    expect(store.getState().heldAway).toEqual({})
    done()
  })

  it('stay silent when the writer turned them off', async () => {
    const { transport, page, shown, done } = await setUp(false)
    page.set(false)
    transport.push('edit:requested', request('01JD0000000000000000000000'))
    expect(shown).toEqual([])
    done()
  })
})

/** A browser Notification API double: records constructions, answers the permission prompt. */
function fakeBrowser(permission: NotificationPermission, answer: NotificationPermission) {
  const made: {
    title: string
    options?: NotificationOptions
    onclick: (() => void) | null
    closed: boolean
  }[] = []
  let asked = 0
  let focused = 0
  class FakeNotification {
    static permission = permission
    static async requestPermission() {
      asked++
      FakeNotification.permission = answer
      return answer
    }
    onclick: (() => void) | null = null
    closed = false
    constructor(
      readonly title: string,
      readonly options?: NotificationOptions
    ) {
      made.push(this)
    }
    close() {
      this.closed = true
    }
  }
  const win = {
    Notification: FakeNotification as unknown as typeof Notification,
    focus: () => void focused++
  }
  return { win, made, asked: () => asked, focused: () => focused }
}

const notice = (key: string): OsNotice => ({
  key,
  title: 't',
  body: 'b',
  document: 'plan.md',
  sectionId: 'budget'
})

describe('the browser notifier', () => {
  it('asks for the permission once, when first needed, and shows the notice if granted', async () => {
    const b = fakeBrowser('default', 'granted')
    const clicks: unknown[] = []
    const n = browserNotifier(b.win, (t) => clicks.push(t))
    n.show(notice('a'))
    await new Promise((r) => setTimeout(r, 0))
    n.show(notice('b'))
    expect(b.asked()).toBe(1)
    expect(b.made.map((m) => [m.title, m.options?.tag])).toEqual([
      ['t', 'a'],
      ['t', 'b']
    ])
    b.made[0].onclick?.()
    expect(b.focused()).toBe(1)
    expect(b.made[0].closed).toBe(true)
    expect(clicks).toEqual([{ document: 'plan.md', sectionId: 'budget' }])
  })

  it('asks once only when refused, and shows nothing', async () => {
    const b = fakeBrowser('default', 'denied')
    const n = browserNotifier(b.win, () => undefined)
    n.show(notice('a'))
    await new Promise((r) => setTimeout(r, 0))
    n.show(notice('b'))
    expect(b.asked()).toBe(1)
    expect(b.made).toEqual([])
  })
})
