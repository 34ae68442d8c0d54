/**
 * `documents:changes`: what changed in a document since a version a window has, so a window that
 * hears of another writer's save gets the changed sections instead of the whole document again.
 * The dispatcher remembers, per document, the section ids and checksums of the last versions it
 * answered with (open or changes); a window names its version by file checksum (`since`):
 *
 *  - the file is still that version: `same` (with the locks);
 *  - the sections are the same ids in the same order: `sections` — only those whose checksum
 *    changed, each with its text as in the file;
 *  - anything else (a version this dispatcher never answered with — the window missed one, or the
 *    host restarted —, sections added, deleted or moved, a read-only document): `full`, the
 *    snapshot `documents:open` gives. The checksums chain: a window applies `sections` only onto
 *    the version named `since`, else it asks for the full document.
 */
import { toCharRanges } from '../../../shared/section-ranges'
import type { SectionInfo } from '../../../shared/types'

/** How many versions are remembered per document, and how many documents. */
const VERSIONS_PER_DOCUMENT = 16
const DOCUMENTS = 64

interface Version {
  ids: string[]
  shas: string[]
}

/** Section ids and checksums of recently answered versions, by document and file checksum. */
export class VersionMemory {
  private readonly docs = new Map<string, Map<string, Version>>()

  remember(document: string, fileSha256: string, sections: readonly SectionInfo[]): void {
    let versions = this.docs.get(document)
    if (versions) this.docs.delete(document) // most recently used last
    versions ??= new Map()
    this.docs.set(document, versions)
    versions.delete(fileSha256)
    versions.set(fileSha256, { ids: sections.map((s) => s.id), shas: sections.map((s) => s.sha256) })
    while (versions.size > VERSIONS_PER_DOCUMENT) versions.delete(versions.keys().next().value as string)
    while (this.docs.size > DOCUMENTS) this.docs.delete(this.docs.keys().next().value as string)
  }

  get(document: string, fileSha256: string): Version | undefined {
    return this.docs.get(document)?.get(fileSha256)
  }

  forget(document: string): void {
    this.docs.delete(document)
  }
}

/** A changed section as `documents:changes` carries it. */
export interface SectionChange {
  id: string
  level: number
  heading: string
  sha256: string
  /** The section's text as in the file (its line breaks included). */
  text: string
}

/**
 * The sections of `now` that differ from version `before`, or null when the two are not the same
 * ids in the same order (then the window needs the whole document). `text` is the file's text; the
 * sections' offsets are UTF-8 byte offsets into it, found in the text by one walk up to the last
 * changed section (nothing is encoded again).
 */
export function changedSections(
  before: Version,
  now: readonly SectionInfo[],
  text: string
): SectionChange[] | null {
  if (before.ids.length !== now.length) return null
  if (now.some((s, i) => before.ids[i] !== s.id)) return null
  const changed = now.filter((s, i) => before.shas[i] !== s.sha256)
  const ranges = toCharRanges(text, changed)
  return changed.map((s, k) => ({
    id: s.id,
    level: s.level,
    heading: s.heading,
    sha256: s.sha256,
    text: text.slice(ranges[k].from, ranges[k].to)
  }))
}
