/**
 * The app's own settings (not the workspace's): the last and the recent folders opened, the
 * documents last shown in each with their positions, the writer's name and the timing a writer may
 * tune, as JSON in the app's user-data folder (Electron's userData; for the
 * web host `$SECTIONED_CONFIG_DIR`, else `$XDG_CONFIG_HOME/sectioned`, else `~/.config/sectioned`).
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'
import { editableSettingsSchema } from '../../../shared/contract'
import type { OpenWorkspaceOptions } from '../app-services'
import {
  addRecentFolder,
  checkRecentFolders,
  checkWorkspacePlaces,
  rememberPlace,
  type Checked,
  type DocumentPlace,
  type WorkspacePlaces
} from './recent'

/** What the app remembers between runs. Every field is optional: a missing file is a first run. */
export type Settings = Partial<z.output<typeof editableSettingsSchema>> & {
  /** The workspace folder opened last (absolute). */
  lastFolder?: string
  /** Folders opened, most recent first, de-duplicated, at most 10 (recent.ts). */
  recentFolders?: string[]
  /** Per workspace folder, the documents last shown and where (recent.ts). */
  workspaces?: WorkspacePlaces[]
}

/** Fields whose entries are checked one by one: a bad entry is dropped, not the whole list. */
const listFields: Record<string, (raw: unknown) => Checked<unknown>> = {
  recentFolders: checkRecentFolders,
  workspaces: checkWorkspacePlaces
}

const fieldSchemas = {
  ...editableSettingsSchema.shape,
  lastFolder: z.string().trim().min(1)
} as const

/** The settings file inside a user-data folder. */
export function settingsFile(userData: string): string {
  return path.join(userData, 'settings.json')
}

/** The web host's settings folder (Electron uses its userData folder instead). */
export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SECTIONED_CONFIG_DIR) return env.SECTIONED_CONFIG_DIR
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config')
  return path.join(base, 'sectioned')
}

/** Settings read back, and one line per thing that was wrong with the file (for the log). */
export interface SettingsReport {
  settings: Settings & Record<string, unknown>
  problems: string[]
}

/**
 * Reads the settings; a missing file is a first run, and an unreadable or hand-broken file reads as
 * empty settings with a problem naming it. A field of the wrong type or out of range is dropped
 * (for the lists, entry by entry) and named (a writer should get the app, not an error, and the
 * next write repairs the file). Unknown keys are kept.
 */
export async function readSettingsReport(file: string): Promise<SettingsReport> {
  let raw: unknown
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { settings: {}, problems: [] }
    const why = err instanceof SyntaxError ? 'is not valid JSON' : 'could not be read'
    return { settings: {}, problems: [`the settings file ${file} ${why}; using the defaults`] }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { settings: {}, problems: [`the settings file ${file} is not a JSON object; using the defaults`] }
  const out: Record<string, unknown> = {}
  const problems: string[] = []
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const list = listFields[key]
    const schema = (fieldSchemas as Record<string, z.ZodType>)[key]
    if (list) {
      const checked = list(value)
      out[key] = checked.value
      problems.push(...checked.problems.map((p) => `${file}: ${p}`))
    } else if (!schema) out[key] = value
    else {
      const parsed = schema.safeParse(value)
      if (parsed.success) out[key] = parsed.data
      else problems.push(`${file}: ${key} is not valid; using the default`)
    }
  }
  return { settings: out as Settings & Record<string, unknown>, problems }
}

/** The settings alone (see readSettingsReport). */
export async function readSettings(file: string): Promise<Settings & Record<string, unknown>> {
  return (await readSettingsReport(file)).settings
}

/** The write in progress per settings file: writes of one process go one after another. */
const writing = new Map<string, Promise<void>>()

/**
 * Merges what `change` makes of the current settings into the file, atomically (temp file in the
 * same folder, then rename), so a crash mid-write leaves the old settings rather than half a JSON
 * file. Writes of this process to one file are queued, so a list read-modify-write (recent folders,
 * remembered places) never loses another's change.
 */
