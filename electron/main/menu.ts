/**
 * The application menu as a template (built into a Menu by index.ts). A pure function so the
 * dev-only items are unit-tested: in a packaged app there is no reload (it would drop the page's
 * unsaved state) and no devtools (they would hand the page's privileges to whoever opens them).
 */
import type { MenuItemConstructorOptions } from 'electron'

/** What the menu needs from the app. */
export interface MenuOptions {
  isDev: boolean
  isMac: boolean
  /** File ▸ Open Folder…: ask for a folder and switch the workspace to it. */
  openFolder: () => void
}

/** File (Open Folder…, Quit), Edit (the standard roles), and View only in development. */
export function buildMenuTemplate(opts: MenuOptions): MenuItemConstructorOptions[] {
  const template: MenuItemConstructorOptions[] = []
  // macOS puts Quit (and About, Hide…) in the app menu, under the app's name.
  if (opts.isMac) template.push({ role: 'appMenu' })
  template.push({
    label: 'File',
    submenu: [
      { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => opts.openFolder() },
      { type: 'separator' },
      opts.isMac ? { role: 'close' } : { role: 'quit' }
    ]
  })
  template.push({
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' }
    ]
  })
  if (opts.isDev) {
    template.push({ label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }] })
  }
  return template
}
