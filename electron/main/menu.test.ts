import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { buildMenuTemplate } from './menu'

function items(template: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions[] {
  const menu = template.find((m) => m.label === label)
  return Array.isArray(menu?.submenu) ? menu.submenu : []
}

describe('buildMenuTemplate', () => {
  it('has File (Open Folder…, Quit) and Edit roles, and no View in a packaged app', () => {
    const openFolder = vi.fn()
    const template = buildMenuTemplate({ isDev: false, isMac: false, openFolder })
    expect(template.map((m) => m.label)).toEqual(['File', 'Edit'])
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
    expect(items(template, 'View').map((i) => i.role)).toEqual(['reload', 'toggleDevTools'])
  })

  it('puts the app menu first on macOS', () => {
    const template = buildMenuTemplate({ isDev: false, isMac: true, openFolder: () => undefined })
    expect(template[0]?.role).toBe('appMenu')
  })
})
