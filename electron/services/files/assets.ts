/**
 * Images beside the documents: read for the preview (an image a document links to, relative to
 * that document) and written when a writer pastes or drops one into a section they hold. Both stay
 * inside the workspace: the path goes through the workspace's confinement (no `..` out, no absolute
 * or UNC path, no URL scheme, no link out of the share, never the hidden folder), reads are bounded
 * and typed (share-fs), and only image types whose bytes look like what the name says are served.
 */
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { NotFoundError, PathOutsideError, ValidationError } from '../../../shared/errors'
import { publishNewFile, readFileOrNull, ShareFileError } from '../core/share-fs'
import type { Workspace } from '../core/workspace'

/** The image types served and saved, by file extension. SVG is served only into an `<img>`, where it runs no script. */
export const IMAGE_TYPES = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml'
} as const

/** An image mime type of the allow-list. */
export type ImageMime = (typeof IMAGE_TYPES)[keyof typeof IMAGE_TYPES]

/** The largest image read or saved (bytes): a photo straight from a phone fits, a video renamed .png does not. */
export const ASSET_MAX_BYTES = 10 * 1024 * 1024

/** The folder pasted images go to when the settings name none (relative to the workspace root). */
export const DEFAULT_ASSETS_FOLDER = 'assets'

/** An image read for the preview. */
export interface Asset {
  /** Workspace-relative path of the file, with `/`. */
  path: string
  mime: ImageMime
  data: Buffer
}

/** The extension of a mime type of the allow-list, for saved names. */
const EXTENSION: Record<ImageMime, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg'
}

/** The mime type a file name claims, or null when it is not an image of the allow-list. */
export function mimeOfName(name: string): ImageMime | null {
  const ext = path.posix.extname(name).slice(1).toLowerCase()
  return Object.prototype.hasOwnProperty.call(IMAGE_TYPES, ext)
    ? IMAGE_TYPES[ext as keyof typeof IMAGE_TYPES]
    : null
}

/** True when the bytes start the way a file of `mime` does (a renamed HTML file is not an image). */
export function looksLike(mime: ImageMime, data: Buffer): boolean {
  const starts = (...bytes: number[]) => bytes.every((b, i) => data[i] === b)
  switch (mime) {
    case 'image/png':
      return starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)
    case 'image/jpeg':
      return starts(0xff, 0xd8, 0xff)
    case 'image/gif':
      return data.subarray(0, 6).toString('latin1').startsWith('GIF8')
    case 'image/webp':
      return (
        data.subarray(0, 4).toString('latin1') === 'RIFF' &&
        data.subarray(8, 12).toString('latin1') === 'WEBP'
      )
    case 'image/svg+xml':
      return /<svg[\s>]/i.test(data.subarray(0, 4096).toString('utf8'))
  }
}

/**
 * The workspace-relative path an image reference in `document` names, confined to the workspace.
 * `src` is what the markdown says (`img/costs.png`, `../assets/x.png`, percent-encoded or not);
 * anything that is not a relative path is refused before the disk is asked.
 */
export function assetPathOf(workspace: Workspace, document: string, src: string): string {
  const doc = workspace.resolveDocument(document).rel
  let decoded = src.replace(/[?#].*$/s, '')
  try {
    decoded = decodeURI(decoded)
  } catch {
    throw new PathOutsideError(`“${src}” is not a valid image path.`)
  }
  if (decoded.trim() === '' || decoded.includes('\0'))
    throw new PathOutsideError(`“${src}” is not a valid image path.`)
  // Absolute (`/x`), UNC (`//host/x`, `\\host\x`), Windows (`C:\x`, `img\x.png`) and any URL
  // scheme (`file:`, `http:`): the preview only reads files the document names relative to itself.
  if (/^[/\\]/.test(decoded) || decoded.includes('\\') || /^[a-z][a-z0-9+.-]*:/i.test(decoded))
    throw new PathOutsideError(`“${src}” is not a path relative to the document; only those are shown.`)
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(doc), decoded))
  if (joined === '..' || joined.startsWith('../'))
    throw new PathOutsideError(`“${src}” is outside the workspace folder.`)
  return workspace.resolveFile(joined).rel
}

