/**
 * Moving entries within the share for file operations (rename, move, trash, restore): a file or
 * folder goes to a name that must be free, across folders, never through a planted folder link and
 * never onto something that is there. Creating one folder exclusively, for `files:mkdir`.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { describeKind, errCode, explain, ShareFileError } from './errors'
import { fsyncDir } from './write'
import { assertPlainFolder } from './roots'

/**
 * Moves a file or folder to `to`, which must not exist. A link at `from` is refused (the app never
 * moves a link as if it were the document). `to` being the *same* entry as `from` is allowed: on a
 * case-insensitive file system (macOS, Windows, an SMB share) `Notes.md` → `notes.md` finds the
 * file itself at the target, and the rename then only changes the name's case, through a step name
 * (`caseRenameStep`).
 *
 * Left: the free-target check and the rename are two steps (there is no portable rename that
 * refuses to replace, and a hard link + unlink is not available on SMB), so another program that
 * creates `to` in between is replaced; a file op holds the document lock of both names, so no
 * Sectioned instance can.
 */
export async function moveEntry(from: string, to: string): Promise<void> {
  await assertPlainFolder(path.dirname(from))
  await assertPlainFolder(path.dirname(to))
  const source = await fs.lstat(from).catch((err: unknown) => {
    throw explain(from, err)
  })
  if (!source.isFile() && !source.isDirectory()) throw new ShareFileError(from, describeKind(source))
  const target = await fs.lstat(to).catch((err: unknown) => {
    if (errCode(err) === 'ENOENT') return null
    throw explain(to, err)
  })
  const sameEntry = target !== null && target.dev === source.dev && target.ino === source.ino
  if (target && !sameEntry) throw new ShareFileError(to, 'is already there; nothing was moved onto it')
  if (sameEntry && from !== to && differOnlyInCase(from, to)) {
    // rename(2) between two names of one file does nothing and reports success, so on a Linux
    // case-insensitive mount (SMB, a FUSE file system) `Plan.md` → `plan.md` would keep the old
    // spelling. Two renames through a name of its own write the new one (as git does).
    // Already spelled so (a move recovered after its file step): renaming again through the old
    // spelling is at best nothing, and confuses some case-insensitive mounts (rclone).
    const names = await fs.readdir(path.dirname(to))
    if (names.includes(path.basename(to)) && !names.includes(path.basename(from))) return
    const step = caseRenameStep(to)
    if (await fs.lstat(step).catch(() => null))
      throw new ShareFileError(step, 'is left from an unfinished rename; nothing was moved onto it')
    await renameOrExplain(from, step)
    await renameOrExplain(step, to)
  } else await renameOrExplain(from, to)
  await fsyncDir(path.dirname(to)).catch(() => undefined)
  if (path.dirname(to) !== path.dirname(from)) await fsyncDir(path.dirname(from)).catch(() => undefined)
}

/**
 * The name a case-only rename to `to` passes through: hidden (the app and its watchers skip it),
 * beside the target, and always the same, so a move interrupted between the two renames is
 * finished from it (files/doc-move.ts).
 */
export function caseRenameStep(to: string): string {
  return path.join(path.dirname(to), `.${path.basename(to)}.case-rename`)
}

/** Same folder, and names that differ in case only (two hard links of one file are not a case rename). */
function differOnlyInCase(a: string, b: string): boolean {
  return (
    path.dirname(a) === path.dirname(b) && path.basename(a).toLowerCase() === path.basename(b).toLowerCase()
  )
}

async function renameOrExplain(from: string, to: string): Promise<void> {
  await fs.rename(from, to).catch((err: unknown) => {
    throw explain(from, err)
  })
}

/** Creates one folder whose parent exists (EEXIST when the name is taken), never through a planted link. */
export async function makeFolder(dir: string): Promise<void> {
  await assertPlainFolder(path.dirname(dir))
  await fs.mkdir(dir).catch((err: unknown) => {
    throw explain(dir, err)
  })
}
