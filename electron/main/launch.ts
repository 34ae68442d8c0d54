/**
 * Which workspace folder and writer name the app starts with: `--folder DIR` on the command line,
 * else the folder opened last, else a copy of the sample workspace in userData. Pure Node (no
 * Electron) so every rule here is unit-tested.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'

/** What the command line asked for. */
export interface LaunchArgs {
  folder?: string
  user?: string
}

/**
 * Reads `--folder DIR` / `--folder=DIR` and `--user NAME` / `--user=NAME` anywhere in `argv`.
 * Everything else is ignored on purpose: Electron's argv also carries the executable, the app path
 * and Chromium switches, in an order that differs between dev, packaged and second-instance runs.
 */
export function parseLaunchArgs(argv: readonly string[]): LaunchArgs {
  const args: LaunchArgs = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    for (const name of ['folder', 'user'] as const) {
      let value: string | undefined
      if (arg === `--${name}`) {
        const next = argv[i + 1]
        if (next !== undefined && !next.startsWith('--')) value = argv[++i]
      } else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3)
      if (value !== undefined && value.trim() !== '') args[name] = value
    }
  }
  return args
}

/** Where the chosen folder came from (shown in the log, and decides whether a failure is fatal). */
export type FolderSource = 'argument' | 'last' | 'sample'

/** The workspace folder to open. */
export interface WorkspaceChoice {
  folder: string
  source: FolderSource
}

async function isDirectory(folder: string): Promise<boolean> {
  return (await fs.stat(folder).catch(() => null))?.isDirectory() ?? false
}

/**
 * Copies the sample workspace to `target` unless it is already there (the writer's edits to the
 * sample are theirs to keep). The copy goes to a temp folder first and is renamed into place, so a
 * crash mid-copy never leaves a half sample that later runs would take as complete.
 */
export async function ensureSampleWorkspace(source: string, target: string): Promise<string> {
  if (await isDirectory(target)) return target
  if (!(await isDirectory(source))) {
    throw new Error(`The sample workspace is missing from the app (looked in “${source}”).`)
  }
  const temp = `${target}.partial-${process.pid}`
  await fs.rm(temp, { recursive: true, force: true })
  await fs.mkdir(path.dirname(target), { recursive: true })
  await fs.cp(source, temp, { recursive: true })
  try {
    await fs.rename(temp, target)
  } catch (err) {
    await fs.rm(temp, { recursive: true, force: true })
    // Someone else put a sample there in the meantime: theirs is as good as ours.
    if (!(await isDirectory(target))) throw err
  }
  return target
}

/**
 * Picks the folder to open. A `--folder` that is not a folder is an error (the writer asked for
 * it by name); a last folder that has gone (an unmounted network drive) falls back to the sample.
 */
export async function chooseWorkspaceFolder(opts: {
  argFolder?: string
  lastFolder?: string
  sampleSource: string
  sampleTarget: string
  cwd?: string
}): Promise<WorkspaceChoice> {
  if (opts.argFolder !== undefined) {
    const folder = path.resolve(opts.cwd ?? process.cwd(), opts.argFolder)
    if (!(await isDirectory(folder)))
      throw new Error(`The folder “${folder}” given with --folder does not exist.`)
    return { folder, source: 'argument' }
  }
  if (opts.lastFolder && path.isAbsolute(opts.lastFolder) && (await isDirectory(opts.lastFolder))) {
    return { folder: opts.lastFolder, source: 'last' }
  }
  return { folder: await ensureSampleWorkspace(opts.sampleSource, opts.sampleTarget), source: 'sample' }
}

/**
 * The command line for a relaunch on `folder`: the current arguments without any `--folder`,
 * plus `--folder folder` (Open Folder… restarts the app rather than swapping services in place).
 */
export function withFolderArg(args: readonly string[], folder: string): string[] {
  const kept: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    if (arg === '--folder') {
      const next = args[i + 1]
      if (next !== undefined && !next.startsWith('--')) i++
    } else if (!arg.startsWith('--folder=')) kept.push(arg)
  }
  return [...kept, '--folder', folder]
}
