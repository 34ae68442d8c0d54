/**
 * The application menu as a template (built into a Menu by index.ts). A pure function so the
 * dev-only items are unit-tested: in a packaged app there is no reload (it would drop the page's
 * unsaved state) and no devtools (they would hand the page's privileges to whoever opens them).
 */
import type { MenuItemConstructorOptions } from 'electron'
import type { RecentFolder } from '../services/settings/app-settings'

/** What the menu needs from the app. */
export interface MenuOptions {
  isDev: boolean
  isMac: boolean
  /** File ▸ Open Folder…: ask for a folder and switch the workspace to it. */
  openFolder: () => void
  /** The recent folders, most recent first (a folder that is gone is shown greyed). */
  recent?: readonly RecentFolder[]
  /** File ▸ Open Recent ▸ a folder: switch the workspace to it. */
  openRecent?: (folder: string) => void
  /** Help ▸ Show Log: this instance's log folder in the file manager (for support). */
  showLog?: () => void
}

/** File ▸ Open Recent's items: one per folder, greyed and marked when the folder is gone. */
export function recentItems(opts: Pick<MenuOptions, 'recent' | 'openRecent'>): MenuItemConstructorOptions[] {
  const recent = opts.recent ?? []
  if (recent.length === 0) return [{ label: 'No Recent Folders', enabled: false }]
  return recent.map(({ folder, exists }) => ({
    // `&` would otherwise mark a mnemonic on Windows and Linux.
    label: exists ? folder.replace(/&/g, '&&') : `${folder.replace(/&/g, '&&')} (not found)`,
    enabled: exists,
    click: () => opts.openRecent?.(folder)
  }))
}

/**
 * File (Open Folder…, Open Recent, Quit), Edit (the standard roles), View (zoom and full screen;
 * reload and devtools only in development) and Help (Show Log).
 */
export function buildMenuTemplate(opts: MenuOptions): MenuItemConstructorOptions[] {
  const template: MenuItemConstructorOptions[] = []
  // macOS puts Quit (and About, Hide…) in the app menu, under the app's name.
  if (opts.isMac) template.push({ role: 'appMenu' })
  template.push({
    label: 'File',
    submenu: [
      { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => opts.openFolder() },
      { label: 'Open Recent', submenu: recentItems(opts) },
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
  template.push({
    label: 'View',
    submenu: [
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(opts.isDev
        ? [{ type: 'separator' as const }, { role: 'reload' as const }, { role: 'toggleDevTools' as const }]
        : [])
    ]
  })
  template.push({
    label: 'Help',
    submenu: [{ label: 'Show Log', click: () => opts.showLog?.() }]
  })
  return template
}
