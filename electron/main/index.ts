/**
 * The Electron shell. Deliberately thin: every guarantee lives in electron/services, shared with
 * the web host and the CLI. The window, menu and IPC binding arrive with the app issue.
 */
import { app, BrowserWindow } from 'electron'
import { join } from 'node:path'
import { secureWindowOptions } from './window-options'

function createWindow(): void {
  const win = new BrowserWindow(secureWindowOptions(join(__dirname, '../preload/index.js')))
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }))
  win.webContents.on('will-navigate', (event) => event.preventDefault())
  win.once('ready-to-show', () => win.show())
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL)
  else void win.loadFile(join(__dirname, '../renderer/index.html'))
}

void app.whenReady().then(createWindow)
app.on('window-all-closed', () => app.quit())
