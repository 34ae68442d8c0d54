/**
 * OS notifications for `app:notify`, shown by the main process: Electron's session denies the
 * pages every web permission (window-options.ts), and from here a click can restore and focus a
 * minimised or hidden window, which a page's own `window.focus()` cannot on every system. The
 * click goes back to the window that asked, as `app:notification-clicked`, which shows the section.
 */
import { BrowserWindow, Notification, webContents } from 'electron'
import type { EventOf, ValidRequestOf } from '../../shared/contract'
import { MAIN_IPC } from './ipc'

/**
 * Shown notifications by cause (`key`): a notification that is garbage-collected loses its click
 * handler, so each is kept until it is clicked or closed; a second of the same cause replaces it.
 */
const showing = new Map<string, Notification>()

/** Shows `notice` for the window whose webContents id is `clientId`; false where the system has none. */
export function showOsNotification(notice: ValidRequestOf<'app:notify'>, clientId: string): boolean {
  if (!Notification.isSupported()) return false
  const contents = webContents.fromId(Number(clientId))
  if (!contents) return false
  showing.get(notice.key)?.close()
  const shown = new Notification({ title: notice.title, body: notice.body })
  const forget = () => {
    if (showing.get(notice.key) === shown) showing.delete(notice.key)
  }
  shown.on('click', () => {
    forget()
    const target = webContents.fromId(Number(clientId))
    if (!target || target.isDestroyed()) return
    const win = BrowserWindow.fromWebContents(target)
    if (win) {
      if (win.isMinimized()) win.restore()
      win.show()
      win.focus()
    }
    const payload: EventOf<'app:notification-clicked'> = {
      document: notice.document,
      sectionId: notice.sectionId
    }
    target.send(MAIN_IPC.event, 'app:notification-clicked', payload)
  })
  shown.on('close', forget)
  showing.set(notice.key, shown)
  shown.show()
  return true
}
