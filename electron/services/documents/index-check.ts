/**
 * The persisted section index is a cache, never an authority: before a save (or a read) uses a
 * stored index whose file checksum matches, it is checked against the file's bytes. An index that
 * lies — ranges that do not tile the file, a range that does not start with the heading it claims,
 * an id twice or malformed, two sections' ids swapped — is not used: the index is rebuilt from the
 * document (a parse, reconciled like an index that is missing).
 *
 * The check compares with a parse of the file, which the in-memory parse cache usually holds
 * already (every save seeds it), so a trusted index still costs no parse in a running app.
 */
import { readFileOrNull, READ_LIMITS, ShareFileError } from '../core/share-fs'
import type { Workspace } from '../core/workspace'
import { baseId, PREAMBLE_ID } from '../sections/section-ids'
import { parseSections, type ParsedSection } from '../sections/parse-sections'
import { cacheParse, cachedSectionsOf, sha256Hex, type SectionIndex } from '../sections/section-index'
import { IndexStore } from './index-store'

/** Longest id the app ever gives (a slug, a `-n` suffix): anything longer was not written by it. */
const MAX_ID_LENGTH = 256

/**
 * What is wrong with `index` as the index of `buf`; empty when nothing is. `fileSha256` is `buf`'s
 * checksum when the caller has it already (no second SHA-256 of the whole file).
 */
export function indexProblems(buf: Buffer, index: SectionIndex, fileSha256 = sha256Hex(buf)): string[] {
  const s = index.sections
  const problems: string[] = []
  if (index.fileSha256 !== fileSha256) return ['it is the index of another version of the file']
  if (index.fileSize !== buf.length)
    problems.push(`it is for a file of ${index.fileSize} bytes, the file has ${buf.length}`)
  // The parse (cached when this content was parsed recently) without the index's claims; ids are
  // not needed to compare ranges. Uncached, only the whole-section checksums the comparison needs
  // are computed, and only for ranges that agree: hashing every section and every body (50,000
  // hashes for 5 MB) was a third of a fresh instance's check.
  const cached = cachedSectionsOf(fileSha256)
  const truth = cached ?? parseSections(buf)
  const shaOf = (i: number) =>
    cached ? cached[i].sha256 : sha256Hex(buf.subarray(truth[i].start, truth[i].end))
  if (s.length !== truth.length) problems.push(`it lists ${s.length} sections, the file has ${truth.length}`)
  for (let i = 0; i < Math.min(s.length, truth.length); i++) {
    const [x, t] = [s[i], truth[i]]
    if (x.start !== t.start || x.end !== t.end || x.sha256 !== shaOf(i)) {
      problems.push(
        `section “${x.id}” claims bytes ${x.start}–${x.end}, but the file's section there spans ${t.start}–${t.end}`
      )
      break
    }
    if (x.level !== t.level || x.heading !== t.heading) {
      problems.push(
        `section “${x.id}” claims the heading “${x.heading}”, but its range starts with “${t.heading}”`
      )
      break
    }
  }
  problems.push(...idProblems(index))
  // A lie is rebuilt from the document next (index-lookup.ts): that needs every checksum, not a second parse.
  if (problems.length > 0 && !cached) cacheParse(buf, fileSha256, truth as ParsedSection[])
  return problems
}

/** What is wrong with an index's ids: unique, well-formed (one path component), the preamble's first, not swapped. */
export function idProblems(index: SectionIndex): string[] {
  const s = index.sections
  const problems: string[] = []
  if (s.length > 0 && s[0].id !== PREAMBLE_ID)
    problems.push(`its first section is “${s[0].id}”, not the preamble`)
  const ids = new Set<string>()
  for (const [i, x] of s.entries()) {
    if (ids.has(x.id)) problems.push(`id “${x.id}” is given to two sections`)
    ids.add(x.id)
    if (i > 0 && x.id === PREAMBLE_ID) problems.push('a section other than the first is called the preamble')
    if (!wellFormed(x.id)) problems.push(`id “${x.id.slice(0, 80)}” is not one the app would give`)
  }
  // Two sections each carrying the id the other's heading would get: ids swapped (a writer who
  // swapped two headings looks the same; rebuilding then costs only that pair's id continuity).
  const byId = new Map(s.map((x) => [x.id, x]))
  for (const x of s) {
    if (x.level === 0) continue
    const other = byId.get(baseId(x.heading))
    if (other && other !== x && other.level > 0 && baseId(other.heading) === x.id) {
      problems.push(`sections “${x.id}” and “${other.id}” carry each other's ids`)
      break
    }
  }
  return problems
}

function wellFormed(id: string): boolean {
  return (
    id.length > 0 &&
    id.length <= MAX_ID_LENGTH &&
    id !== '.' &&
    id !== '..' &&
    !/[/\\\p{Cc}]/u.test(id) &&
    id.trim() === id
  )
}

/**
 * For `verify`: what is wrong with a document's stored index, read now. Nothing when there is no
 * index, no readable document, or the index is for another version of the file (then it is only
 * the previous side of reconciliation, and is rebuilt anyway).
 */
export async function checkIndex(ws: Workspace, document: string): Promise<string[]> {
  const index = await new IndexStore(ws).read(document)
  if (!index) return []
  let buf: Buffer | null
  try {
    buf = await readFileOrNull(ws.resolveDocument(document).abs, READ_LIMITS.document)
  } catch (err) {
    if (err instanceof ShareFileError) return []
    throw err
  }
  const sha = buf && sha256Hex(buf)
  if (!buf || index.fileSha256 !== sha) return []
  return indexProblems(buf, index, sha)
}