export function updateSettingsWith(file: string, change: (current: Settings) => Settings): Promise<void> {
  const previous = writing.get(file) ?? Promise.resolve()
  const next = previous.then(async () => {
    const current = await readSettings(file)
    const merged = { ...current, ...change(current) }
    await fs.mkdir(path.dirname(file), { recursive: true })
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`
    try {
      await fs.writeFile(temp, `${JSON.stringify(merged, null, 2)}\n`)
      await fs.rename(temp, file)
    } finally {
      await fs.rm(temp, { force: true })
    }
  })
  const settled = next.catch(() => undefined)
  writing.set(file, settled)
  void settled.then(() => {
    if (writing.get(file) === settled) writing.delete(file)
  })
  return next
}

/** Merges `changes` into the settings file (see updateSettingsWith). */
export function updateSettings(file: string, changes: Settings): Promise<void> {
  return updateSettingsWith(file, () => changes)
}

/** How settings open a workspace. The command line (`user`) and LOCK_HEARTBEAT_INTERVAL win over the file. */
export function openOptionsFrom(
  settings: Settings,
  env: NodeJS.ProcessEnv = process.env
): Pick<OpenWorkspaceOptions, 'user' | 'lockSettings' | 'watch'> {
  const lockSettings: NonNullable<OpenWorkspaceOptions['lockSettings']> = {}
  if (settings.heartbeatSeconds !== undefined && !env.LOCK_HEARTBEAT_INTERVAL)
    lockSettings.heartbeatIntervalMs = settings.heartbeatSeconds * 1000
  if (settings.idleTimeoutMinutes !== undefined) {
    lockSettings.idleTimeoutMs = Math.round(settings.idleTimeoutMinutes * 60_000)
    // The warning comes a minute before the release, or halfway for a short timeout.
    lockSettings.idleWarningMs = Math.min(60_000, lockSettings.idleTimeoutMs / 2)
  }
  return {
    user: settings.user,
    lockSettings,
    watch: { mode: settings.watchMode ?? 'auto', pollIntervalMs: settings.pollIntervalMs }
  }
}

/** Puts `folder` first among the recent folders (and keeps it as the last folder opened). */
export function recordRecentFolder(file: string, folder: string): Promise<void> {
  return updateSettingsWith(file, (current) => ({
    recentFolders: addRecentFolder(current.recentFolders ?? [], folder)
  }))
}

/** Remembers that `place.document` is shown in workspace `folder`, and where (reopened on the next start). */
export function recordPlace(file: string, folder: string, place: DocumentPlace): Promise<void> {
  return updateSettingsWith(file, (current) => ({
    workspaces: rememberPlace(current.workspaces ?? [], folder, place)
  }))
}

/** A recent folder and whether it is still there (a folder that is gone is shown greyed). */
export interface RecentFolder {
  folder: string
  /** False only when the folder is known to be gone; a share that did not answer in time counts as there. */
  exists: boolean
}

/** How long one recent folder may take to answer whether it is there. */
const FOLDER_CHECK_MS = 1_000

/** What the existence check needs: `fs.stat` (tests pass one that never answers). */
export interface FolderCheck {
  stat?: (folder: string) => Promise<{ isDirectory(): boolean }>
  timeoutMs?: number
}

/** Whether `folder` is a folder: true, false, or null when it did not answer within the time. */
export async function folderExists(folder: string, check: FolderCheck = {}): Promise<boolean | null> {
  const stat = check.stat ?? ((f: string) => fs.stat(f))
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), check.timeoutMs ?? FOLDER_CHECK_MS)
  })
  try {
    return await Promise.race([
      stat(folder).then(
        (st) => st.isDirectory(),
        () => false
      ),
      late
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The recent folders with whether each is still a folder. One at a time, and none after the first
 * that does not answer: a stat on a dead network mount can hang for minutes and holds one of
 * Node's few file-system threads while it does, so a list of dead shares must not take them all.
 */
export async function recentFolders(settings: Settings, check: FolderCheck = {}): Promise<RecentFolder[]> {
  const out: RecentFolder[] = []
  let answering = true
  for (const folder of settings.recentFolders ?? []) {
    const exists = answering ? await folderExists(folder, check) : null
    if (exists === null) answering = false
    out.push({ folder, exists: exists ?? true })
  }
  return out
}
