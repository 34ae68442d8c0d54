/**
 * The Electron shell: lifecycle, the window, the menu. Deliberately thin — every guarantee lives
 * in electron/services, shared with the web host and the CLI. Start: one instance per userData
 * folder, open a session on it (open-session.ts: settings, the workspace chosen by launch.ts, the
 * services, the dispatcher, IPC as its transport, a log file in userData/logs), show the window.
 * Stop (quit, last window closed, SIGINT/SIGTERM): windows holding locks save and journal their
 * text first (close-flush.ts), then dispose the session — IPC, dispatcher and services, which
 * releases this instance's locks (SPEC L6) — and only then exit.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, session, shell } from 'electron'
import { existsSync } from 'node:fs'
import { basename, join } from 'node:path'
import { writingSettings } from '../services/api/settings-handlers'
import { consoleLog, errorText, silentLog, teeLog, type Log } from '../services/log/log'
import { openSession, type Session } from '../services/session/open-session'
import {
  folderExists,
  readSettings,
  recentFolders,
  settingsFile,
  updateSettings
} from '../services/settings/app-settings'
import { APP_PAGE_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, appProtocolHandler } from './app-protocol'
import { guardClose, sendFlush, type CloseFlush } from './close-flush'
import { bindIpc, type IpcBinding } from './ipc'
import { chooseWorkspaceFolder, parseLaunchArgs, withFolderArg, type FolderSource } from './launch'
import { buildMenuTemplate } from './menu'
import { showOsNotification } from './os-notifications'
import { applySpellSettings, contextMenuTemplate, type SpellSettings } from './spelling'
import { printWindowToPdf } from './print-pdf'
import { isTrustedUrl } from './trusted-url'
import { checkForUpdates, type Updates } from './updates'
import {
  applyContentSecurityPolicy,
  applyNavigationGuards,
  CONTENT_SECURITY_POLICY,
  secureWindowOptions
} from './window-options'

/** How long quitting waits for locks to be released before exiting anyway (a dead network drive). */
const SHUTDOWN_TIMEOUT_MS = 10_000

const isDev = !app.isPackaged
/**
 * The page every window shows: the built renderer through the app's own scheme (app-protocol.ts).
 * A packaged app ignores ELECTRON_RENDERER_URL: it only ever loads its own files.
 */
const appUrl = isDev && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : APP_PAGE_URL
// Before the app is ready, or Chromium treats app:// as an opaque, insecure scheme.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES])

/** The open workspace and everything bound to it; null before start and after stop. */
type Running = Session<IpcBinding>

let running: Running | null = null
let starting: Promise<void> | null = null
let mainWindow: BrowserWindow | null = null
/** Each window's flush handshake, by webContents id (the window's client id in the dispatcher). */
const flushes = new Map<number, CloseFlush>()

/** The session's log file; it stays after stop, closed (its lines are then dropped). */
let fileLog: Log = silentLog
/** The console, as before, and the log file once the session has opened it. */
const log: Log = {
  info: (message, fields) => teeLog(consoleLog, fileLog).info(message, fields),
  warn: (message, fields) => teeLog(consoleLog, fileLog).warn(message, fields),
  error: (message, fields) => teeLog(consoleLog, fileLog).error(message, fields)
}
const messageOf = errorText

/** The sample workspace shipped with the app: beside app.asar when packaged, in the repository in development. */
function sampleSource(): string {
  const inRepo = join(app.getAppPath(), 'resources', 'sample-workspace')
  const candidates = app.isPackaged ? [join(process.resourcesPath, 'sample-workspace'), inRepo] : [inRepo]
  return candidates.find((dir) => existsSync(dir)) ?? inRepo
}

/** The spell checker's suggestions and the edit items on a right click (spelling.ts). */
function attachContextMenu(win: BrowserWindow): void {
  const contents = win.webContents
  contents.on('context-menu', (_event, params) => {
    const template = contextMenuTemplate(params, {
      replace: (word) => contents.replaceMisspelling(word),
      addToDictionary: (word) => void contents.session.addWordToSpellCheckerDictionary(word)
    })
    if (template.length) Menu.buildFromTemplate(template).popup({ window: win })
  })
}

/** Applies the spelling settings to the app's session; a language without a dictionary is logged. */
function applySpelling(settings: SpellSettings): void {
  const problem = applySpellSettings(session.defaultSession, settings)
  if (problem) log.warn(problem)
}

