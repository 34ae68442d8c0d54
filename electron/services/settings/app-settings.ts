/**
 * The app's own settings (not the workspace's): the last folder opened, the writer's name and the
 * timing a writer may tune, as JSON in the app's user-data folder (Electron's userData; for the
 * web host `$SECTIONED_CONFIG_DIR`, else `$XDG_CONFIG_HOME/sectioned`, else `~/.config/sectioned`).
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'
import { editableSettingsSchema } from '../../../shared/contract'
import type { OpenWorkspaceOptions } from '../app-services'

/** What the app remembers between runs. Every field is optional: a missing file is a first run. */
export type Settings = Partial<z.output<typeof editableSettingsSchema>> & {
  /** The workspace folder opened last (absolute). */
  lastFolder?: string
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

/**
 * Reads the settings; a missing, unreadable or hand-broken file reads as empty settings, and a
 * field of the wrong type or out of range is dropped (a writer should get the app, not an error,
 * and the next write repairs the file). Unknown keys are kept.
 */
export async function readSettings(file: string): Promise<Settings & Record<string, unknown>> {
  let raw: unknown
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'))
  } catch {
    return {}
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {}
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const schema = (fieldSchemas as Record<string, z.ZodType>)[key]
    if (!schema) out[key] = value
    else {
      const parsed = schema.safeParse(value)
      if (parsed.success) out[key] = parsed.data
    }
  }
  return out as Settings & Record<string, unknown>
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
