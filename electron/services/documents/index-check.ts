/**
 * The persisted section index is a cache, never an authority: before a save (or a read) uses a
 * stored index whose file checksum matches, it is checked against the file's bytes. An index that
 * lies — ranges that do not tile the file, a section whose bytes are not what it claims, an id
 * twice, two sections' ids swapped — is not used: the index is rebuilt from the document.
 */
import type { SectionIndex } from '../sections/section-index'
import { sha256Hex } from '../sections/section-index'
import { baseId, PREAMBLE_ID } from '../sections/section-ids'

/** What is wrong with `index` as the index of `buf`; empty when nothing is. */
export function indexProblems(buf: Buffer, index: SectionIndex): string[] {
  const s = index.sections
  const problems: string[] = []
  if (index.fileSize !== buf.length)
    problems.push(`it is for a file of ${index.fileSize} bytes, the file has ${buf.length}`)
  if (s.length === 0 || s[0].id !== PREAMBLE_ID || s[0].start !== 0)
    problems.push('it does not begin with the preamble at byte 0')
  for (let i = 1; i < s.length; i++) {
    if (s[i].start !== s[i - 1].end) {
      problems.push(
        `its ranges do not tile the file (section “${s[i].id}” starts at ${s[i].start}, not ${s[i - 1].end})`
      )
      break
    }
  }
  if (s.length > 0 && s[s.length - 1].end !== buf.length)
    problems.push('its last range does not end at the end of the file')
  const ids = new Set<string>()
  for (const x of s) {
    if (ids.has(x.id)) problems.push(`id “${x.id}” is given to two sections`)
    ids.add(x.id)
  }
  if (problems.length > 0) return problems // ranges are wrong: checking bytes in them means nothing
  for (const x of s) {
    if (x.sha256 !== sha256Hex(buf.subarray(x.start, x.end))) {
      problems.push(`section “${x.id}” (bytes ${x.start}–${x.end}) does not hold the text it claims`)
      break
    }
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
