import { ConflictError, ValidationError } from '../../../shared/errors'
import type { VersionRecord } from '../../../shared/types'
import type { AuditEvent } from '../audit/audit-event'
import type { LockHandle, LockService } from '../locks/lock-service'
import { sectionText, type IndexedSection, type SectionIndex } from '../sections/section-index'
import type { RunSpliceResult } from '../sections/splice'

/**
 * One section of a run save: the caller's lock on it and the checksum of the section text the
 * writer started from (SPEC H2). A run is the held sections [first, …following], in file order.
 */
export interface RunPart {
  lock: LockHandle
  baseSha256: string
}

/** The document and ids of a run, after checking that it is a run of distinct section locks of one document. */
export function runIds(parts: readonly RunPart[]): { document: string; ids: string[] } {
  if (parts.length === 0) throw new ValidationError('A save needs at least one section.')
  const ids: string[] = []
  for (const { lock } of parts) {
    if (lock.kind !== 'section' || lock.sectionId === null)
      throw new ValidationError('Saving a section needs its section lock.')
    if (lock.document !== parts[0].lock.document)
      throw new ValidationError('The sections saved together must belong to one document.')
    if (ids.includes(lock.sectionId))
      throw new ValidationError(`Section “${lock.sectionId}” is named twice in one save.`)
    ids.push(lock.sectionId)
  }
  return { document: parts[0].lock.document, ids }
}

/**
 * The optimistic check of a run (SPEC H2): every section must still exist, follow the one before it
 * and carry the checksum the writer started from. Returns the run's current sections, or throws a
 * ConflictError whose `mine` is the whole saved text and `theirs` the current text of the whole run
 * (null when the first section is gone). `theirsChecksum` stays the first section's checksum: the
 * base the next save of that section needs. `audit` receives one `conflict` line naming the section.
 */
export function checkRunBases(
  doc: string,
  buf: Buffer,
  index: SectionIndex,
  parts: readonly RunPart[],
  text: string,
  audit: (event: AuditEvent) => void
): IndexedSection[] {
  const ids = parts.map((p) => p.lock.sectionId as string)
  const positions = ids.map((id) => index.sections.findIndex((s) => s.id === id))
  const bad = parts.findIndex(
    (p, k) =>
      positions[k] < 0 ||
      positions[k] !== positions[0] + k ||
      index.sections[positions[k]].sha256 !== p.baseSha256
  )
  if (bad < 0) return positions.map((at) => index.sections[at])
  const current = positions[bad] >= 0 ? index.sections[positions[bad]] : null
  const why =
    positions[bad] < 0
      ? 'section gone'
      : positions[bad] !== positions[0] + bad
        ? 'run no longer consecutive'
        : 'changed underneath'
  audit({ type: 'conflict', document: doc, sectionId: ids[bad], why })
  const label = current?.heading ? `Section “${current.heading}”` : `Section “${ids[bad]}”`
  if (positions[0] < 0) throw new ConflictError(label, text, null, null)
  const first = index.sections[positions[0]]
  // The run as it stands now: from the first section to the last of the others still after it.
  const end = Math.max(
    first.end,
    ...positions.filter((at) => at > positions[0]).map((at) => index.sections[at].end)
  )
  throw new ConflictError(label, text, sectionText(buf, { start: first.start, end }), first.sha256)
}

/**
 * Takes the saver's locks on the new sections of a splice, all or none. The caller holds the
 * write mutex and has not written yet, so no other writer can see the sections before they are
 * locked. A refusal or the per-document limit (SPEC L7) releases what was taken and is thrown.
 */
export async function lockNewSections(
  locks: LockService,
  doc: string,
  spliced: RunSpliceResult
): Promise<LockHandle[]> {
  const taken: LockHandle[] = []
  try {
    for (const id of spliced.created) {
      const heading = spliced.run.find((s) => s.id === id)?.heading ?? id
      // No retries: waiting under the write mutex would stall every other save of the document.
      taken.push(await locks.acquireSection(doc, id, { label: `The new section “${heading}”`, retries: 0 }))
    }
    return taken
  } catch (err) {
    await Promise.all(taken.map((l) => locks.releaseLogged(l, 'save refused')))
    throw err
  }
}

/** One `save` line per save as before, plus `split`/`merge` lines naming the new and the retired ids. */
export function auditRunSave(
  audit: { record(event: AuditEvent): void },
  doc: string,
  spliced: RunSpliceResult,
  version: VersionRecord | null
): void {
  const first = spliced.run[0]
  audit.record({
    type: 'save',
    document: doc,
    sectionId: first.id,
    version: version?.version ?? null,
    sha256: first.sha256,
    ...(spliced.run.length > 1 ? { run: spliced.run.map((s) => s.id) } : {})
  })
  if (spliced.created.length > 0)
    audit.record({ type: 'split', document: doc, sectionId: first.id, created: spliced.created })
  if (spliced.retired.length > 0)
    audit.record({ type: 'merge', document: doc, sectionId: first.id, retired: spliced.retired })
}
