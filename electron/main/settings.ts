/**
 * The app's own settings (not the workspace's): the last folder opened and the writer's name, as
 * JSON in Electron's userData folder. Pure Node so it is unit-tested without Electron.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'

/** What the app remembers between runs. Every field is optional: a missing file is a first run. */
export interface Settings {
  /** The workspace folder opened last (absolute). */
  lastFolder?: string
  /** The writer's display name; the OS user name when unset. */
  user?: string
}

/** The settings file inside a userData folder. */
export function settingsFile(userData: string): string {
  return path.join(userData, 'settings.json')
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

/**
 * Reads the settings; a missing, unreadable or hand-broken file reads as empty settings (a writer
 * should get the app, not an error, and the next write repairs the file). Unknown keys are kept.
 */
export async function readSettings(file: string): Promise<Settings & Record<string, unknown>> {
  let raw: unknown
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'))
  } catch {
    return {}
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {}
  const { lastFolder, user, ...rest } = raw as Record<string, unknown>
  const settings: Settings & Record<string, unknown> = { ...rest }
  const folder = nonEmptyString(lastFolder)
  const name = nonEmptyString(user)
  if (folder) settings.lastFolder = folder
  if (name) settings.user = name
  return settings
}

/**
 * Merges `changes` into the settings file, atomically (temp file in the same folder, then rename),
 * so a crash mid-write leaves the old settings rather than half a JSON file.
 */
export async function updateSettings(file: string, changes: Settings): Promise<void> {
  const next = { ...(await readSettings(file)), ...changes }
  await fs.mkdir(path.dirname(file), { recursive: true })
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`
  try {
    await fs.writeFile(temp, `${JSON.stringify(next, null, 2)}\n`)
    await fs.rename(temp, file)
  } finally {
    await fs.rm(temp, { force: true })
  }
}