function createWindow(current: Running): BrowserWindow {
  const win = new BrowserWindow(secureWindowOptions(join(__dirname, '../preload/index.js')))
  applyNavigationGuards(win.webContents, appUrl, (url) => shell.openExternal(url))
  attachContextMenu(win)
  current.transport.addWindow(win.webContents)
  // Read now: webContents is gone by the time 'closed' fires.
  const clientId = win.webContents.id
  flushes.set(
    clientId,
    guardClose({
      window: win,
      send: () => sendFlush(win.webContents),
      needsFlush: () => current.dispatcher.holdsLocks(String(clientId))
    })
  )
  // The title names the folder and the writer, so two instances side by side can be told apart.
  win.setTitle(`${basename(current.folder)} — Sectioned (${current.services.identity.user})`)
  win.on('page-title-updated', (event) => event.preventDefault())
  win.once('ready-to-show', () => win.show())
  win.on('closed', () => {
    flushes.delete(clientId)
    if (mainWindow === win) mainWindow = null
  })
  void win.loadURL(appUrl).catch((err: unknown) => log.warn(`the page did not load: ${messageOf(err)}`))
  return win
}

/** Remembers `folder` as the one to open and relaunches on it, through the one shutdown path that releases every lock. */
async function switchTo(folder: string): Promise<void> {
  if (folder === running?.folder) return
  await updateSettings(settingsFile(app.getPath('userData')), { lastFolder: folder }).catch((err: unknown) =>
    log.warn(`could not remember the folder: ${messageOf(err)}`)
  )
  app.relaunch({ args: withFolderArg(process.argv.slice(1), folder) })
  app.quit()
}

/** File ▸ Open Folder…: ask for a folder and switch to it. */
async function openFolder(): Promise<void> {
  const options = {
    title: 'Open a workspace folder',
    properties: ['openDirectory' as const, 'createDirectory' as const]
  }
  const owner = BrowserWindow.getFocusedWindow() ?? mainWindow
  const picked = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options)
  const folder = picked.filePaths[0]
  if (picked.canceled || !folder) return
  await switchTo(folder)
}

/** File ▸ Open Recent ▸ a folder: switch to it, unless it went since the menu was built. */
async function openRecent(folder: string): Promise<void> {
  // A share that does not answer is tried anyway: the start says what is wrong with it.
  if ((await folderExists(folder)) === false) {
    await dialog.showMessageBox({ type: 'warning', message: `The folder “${folder}” is not there any more.` })
    return setMenu(true)
  }
  await switchTo(folder)
}

/**
 * Builds the application menu with the recent folders as the settings list them now; `check`
 * greys the ones that are gone (that asks the file system, which a dead share can keep waiting,
 * so the first menu is built without it).
 */
async function setMenu(check: boolean): Promise<void> {
  const settings = await readSettings(settingsFile(app.getPath('userData')))
  const recent = check
    ? await recentFolders(settings)
    : (settings.recentFolders ?? []).map((folder) => ({ folder, exists: true }))
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        isDev,
        isMac: process.platform === 'darwin',
        openFolder: () => {
          openFolder().catch((err: unknown) => log.warn(`could not open a folder: ${messageOf(err)}`))
        },
        recent,
        // The log files of this machine's instances (open-session.ts writes them to userData/logs).
        showLog: () => {
          void shell.openPath(join(app.getPath('userData'), 'logs')).then((problem) => {
            if (problem) log.warn(`could not show the log folder: ${problem}`)
          })
        },
        openRecent: (folder) => {
          openRecent(folder).catch((err: unknown) => log.warn(`could not open a folder: ${messageOf(err)}`))
        }
      })
    )
  )
}

