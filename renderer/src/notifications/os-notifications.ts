/**
 * Turns this window's edit requests, lost sections and idle releases into OS notifications while
 * the window is in the background (hidden or not focused), per the writer's setting, each cause at
 * most once until the window comes back to the foreground. A click shows the section.
 */
import type { StoreApi } from 'zustand/vanilla'
import type { AppState } from '../state/store'
import { decideNotification, type NotifyCause } from './decide'
import { browserNotifier, electronNotifier, type NotificationClicked, type Notifier } from './notifiers'

/** Whether the writer is looking at the window, and when that starts again. */
export interface PageFocus {
  isForeground(): boolean
  /** Calls `listener` whenever the window becomes visible or focused; returns the unsubscribe. */
  onForeground(listener: () => void): () => void
}

/** The page's own focus: visible and focused is the foreground. */
export function pageFocus(win: Window): PageFocus {
  return {
    isForeground: () => !win.document.hidden && win.document.hasFocus(),
    onForeground(listener) {
      const visible = () => {
        if (!win.document.hidden) listener()
      }
      win.addEventListener('focus', listener)
      win.document.addEventListener('visibilitychange', visible)
      return () => {
        win.removeEventListener('focus', listener)
        win.document.removeEventListener('visibilitychange', visible)
      }
    }
  }
}

/**
 * Wires the client's events to `notifier`; `notifier` defaults by transport (Electron: the main
 * process; the web host: the browser's Notification API). Returns the dispose.
 */
export function wireOsNotifications(
  store: StoreApi<AppState>,
  page: PageFocus,
  win: Window,
  notifier?: Notifier
): () => void {
  const get = () => store.getState()
  const client = get().client
  const clicked: NotificationClicked = ({ document, sectionId }) => void get().goToResult(document, sectionId)
  const electron = notifier
    ? null
    : client.transportKind === 'electron'
      ? electronNotifier(client, clicked)
      : null
  const show = notifier ?? electron ?? browserNotifier(win, clicked)
  const shown = new Set<string>()
  const consider = (cause: NotifyCause) => {
    const notice = decideNotification(cause, {
      enabled: get().notificationsOn,
      foreground: page.isForeground(),
      shown
    })
    if (!notice) return
    shown.add(notice.key)
    show.show(notice)
  }
  /** The heading as this window shows it or held it (a document not shown; held-away.ts). */
  const headingOf = (document: string, sectionId: string): string | null => {
    const s = get()
    if (s.current !== document) return s.awayHeading(document, sectionId)
    const held = s.held.find((h) => h.id === sectionId)
    return held?.heading ?? s.snapshot?.sections.find((x) => x.id === sectionId)?.heading ?? null
  }
  const ours = (document: string, sectionId: string) =>
    get().current === document || headingOf(document, sectionId) !== null
  void get().loadNotificationSetting()
  const offs = [
    client.on('edit:requested', (request) => consider({ kind: 'request', request })),
    client.on('lock:lost', ({ document, sectionId, reason, newHolder }) => {
      // Every window of the instance hears it; the one showing the document, or that left it
      // still holding the section, held it.
      if (!sectionId || !ours(document, sectionId)) return
      const heading = headingOf(document, sectionId)
      consider({ kind: 'lost', document, sectionId, heading, reason, newHolder })
    }),
    client.on('lock:idle-released', ({ document, sectionId }) => {
      if (!sectionId || !ours(document, sectionId)) return
      consider({ kind: 'idle-released', document, sectionId, heading: headingOf(document, sectionId) })
    }),
    // Back in the foreground, the writer has seen the in-app bar: a later cause may notify again.
    page.onForeground(() => shown.clear())
  ]
  return () => {
    offs.forEach((off) => off())
    electron?.dispose()
  }
}
