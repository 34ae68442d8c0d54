/**
 * Where an OS notification is shown. In a browser (the web host): the page's `Notification`, after
 * asking for the permission once, when the first notification is due (or from Settings). In
 * Electron: the main process's `Notification` through `app:notify` — Electron's session denies
 * every web permission (window-options.ts), and a click on a main-process notification can restore
 * and focus a minimised window, which the page's `window.focus()` cannot on every system.
 */
import type { SectionedClient } from '../ipc/client'
import type { OsNotice } from './decide'

/** Shows OS notifications; a click brings the window forward and calls `clicked` with the section. */
export interface Notifier {
  show(notice: OsNotice): void
}

/** Where a click on a notification takes the writer. */
export type NotificationClicked = (target: { document: string; sectionId: string }) => void

/** The part of a browser window a browser notifier uses. */
export interface NotificationWindow {
  Notification?: typeof Notification
  focus(): void
}

/** OS notifications through the browser's Notification API; asks for the permission at most once. */
export function browserNotifier(win: NotificationWindow, clicked: NotificationClicked): Notifier {
  let asked = false
  const display = (api: typeof Notification, notice: OsNotice) => {
    // The tag makes the system replace a notification of the same cause rather than stack another.
    const shown = new api(notice.title, { body: notice.body, tag: notice.key })
    shown.onclick = () => {
      win.focus()
      shown.close()
      clicked({ document: notice.document, sectionId: notice.sectionId })
    }
  }
  return {
    show(notice) {
      const api = win.Notification
      if (!api) return
      if (api.permission === 'granted') return display(api, notice)
      if (api.permission !== 'default' || asked) return
      asked = true
      void api
        .requestPermission()
        .then((answer) => {
          if (answer === 'granted') display(api, notice)
        })
        .catch(() => undefined)
    }
  }
}

/** OS notifications shown by Electron's main process; its click event comes back to this window. */
export function electronNotifier(
  client: SectionedClient,
  clicked: NotificationClicked
): Notifier & { dispose(): void } {
  const off = client.on('app:notification-clicked', (target) => clicked(target))
  return {
    show(notice) {
      const { key, title, body, document, sectionId } = notice
      void client.call('app:notify', { key, title, body, document, sectionId })
    },
    dispose: off
  }
}