async function start(): Promise<void> {
  const userData = app.getPath('userData')
  const args = parseLaunchArgs(process.argv)
  let source: FolderSource = 'argument'
  const opened = await openSession({
    kind: 'app',
    hostDir: userData,
    user: args.user,
    folder: async (settings) => {
      const choice = await chooseWorkspaceFolder({
        argFolder: args.folder,
        lastFolder: settings.lastFolder,
        sampleSource: sampleSource(),
        sampleTarget: join(userData, 'sample-workspace')
      })
      source = choice.source
      return choice.folder
    },
    dispatcher: {
      onFlushed: (clientId) => flushes.get(Number(clientId))?.flushed(),
      onNotify: showOsNotification,
      // Settings change the spell checker at once, like the editor's page (the rest on reopening).
      onSettingsChanged: applySpelling,
      onPrintToPdf: printWindowToPdf
    },
    // Refusals and dropped events show on the console as before, and in the log file.
    transport: (dispatcher, sessionLog) =>
      bindIpc(ipcMain, dispatcher, (url) => isTrustedUrl(url, appUrl), teeLog(consoleLog, sessionLog))
  })
  fileLog = opened.log
  running = opened
  log.info(`opened ${opened.folder} (${source}) as ${opened.services.identity.user}`)
  await updateSettings(settingsFile(userData), { lastFolder: opened.folder }).catch((err: unknown) =>
    log.warn(`could not remember the folder: ${messageOf(err)}`)
  )

  applyContentSecurityPolicy(session.defaultSession, appUrl)
  // The renderer folder's files, each with the CSP header; nothing else (see app-protocol.ts).
  protocol.handle(
    APP_SCHEME,
    appProtocolHandler(join(__dirname, '../renderer'), CONTENT_SECURITY_POLICY, (url) => net.fetch(url))
  )
  applySpelling(writingSettings(await readSettings(settingsFile(userData))))
  await setMenu(false)
  mainWindow = createWindow(running)
  void setMenu(true).catch((err: unknown) => log.warn(`could not list the recent folders: ${messageOf(err)}`))
  updates = checkForUpdates(app.isPackaged, process.resourcesPath, log)
}

/** Disposes in reverse order of start; waits for a start in progress so nothing it opens is left behind. */
async function stop(): Promise<void> {
  await starting?.catch(() => undefined)
  const current = running
  running = null
  if (!current) return
  // IPC, then the dispatcher, then the services (which release the locks), then the log file.
  await current.dispose()
}

/** The update feed's state (updates.ts): a downloaded update installs once the locks are released. */
let updates: Updates | null = null
let phase: 'running' | 'stopping' | 'stopped' = 'running'
let exitCode = 0

/** Quit, once: the first before-quit is held until the locks are released, then the app exits. */
function onBeforeQuit(event: { preventDefault(): void }): void {
  if (phase === 'stopped') return
  event.preventDefault()
  if (phase === 'stopping') return
  phase = 'stopping'
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      log.error(
        `gave up releasing locks after ${SHUTDOWN_TIMEOUT_MS / 1000} s; others can take them over once stale`
      )
      resolve()
    }, SHUTDOWN_TIMEOUT_MS)
  })
  // Windows save and journal their text first (at most 3 s), while IPC is still bound.
  const flushed = Promise.all([...flushes.values()].map((f) => f.flush()))
  void Promise.race([
    flushed.then(stop).catch((err: unknown) => log.error(`shutdown failed: ${messageOf(err)}`)),
    timeout
  ]).finally(() => {
    clearTimeout(timer)
    phase = 'stopped'
    if (exitCode === 0 && updates?.installIfDownloaded()) return
    app.exit(exitCode)
  })
}

let firstSignalAt = 0

/**
 * SIGINT/SIGTERM quit like the menu does. `process.on`, not `once`, and never removed: signal-exit
 * (used by write-file-atomic) re-raises the signal — killing us before the locks are released —
 * when it believes it is the only listener. A second signal means the writer insists: exit now.
 */
function onSignal(signal: NodeJS.Signals): void {
  const now = Date.now()
  if (firstSignalAt === 0) {
    firstSignalAt = now
    log.info(`${signal}: releasing locks and quitting`)
    app.quit()
    return
  }
  // The same Ctrl+C often arrives twice (the terminal and npm both send it); only a later one insists.
  if (now - firstSignalAt < 1000) return
  log.warn(`${signal} again: exiting without waiting for locks to be released`)
  app.exit(1)
}

function fail(err: unknown): void {
  const message = messageOf(err)
  log.error(`could not start: ${message}`)
  dialog.showErrorBox('Sectioned could not start', message)
  exitCode = 1
  app.quit()
}

if (!app.requestSingleInstanceLock()) {
  // Another instance owns this userData folder (its settings and its sample); it gets the focus instead.
  console.log('Sectioned is already running; switching to its window.')
  app.quit()
} else {
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // Windows shows notifications only for an app with a user model id (the installer's appId).
  if (process.platform === 'win32') app.setAppUserModelId('app.sectioned.editor')
  app.on('before-quit', onBeforeQuit)
  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })
  // One writer, one window: closing it ends the session and releases its locks, on macOS too.
  app.on('window-all-closed', () => app.quit())
  app.on('activate', () => {
    if (running && !mainWindow) mainWindow = createWindow(running)
  })
  void app.whenReady().then(() => {
    starting = start()
    starting.catch(fail)
  })
}
