/**
 * A document's sections as the search index takes them: id, heading and text, read through the
 * share's bounded reads. Runs where the index is built (a worker thread), so it has no document
 * service: it takes the section ids the way the document service's read does without storing —
 * the persisted index when it describes this very file (no parse), else a reconciliation against
 * it (the same deterministic ids a window would get).
 */
import { READ_LIMITS, readFileOrNull } from '../core/share-fs'
import type { Workspace } from '../core/workspace'
import { indexProblems } from '../documents/index-check'
import type { IndexStore } from '../documents/index-store'
import { utf16Text } from '../documents/encoding'
import { buildIndex, sectionText, sha256Hex, type SectionIndex } from '../sections/section-index'

/** One section's searchable parts. */
export interface SectionText {
  id: string
  heading: string
  text: string
}

/** Where a section's text is in its document's bytes. */
export interface SectionSpan {
  id: string
  heading: string
  start: number
  end: number
}

/**
 * A document as the index keeps it: its UTF-8 bytes and where each section is in them. The text
 * stays bytes outside the JavaScript heap until a query shows the document: one string per
 * section of 200 MB of documents took a gigabyte of heap (many became two bytes a character).
 */
export interface DocumentSections {
  fileSha256: string
  bytes: Buffer
  sections: SectionSpan[]
}

/** The sections of `doc` with their text. */
export function textsOf(doc: DocumentSections): SectionText[] {
  return doc.sections.map((s) => ({ id: s.id, heading: s.heading, text: sectionText(doc.bytes, s) }))
}

/** What reading a document for the index gave. */
export type DocumentTexts =
  ({ kind: 'sections' } & DocumentSections) | { kind: 'missing' } | { kind: 'skipped'; reason: string }

/** Bytes looked at for NUL, as encoding.ts does: a text file has none. */
const BINARY_PROBE = 8 * 1024

/**
 * Reads `rel` and splits it into sections. A link, a pipe, a folder or a file over the document cap
 * is refused by share-fs before a byte is read (`skipped`, with why); binary files are skipped.
 * `knownSha256`: the checksum indexed now — an unchanged file answers `sections` with no sections
 * parsed (the caller keeps what it has).
 */
export async function readSectionTexts(
  ws: Workspace,
  indexes: IndexStore,
  rel: string,
  knownSha256?: string
): Promise<DocumentTexts | { kind: 'unchanged' }> {
  let buf: Buffer | null
  try {
    buf = await readFileOrNull(ws.resolveDocument(rel).abs, READ_LIMITS.document)
  } catch (err) {
    return { kind: 'skipped', reason: err instanceof Error ? err.message : String(err) }
  }
  if (!buf) return { kind: 'missing' }
  const fileSha256 = sha256Hex(buf)
  if (fileSha256 === knownSha256) return { kind: 'unchanged' }
  const u16 = utf16Text(buf)
  if (u16 === null && buf.subarray(0, BINARY_PROBE).includes(0))
    return { kind: 'skipped', reason: `“${rel}” is not a text file` }
  // A UTF-16 document is shown (and so searched) as its decoded text, sectioned as the window sees it.
  const bytes = u16 === null ? buf : Buffer.from(u16, 'utf8')
  const index = u16 === null ? await storedOrBuilt(indexes, rel, buf, fileSha256) : buildIndex(bytes, null)
  return {
    kind: 'sections',
    fileSha256,
    bytes,
    sections: index.sections.map((s) => ({ id: s.id, heading: s.heading, start: s.start, end: s.end }))
  }
}

async function storedOrBuilt(
  indexes: IndexStore,
  rel: string,
  buf: Buffer,
  fileSha256: string
): Promise<SectionIndex> {
  const stored = await indexes.read(rel).catch(() => null)
  if (stored && stored.fileSha256 === fileSha256 && indexProblems(buf, stored, fileSha256).length === 0)
    return stored
  return buildIndex(buf, stored)
}
