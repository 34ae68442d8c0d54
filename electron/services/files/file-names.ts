/**
 * Which names a file operation may give a document or a folder. A name must be usable on every
 * computer that opens the share: Windows refuses reserved device names, trailing dots and spaces
 * and `<>:"|?*`; macOS and Windows do not tell names apart by case, so two entries differing only
 * in case would be one file there. Each refusal is a ValidationError that says why, before
 * anything is changed.
 */
import path from 'node:path'
import { ValidationError } from '../../../shared/errors'
import { escapeControl } from '../../../shared/escape-control'
import { lstatOrNull, readdirOrNull } from '../core/share-fs'
import { HIDDEN_DIR, type DocumentRef, type Workspace } from '../core/workspace'

/** Device names Windows reserves, with or without an extension (`con.md` is CON there). */
const RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])$/i

/** Control characters, and bidi overrides that make a name read other than it is spelled. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

/** The longest name most file systems keep (bytes of UTF-8). */
const MAX_NAME_BYTES = 255

/** Refuses one name component (a file or folder name, no separators) with the reason. */
export function checkName(name: string): void {
  if (name === '') throw new ValidationError('A name is empty (two slashes in a row, or none given).')
  if (name === '.' || name === '..')
    throw new ValidationError(`“${name}” is not a name: paths may not climb out of their folder.`)
  if (/[\\/]/.test(name))
    throw new ValidationError(`“${printable(name)}” contains a path separator; give a name without / or \\.`)
  if (CONTROL.test(name))
    throw new ValidationError(
      `“${printable(name)}” contains a control character (a tab, a line break, a direction override…).`
    )
  if (/[<>:"|?*]/.test(name))
    throw new ValidationError(
      `“${name}” contains one of < > : " | ? *, which Windows does not allow in names.`
    )
  if (/[. ]$/.test(name))
    throw new ValidationError(`“${name}” ends with a dot or a space, which Windows drops or refuses.`)
  if (name.startsWith('.'))
    throw new ValidationError(
      `“${name}” starts with a dot: it would be hidden, and the app skips hidden names.`
    )
  if (RESERVED.test(name.split('.')[0]))
    throw new ValidationError(`“${name}” is a device name on Windows (CON, PRN, AUX, NUL, COM1–9, LPT1–9).`)
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES)
    throw new ValidationError(`“${name.slice(0, 40)}…” is longer than ${MAX_NAME_BYTES} bytes.`)
}

/** Splits a workspace-relative path written with `/` and checks every component. */
function checkRelPath(input: string): string[] {
  if (input.includes('\\'))
    throw new ValidationError(
      `“${printable(input)}” contains \\; write paths with / (as in “notes/plan.md”).`
    )
  if (path.posix.isAbsolute(input) || /^[a-zA-Z]:/.test(input))
    throw new ValidationError(`“${printable(input)}” is absolute; give a path inside the workspace folder.`)
  const parts = input.split('/')
  for (const p of parts) checkName(p)
  if (parts.includes(HIDDEN_DIR)) throw new ValidationError(`“${input}” is inside the app's hidden folder.`)
  return parts
}

/** A new document's path: every component a valid name, ending in `.md`, inside the workspace. */
export function checkDocumentName(ws: Workspace, input: string): DocumentRef {
  const parts = checkRelPath(input)
  if (!/\.md$/i.test(parts[parts.length - 1]))
    throw new ValidationError(`“${input}” is not a markdown document name: it must end in .md.`)
  return ws.resolveDocument(parts.join('/'))
}

/** A new folder's path, inside the workspace (absolute and relative). */
export function checkFolderName(ws: Workspace, input: string): { rel: string; abs: string } {
  const parts = checkRelPath(input)
  const rel = parts.join('/')
  return { rel, abs: path.join(ws.root, ...parts) }
}

/**
 * Refuses a target that exists, or whose name differs only in case from an entry of its folder
 * (one file on macOS and Windows). `self`: the entry being renamed, which may differ from the
 * target in case only (a case-only rename).
 */
export async function checkFree(ws: Workspace, rel: string, self?: string): Promise<void> {
  const parts = rel.split('/')
  let dir = ws.root
  for (let i = 0; i < parts.length; i++) {
    const want = parts[i]
    const names = await readdirOrNull(dir)
    if (names === null) return // the folder does not exist yet: nothing in it to clash with
    const selfName = self !== undefined ? self.split('/')[i] : undefined
    const same = names.find((n) => n === want)
    const last = i === parts.length - 1
    if (last && same !== undefined && same !== selfName)
      throw new ValidationError(`“${rel}” already exists; choose another name.`)
    // Only the last name is the entry being renamed: a folder on the way spelled in another case
    // would be a second folder on a case-sensitive share and the same one elsewhere.
    const clash = names.find(
      (n) => n !== want && n.toLowerCase() === want.toLowerCase() && !(last && n === selfName)
    )
    if (clash !== undefined) {
      const where = parts.slice(0, i).concat(clash).join('/')
      throw new ValidationError(
        `“${rel}” differs only in case from “${where}”, which is one name on macOS and Windows; choose another name.`
      )
    }
    if (!last) {
      dir = path.join(dir, want)
      const st = await lstatOrNull(dir)
      if (st && !st.isDirectory())
        throw new ValidationError(`“${parts.slice(0, i + 1).join('/')}” is not a folder.`)
    }
  }
}

function printable(s: string): string {
  return escapeControl(s)
}
