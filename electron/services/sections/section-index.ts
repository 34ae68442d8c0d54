import { hash } from 'node:crypto'
import type { SectionInfo } from '../../../shared/types'
import { parseSections, type ParsedSection } from './parse-sections'
import { assignIds } from './section-ids'

/**
 * A section in the persisted index. `bodySha256` (the section without its heading lines) lets
 * reconciliation recognise a renamed section; it is optional so an index stored without it still
 * loads, and reconciliation then simply skips that step.
 */
export interface IndexedSection extends SectionInfo {
  bodySha256?: string
}

/** The sections of one exact file content (by SHA-256), with their stable ids and the ids never to reuse. */
export interface SectionIndex {
  format: 1
  fileSha256: string
  fileSize: number
  sections: IndexedSection[]
  /** Ids of sections that disappeared; never handed out again, so history never mixes two sections. */
  retired: string[]
}

/** A parsed section with its checksums instead of its body offset: what the cache keeps (frozen) for a file content. */
export type HashedSection = Readonly<
  Omit<ParsedSection, 'bodyStart'> & { sha256: string; bodySha256: string }
>

/** Hex SHA-256 of bytes, or of a string encoded as UTF-8. */
export function sha256Hex(data: Buffer | string): string {
  // One-shot `hash` is 2–3× faster than createHash for the many small sections of a big file.
  return hash('sha256', data, 'hex')
}

/** The text of a section as UTF-8 (invalid bytes show as U+FFFD; the file itself is never re-encoded). */
export function sectionText(buf: Buffer, section: Pick<SectionInfo, 'start' | 'end'>): string {
  return buf.subarray(section.start, section.end).toString('utf8')
}

/** Adds the checksums of each section's bytes and body bytes of `buf`. */
export function hashSections(buf: Buffer, parsed: readonly ParsedSection[]): HashedSection[] {
  // Fields spelled out (no rest/spread): one object shape for all 25,000 sections of a 5 MB file.
  return parsed.map((p) =>
    Object.freeze({
      level: p.level,
      heading: p.heading,
      startLine: p.startLine,
      endLine: p.endLine,
      start: p.start,
      end: p.end,
      sha256: sha256Hex(buf.subarray(p.start, p.end)),
      bodySha256: sha256Hex(buf.subarray(p.bodyStart, p.end))
    })
  )
}

/** Parses of recent file contents, most recently used last. Small: a few open documents are what matter. */
const CACHE_LIMIT = 8
const cache = new Map<string, readonly HashedSection[]>()

function cacheGet(fileSha256: string): readonly HashedSection[] | undefined {
  const hit = cache.get(fileSha256)
  if (hit) {
    cache.delete(fileSha256)
    cache.set(fileSha256, hit)
  }
  return hit
}

function cachePut(fileSha256: string, sections: readonly HashedSection[]): void {
  cache.delete(fileSha256)
  cache.set(fileSha256, Object.freeze([...sections]))
  while (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
}

/** Forgets every cached parse (tests use it to force the reconcile path). */
export function clearIndexCache(): void {
  cache.clear()
}

/** How many file contents are cached (tests check that the cache stays bounded). */
export function indexCacheSize(): number {
  return cache.size
}

/** The parse cache's sections of a file content, if it has them (no parse). */
export function cachedSectionsOf(fileSha256: string): readonly HashedSection[] | undefined {
  return cacheGet(fileSha256)
}

/**
 * Caches a parse already done (`parsed` from `parseSections(buf)`), hashed: an index check that
 * found a lie parsed without hashing every section, and the rebuild that follows needs them all.
 */
export function cacheParse(buf: Buffer, fileSha256: string, parsed: readonly ParsedSection[]): void {
  cachePut(fileSha256, hashSections(buf, parsed))
}

/**
 * Seeds the parse cache with an index computed without a parse (a splice), so reading the file
 * just written never parses it again. The index must describe exactly the file with its checksum.
 */
export function rememberIndex(index: SectionIndex): void {
  const complete = index.sections.every((s) => s.bodySha256 !== undefined)
  if (!complete) return
  cachePut(
    index.fileSha256,
    index.sections.map((s) =>
      Object.freeze({
        level: s.level,
        heading: s.heading,
        startLine: s.startLine,
        endLine: s.endLine,
        start: s.start,
        end: s.end,
        sha256: s.sha256,
        bodySha256: s.bodySha256 as string
      })
    )
  )
}

function sameSections(index: SectionIndex, parsed: readonly HashedSection[]): boolean {
  return (
    index.sections.length === parsed.length &&
    index.sections.every(
      (s, i) => s.start === parsed[i].start && s.end === parsed[i].end && s.sha256 === parsed[i].sha256
    )
  )
}

/**
 * The sections of a file content as the parser sees them, with checksums but no ids: the parse
 * cache's entry, or a parse. `fileSha256` is `buf`'s checksum.
 */
export function hashedSectionsOf(buf: Buffer, fileSha256: string): readonly HashedSection[] {
  let parsed = cacheGet(fileSha256)
  if (!parsed) {
    parsed = hashSections(buf, parseSections(buf))
    cachePut(fileSha256, parsed)
  }
  return parsed
}

/**
 * The index of a file content: a parse (skipped when the same content was parsed recently) plus
 * ids carried over from `previous` (see README.md). When `previous` already describes this exact
 * content its ids are kept as they are, so an unchanged file never changes its ids.
 */
export function buildIndex(buf: Buffer, previous: SectionIndex | null): SectionIndex {
  const fileSha256 = sha256Hex(buf)
  const parsed = hashedSectionsOf(buf, fileSha256)
  const unchanged = previous !== null && previous.fileSha256 === fileSha256 && sameSections(previous, parsed)
  // An unchanged file keeps its ids as they are; the parse only fills in what an older index lacks.
  const { ids, retired } = unchanged
    ? { ids: previous.sections.map((s) => s.id), retired: [...previous.retired] }
    : assignIds(parsed, previous)
  return {
    format: 1,
    fileSha256,
    fileSize: buf.length,
    sections: parsed.map((p, i) => ({
      id: ids[i],
      level: p.level,
      heading: p.heading,
      startLine: p.startLine,
      endLine: p.endLine,
      start: p.start,
      end: p.end,
      sha256: p.sha256,
      bodySha256: p.bodySha256
    })),
    retired
  }
}
