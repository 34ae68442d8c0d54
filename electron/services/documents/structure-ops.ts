import { ValidationError, NotFoundError } from '../../../shared/errors'
import type { Identity, SectionInfo } from '../../../shared/types'
import type { Clock } from '../core/clock'
import type { Workspace } from '../core/workspace'
import { createBackup } from '../history/backups'
import type { HistoryStore } from '../history/history-store'
import type { LockHandle, LockService } from '../locks/lock-service'
import { dominantLineEnding, parseSections } from '../sections/parse-sections'
import { PREAMBLE_ID } from '../sections/section-ids'
import { sectionText, sha256Hex, type SectionIndex } from '../sections/section-index'
import type { DocumentAuditSink, DocumentService } from './document-service'

/** Construction parameters of the structure operations. */
export interface StructureOpsOptions {
  workspace: Workspace
  identity: Identity
  clock: Clock
  locks: LockService
  history: HistoryStore
  documents: DocumentService
  audit?: DocumentAuditSink
}

/** What a structure operation produced. */
export interface StructureResult {
  document: string
  sections: SectionInfo[]
  fileSha256: string
  backup: string
}

/**
 * Structure operations (SPEC L1): delete and move sections, under the document lock. Each one backs
 * the whole document up first (H4), keeps every section's text in history and marks the versions
 * before it so pruning never drops them (H5). Section ids are carried over explicitly.
 */
export class StructureOps {
  constructor(private readonly o: StructureOpsOptions) {}

  /** Deletes a section (its text stays in history and in the backup). */
  deleteSection(docLock: LockHandle, sectionId: string): Promise<StructureResult> {
    return this.run(docLock, 'delete-section', sectionId, (buf, index) => {
      const order = index.sections.filter((s) => s.id !== sectionId)
      return {
        parts: order.map((s) => sectionText(buf, s)),
        ids: order.map((s) => s.id),
        retired: [sectionId]
      }
    })
  }

  /** Moves a section before another one (`beforeId` null = to the end). */
  moveSection(docLock: LockHandle, sectionId: string, beforeId: string | null): Promise<StructureResult> {
    return this.run(docLock, 'move-section', sectionId, (buf, index) => {
      if (beforeId === sectionId) throw new ValidationError('A section cannot be moved before itself.')
      if (beforeId === PREAMBLE_ID) throw new ValidationError('Nothing can be moved before the preamble.')
      const moving = index.sections.find((s) => s.id === sectionId) as SectionInfo
      const rest = index.sections.filter((s) => s.id !== sectionId)
      const at = beforeId === null ? rest.length : rest.findIndex((s) => s.id === beforeId)
      if (at < 0) throw new NotFoundError(`There is no section “${beforeId}” to move before.`)
      const order = [...rest.slice(0, at), moving, ...rest.slice(at)]
      return { parts: order.map((s) => sectionText(buf, s)), ids: order.map((s) => s.id), retired: [] }
    })
  }

  private async run(
    docLock: LockHandle,
    action: string,
    sectionId: string,
    plan: (buf: Buffer, index: SectionIndex) => { parts: string[]; ids: string[]; retired: string[] }
  ): Promise<StructureResult> {
    const { locks, documents, workspace, identity, clock } = this.o
    if (docLock.kind !== 'document') throw new ValidationError('Structure changes need the document lock.')
    const readOnlyNow = await documents.readOnly(docLock.document) // the reason first (checked again under the mutex)
    if (readOnlyNow) throw new ValidationError(readOnlyNow)
    if (sectionId === PREAMBLE_ID)
      throw new ValidationError('The preamble (text before the first heading) cannot be moved or deleted.')
    const doc = workspace.resolveDocument(docLock.document)
    await locks.assertHeld(docLock)
    // Run by the document writer, alone in its batch: the same read, intents, write and index
    // steps as a save (document-writer.ts). The history it needs is kept before the rename.
    return documents.writer.run({
      ...doc,
      touches: 'all',
      plan: async (cur) => {
        await locks.assertHeld(docLock)
        const { buf, index } = cur
        if (!index.sections.some((s) => s.id === sectionId))
          throw new NotFoundError(`“${doc.rel}” has no section “${sectionId}”.`)
        const { parts, ids, retired } = plan(buf, index)
        const next = assemble(buf, parts)
        const nextIndex = indexWithIds(next, ids, index, retired)
        let backup = ''
        return {
          next: { buf: next, index: nextIndex },
          versions: [],
          retired: [],
          prepare: async () => {
            backup = await createBackup(workspace, clock, doc.rel, action, buf)
            for (const s of index.sections) await this.keepInHistory(doc.rel, s, sectionText(buf, s))
          },
          finish: () => {
            try {
              this.o.audit?.record({
                type: 'structure',
                document: doc.rel,
                sectionId,
                action,
                backup,
                by: identity.user
              })
            } catch {
              // The operation has succeeded; an audit line that cannot be written does not change that.
            }
            return {
              document: doc.rel,
              sections: nextIndex.sections,
              fileSha256: nextIndex.fileSha256,
              backup
            }
          }
        }
      }
    })
  }

  /** Makes sure history ends with the section's current text, and marks that version as before a structure change. */
  private async keepInHistory(doc: string, s: SectionInfo, text: string): Promise<void> {
    const { history, identity } = this.o
    const last = await history.latestValid(doc, s.id) // a damaged file above it is not history
    if (!last || last.sha256 !== sha256Hex(text)) {
      await history.append(doc, s.id, {
        heading: s.heading,
        content: text,
        author: last ? '(edited outside Sectioned)' : '(before first save)',
        instanceId: identity.instanceId,
        reason: 'before-structure'
      })
    }
    await history.markBeforeStructure(doc, s.id)
  }
}

/** Joins section texts, making sure each ends with a line ending, and keeps the file's trailing-newline state. */
function assemble(original: Buffer, parts: string[]): Buffer {
  const eol = dominantLineEnding(original)
  const endsWithEol = /\r?\n$|\r$/.test(original.toString('utf8'))
  const fixed = parts.filter((p) => p.length > 0).map((p) => (/(\r\n|\n|\r)$/.test(p) ? p : p + eol))
  let text = fixed.join('')
  if (!endsWithEol) text = text.replace(/(\r\n|\n|\r)$/, '')
  return Buffer.from(text, 'utf8')
}

/** The index of the rearranged file with the ids carried over; refuses if the parse does not match the plan. */
function indexWithIds(buf: Buffer, ids: string[], previous: SectionIndex, retired: string[]): SectionIndex {
  const parsed = parseSections(buf)
  const headings = ids.map((id) => previous.sections.find((s) => s.id === id)?.heading ?? '')
  const body = parsed // both start with the preamble, possibly empty
  if (body.length !== ids.length || body.some((p, i) => p.heading !== headings[i])) {
    throw new ValidationError(
      'This change would alter how other sections read (for example an unclosed code block); nothing was changed.'
    )
  }
  return {
    format: 1,
    fileSha256: sha256Hex(buf),
    fileSize: buf.length,
    sections: body.map((p, i) => ({ ...p, id: ids[i], sha256: sha256Hex(buf.subarray(p.start, p.end)) })),
    retired: [...new Set([...previous.retired, ...retired])]
  }
}
