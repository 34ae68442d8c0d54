import { createHash } from 'node:crypto'
import { lstatSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { PathOutsideError } from '../../../shared/errors'
import { registerShareRoot } from './share-fs'

/** Name of the hidden folder beside the documents that holds locks, history, backups and audit. */
export const HIDDEN_DIR = '.sectioned'

/** A document inside the workspace: its workspace-relative path (with `/`) and absolute path. */
export interface DocumentRef {
  rel: string
  abs: string
}

/** Lowercase ASCII slug for folder names an administrator can read. */
function slug(text: string, max = 48): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return s.slice(0, max) || 'x'
}

function shortHash(text: string, n = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, n)
}

/** A section id as a single safe path component (ids are slugs already; anything else is hashed). */
export function idComponent(id: string): string {
  return /^[a-z0-9][a-z0-9_-]{0,63}$/.test(id) ? id : `h-${shortHash(id, 16)}`
}

/**
 * The workspace folder and the layout of its hidden folder. Every path that comes from outside
 * (renderer, CLI arguments) goes through `resolveDocument`, which confines it to the workspace.
 *
 * Layout: `.sectioned/docs/<docKey>/{index.json, locks/, history/, backups/, drafts/}`,
 * `.sectioned/audit/`, `.sectioned/metrics/`; drafts under `docs/<docKey>/drafts/`.
 */
export class Workspace {
  readonly root: string
  readonly hidden: string
  private readonly keys = new Map<string, string>()

  constructor(root: string) {
    this.root = path.resolve(root)
    this.hidden = path.join(this.root, HIDDEN_DIR)
    registerShareRoot(this.root)
  }

  /** Resolves a document path (relative to the workspace, or absolute inside it). Throws PathOutsideError. */
  resolveDocument(input: string): DocumentRef {
    if (typeof input !== 'string' || input.trim() === '' || input.includes('\0')) {
      throw new PathOutsideError('No document path was given.')
    }
    const ref = this.resolveInside(input)
    if (!/\.(md|markdown)$/i.test(ref.rel)) {
      throw new PathOutsideError(`“${input}” is not a markdown document (.md).`)
    }
    this.assertNoSymlinkEscape(ref.abs, input)
    return ref
  }

  /**
   * Resolves the path of any file in the workspace (an image beside the documents) with the
   * confinement documents get: inside the root, not in the hidden folder, reached through no link.
   * Throws PathOutsideError.
   */
  resolveFile(input: string): DocumentRef {
    if (typeof input !== 'string' || input.trim() === '' || input.includes('\0')) {
      throw new PathOutsideError('No file path was given.')
    }
    const ref = this.resolveInside(input)
    this.assertNoSymlinkEscape(ref.abs, input)
    return ref
  }

  /** `input` as a path below the root and outside the hidden folder (links are checked by the callers). */
  private resolveInside(input: string): DocumentRef {
    const abs = path.resolve(this.root, input)
    const rel = path.relative(this.root, abs)
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new PathOutsideError(`“${input}” is outside the workspace folder ${this.root}.`)
    }
    const relPosix = rel.split(path.sep).join('/')
    if (relPosix.split('/').some((part) => part === HIDDEN_DIR)) {
      throw new PathOutsideError(
        `“${input}” is inside the app's hidden folder ${HIDDEN_DIR}/, not a document.`
      )
    }
    return { rel: relPosix, abs }
  }

  /** Folder name for a document's hidden data: readable slug plus a hash of the exact path. */
  docKey(rel: string): string {
    // Asked for by every lock, history and index path of every operation: hashed once per name.
    let key = this.keys.get(rel)
    if (key === undefined) {
      key = `${slug(rel)}-${shortHash(rel)}`
      if (this.keys.size >= 4096) this.keys.clear()
      this.keys.set(rel, key)
    }
    return key
  }

  docDir(rel: string): string {
    return path.join(this.hidden, 'docs', this.docKey(rel))
  }

  indexFile(rel: string): string {
    return path.join(this.docDir(rel), 'index.json')
  }

  locksDir(rel: string): string {
    return path.join(this.docDir(rel), 'locks')
  }

  sectionLocksDir(rel: string): string {
    return path.join(this.locksDir(rel), 'sections')
  }

  sectionLockDir(rel: string, sectionId: string): string {
    return path.join(this.sectionLocksDir(rel), idComponent(sectionId))
  }

  documentLockDir(rel: string): string {
    return path.join(this.locksDir(rel), 'document')
  }

  writeLockDir(rel: string): string {
    return path.join(this.locksDir(rel), 'write')
  }

  /** Tickets of the saves waiting for the write mutex, in order (locks/write-queue.ts). */
  writeQueueDir(rel: string): string {
    return path.join(this.locksDir(rel), 'write-queue')
  }

  historyDir(rel: string, sectionId: string): string {
    return path.join(this.docDir(rel), 'history', idComponent(sectionId))
  }

  backupsDir(rel: string): string {
    return path.join(this.docDir(rel), 'backups')
  }

  /** Edit requests between writers (`.sectioned/requests/<id>.json`). */
  get requestsDir(): string {
    return path.join(this.hidden, 'requests')
  }

  get auditDir(): string {
    return path.join(this.hidden, 'audit')
  }

  get metricsDir(): string {
    return path.join(this.hidden, 'metrics')
  }

  /** Presence records, one per running instance (`.sectioned/presence/<instanceId>.json`). */
  get presenceDir(): string {
    return path.join(this.hidden, 'presence')
  }

  draftsDir(rel: string): string {
    return path.join(this.docDir(rel), 'drafts')
  }

  /**
   * A document is known by one name only: locks, the write mutex and history are keyed by its path,
   * so a second name for the same file (a link to it, or a path through a linked folder) would let
   * two writers hold the "same" section at once. A path that reaches its file through a link is
   * refused, naming the real file to open instead; one leading outside the workspace is refused too.
   */
  private assertNoSymlinkEscape(abs: string, input: string): void {
    let realRoot: string
    try {
      realRoot = realpathSync(this.root)
    } catch {
      return // the workspace itself is missing; callers report that when they read
    }
    let probe = abs
    for (;;) {
      try {
        const real = realpathSync(probe)
        const rel = path.relative(realRoot, real)
        if (rel.startsWith('..') || path.isAbsolute(rel)) {
          throw new PathOutsideError(`“${input}” leads outside the workspace folder through a link.`)
        }
        const literal = path.relative(this.root, probe)
        if (rel !== literal) {
          const name = rel.split(path.sep).join('/')
          const real = path.join(name, path.relative(probe, abs)).split(path.sep).join('/')
          throw new PathOutsideError(
            probe === abs && lstatSync(abs).isSymbolicLink()
              ? `“${input}” is a link to “${real}”; open “${real}” itself (a document has one name, so its locks hold).`
              : `“${input}” is reached through a linked folder (really “${real}”); open it by its real path.`
          )
        }
        return
      } catch (err) {
        if (err instanceof PathOutsideError) throw err
        const parent = path.dirname(probe)
        if (parent === probe) return
        probe = parent // not created yet: check the nearest existing parent
      }
    }
  }
}