/**
 * Reads the image `src` that `document` links to: a file of the allow-list whose bytes match its
 * type, at most ASSET_MAX_BYTES, inside the workspace and reached through no link.
 */
export async function readAsset(workspace: Workspace, document: string, src: string): Promise<Asset> {
  const rel = assetPathOf(workspace, document, src)
  const mime = mimeOfName(rel)
  if (!mime)
    throw new ValidationError(`“${rel}” is not an image the preview shows (png, jpeg, gif, webp, svg).`)
  let data: Buffer | null
  try {
    data = await readFileOrNull(workspace.resolveFile(rel).abs, ASSET_MAX_BYTES)
  } catch (err) {
    if (err instanceof ShareFileError) throw new ValidationError(`The image “${rel}” ${err.problem}.`)
    throw err
  }
  if (data === null) throw new NotFoundError(`There is no image “${rel}”.`)
  if (!looksLike(mime, data)) throw new ValidationError(`“${rel}” is not really a ${EXTENSION[mime]} image.`)
  return { path: rel, mime, data }
}

/** A file name made of safe characters only, from what the pasted file was called. */
function safeStem(name: string): string {
  const stem = path.posix
    .basename(name.replace(/\\/g, '/'))
    .replace(/\.[^.]*$/, '')
    .normalize('NFKD')
    .replace(/[^\w-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .toLowerCase()
    .slice(0, 60)
  return stem || 'image'
}

/** The folder pasted images go to, confined to the workspace (a setting, so checked like any path). */
export function assetsFolderOf(workspace: Workspace, folder: string | undefined): string {
  const wanted = (folder ?? DEFAULT_ASSETS_FOLDER).trim().replace(/\/+$/, '') || DEFAULT_ASSETS_FOLDER
  if (/^[/\\]/.test(wanted) || wanted.includes('\\') || /^[a-z][a-z0-9+.-]*:/i.test(wanted))
    throw new PathOutsideError(`The images folder “${wanted}” must be a folder inside the workspace.`)
  return workspace.resolveFile(path.posix.normalize(wanted)).rel
}

/** Where a saved image went: its path in the workspace and the link to write into `document`. */
export interface SavedImage {
  path: string
  link: string
}

/**
 * Saves a pasted or dropped image under `folder` (workspace-relative) with a safe name that no
 * other file has (`name.png`, else `name-<random>.png`), atomically, and answers the link to it
 * relative to `document`. The caller has checked that the writer holds a section of `document`.
 */
export async function saveImage(
  workspace: Workspace,
  document: string,
  folder: string | undefined,
  file: { name: string; mime: ImageMime; data: Buffer }
): Promise<SavedImage> {
  const doc = workspace.resolveDocument(document).rel
  if (file.data.length > ASSET_MAX_BYTES)
    throw new ValidationError(
      `The image is larger than ${ASSET_MAX_BYTES / 1024 / 1024} MiB; nothing was saved.`
    )
  if (!looksLike(file.mime, file.data))
    throw new ValidationError(
      `The pasted file is not really a ${EXTENSION[file.mime]} image; nothing was saved.`
    )
  const dir = assetsFolderOf(workspace, folder)
  const stem = safeStem(file.name)
  for (let attempt = 0; attempt < 8; attempt++) {
    const name =
      attempt === 0
        ? `${stem}.${EXTENSION[file.mime]}`
        : `${stem}-${randomBytes(4).toString('hex')}.${EXTENSION[file.mime]}`
    const ref = workspace.resolveFile(`${dir}/${name}`)
    if (await publishNewFile(ref.abs, file.data)) {
      const link = path.posix.relative(path.posix.dirname(doc), ref.rel)
      return { path: ref.rel, link: encodeURI(link) }
    }
  }
  throw new ValidationError('No free name was found for the image; nothing was saved.')
}
