import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { buildMenuTemplate, recentItems } from './menu'

function items(template: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions[] {
  const menu = template.find((m) => m.label === label)
  return Array.isArray(menu?.submenu) ? menu.submenu : []
}

describe('buildMenuTemplate', () => {
  it('has File (Open Folder…, Quit), Edit roles, View with zoom but no devtools, and Help ▸ Show Log in a packaged app', () => {
    const openFolder = vi.fn()
    const showLog = vi.fn()
    const template = buildMenuTemplate({ isDev: false, isMac: false, openFolder, showLog })
    expect(template.map((m) => m.label)).toEqual(['File', 'Edit', 'View', 'Help'])
    expect(items(template, 'View').map((i) => i.role ?? i.type)).toEqual([
      'resetZoom',
      'zoomIn',
      'zoomOut',
      'separator',
      'togglefullscreen'
    ])
    const help = items(template, 'Help')
    expect(help.map((i) => i.label)).toEqual(['Show Log'])
    help[0]?.click?.({} as never, undefined, {} as never)
    expect(showLog).toHaveBeenCalledTimes(1)
    const file = items(template, 'File')
    expect(file[0]?.label).toBe('Open Folder…')
    expect(file.at(-1)?.role).toBe('quit')
    file[0]?.click?.({} as never, undefined, {} as never)
    expect(openFolder).toHaveBeenCalledTimes(1)
    expect(items(template, 'Edit').map((i) => i.role ?? i.type)).toEqual([
      'undo',
      'redo',
      'separator',
      'cut',
      'copy',
      'paste',
      'selectAll'
    ])
    const roles = JSON.stringify(template)
    expect(roles).not.toContain('toggleDevTools')
    expect(roles).not.toContain('reload')
  })

  it('offers reload and devtools in development only', () => {
    const template = buildMenuTemplate({ isDev: true, isMac: false, openFolder: () => undefined })
    expect(items(template, 'View').map((i) => i.role ?? i.type)).toEqual([
      'resetZoom',
      'zoomIn',
      'zoomOut',
      'separator',
      'togglefullscreen',
      'separator',
      'reload',
      'toggleDevTools'
    ])
  })

  it('puts the app menu first on macOS', () => {
    const template = buildMenuTemplate({ isDev: false, isMac: true, openFolder: () => undefined })
    expect(template[0]?.role).toBe('appMenu')
  })

  it('lists recent folders under File ▸ Open Recent, most recent first; a folder that is gone is greyed', () => {
    const openRecent = vi.fn()
    const template = buildMenuTemplate({
      isDev: false,
      isMac: false,
      openFolder: () => undefined,
      openRecent,
      recent: [
        { folder: '/shared/book', exists: true },
        { folder: '/gone/R&D', exists: false }
      ]
    })
    const file = items(template, 'File')
    expect(file.map((i) => i.label ?? i.role ?? i.type)).toEqual([
      'Open Folder…',
      'Open Recent',
      'separator',
      'quit'
    ])
    const recent = file[1]?.submenu
    if (!Array.isArray(recent)) throw new Error('Open Recent has no submenu')
    expect(recent.map((i) => [i.label, i.enabled])).toEqual([
      ['/shared/book', true],
      ['/gone/R&&D (not found)', false]
    ])
    recent[0]?.click?.({} as never, undefined, {} as never)
    expect(openRecent).toHaveBeenCalledWith('/shared/book')
    expect(recentItems({ recent: [] })).toEqual([{ label: 'No Recent Folders', enabled: false }])
  })
})
