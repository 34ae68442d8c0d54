/**
 * Checking another instance's saved index by redoing its splice, instead of parsing the whole file.
 *
 * A stored index is never trusted as it is (index-check.ts): before, each instance checked it with a
 * parse of the whole file — after every save by anyone, every instance that read the document
 * parsed all of it again (half a second for 5 MB, each time). But an instance usually holds the
 * version just before, with an index it checked. A save changes one run of sections and leaves the
 * bytes around it alone; redoing that splice here — the same local parse every save is proven by
 * (splice.ts: parseInPlace) — and getting exactly the stored file and index back proves the index
 * as well as a parse would. Anything else (an outside edit, a version this instance missed, a
 * different id) is checked by the full parse as before.
 */
import type { IndexedSection, SectionIndex } from '../sections/section-index'
import { spliceRun } from '../sections/splice'
import { idProblems } from './index-check'

/** A file content and an index known to be right for it (parsed or spliced here). */
export interface VerifiedCopy {
  buf: Buffer
  index: SectionIndex
}

function sameSection(a: IndexedSection, b: IndexedSection): boolean {
  return (
    a.id === b.id &&
    a.level === b.level &&
    a.heading === b.heading &&
    a.startLine === b.startLine &&
    a.endLine === b.endLine &&
    a.start === b.start &&
    a.end === b.end &&
    a.sha256 === b.sha256 &&
    (a.bodySha256 === undefined || b.bodySha256 === undefined || a.bodySha256 === b.bodySha256)
  )
}

/**
 * True when `index` is exactly what splicing the changed run of `prev` gives for `buf`: then it is
 * right for `buf`. `buf`'s checksum must be `index.fileSha256` (the caller has computed it).
 */
export function checkedBySplice(prev: VerifiedCopy, buf: Buffer, index: SectionIndex): boolean {
  const a = prev.index.sections
  const b = index.sections
  if (b.length === 0 || buf.length !== index.fileSize) return false
  // The same id rules as the full check (index-check.ts), so every instance keeps the same ids:
  // a save can leave two headings with each other's ids, which that check rebuilds.
  if (idProblems(index).length > 0) return false
  // The very version checked here (this instance's own save, read back): the same index or not.
  if (prev.index.fileSha256 === index.fileSha256 && prev.buf.equals(buf))
    return (
      a.length === b.length &&
      a.every((s, i) => sameSection(s, b[i])) &&
      sameIds(prev.index.retired, index.retired)
    )
  // The sections before the run: the same, byte for byte (compared below with the bytes).
  let p = 0
  while (p < a.length && p < b.length && sameSection(a[p], b[p])) p++
  // The sections after it: the same ids and checksums, moved by the run's change in size.
  const delta = buf.length - prev.buf.length
  let q = 0
  while (
    q < a.length - p &&
    q < b.length - p &&
    a[a.length - 1 - q].id === b[b.length - 1 - q].id &&
    a[a.length - 1 - q].sha256 === b[b.length - 1 - q].sha256 &&
    a[a.length - 1 - q].end + delta === b[b.length - 1 - q].end
  )
    q++
  // The save's run may have held unchanged sections at either end (a writer holding three sections
  // who changed the middle one), and ids are handed out over the whole run: the few runs around
  // the changed bytes are tried. Any that gives back exactly the stored file and index proves it.
  for (let front = 0; front <= Math.min(EDGE_TRIES, p); front++) {
    for (let back = 0; back <= Math.min(EDGE_TRIES, q); back++) {
      const first = p - front
      const after = q - back
      if (first + after >= a.length || first + after >= b.length) continue
      if (redoes(prev, buf, index, first, after)) return true
    }
  }
  return false
}

function sameIds(x: readonly string[], y: readonly string[]): boolean {
  return x.length === y.length && x.every((id, i) => id === y[i])
}

/** How many unchanged sections at each end of a save's run are tried. */
const EDGE_TRIES = 2

/** Whether splicing `prev`'s sections [first, length − after) gives exactly `buf` and `index`. */
function redoes(prev: VerifiedCopy, buf: Buffer, index: SectionIndex, first: number, after: number): boolean {
  const a = prev.index.sections
  const b = index.sections
  const oldStart = a[first].start
  const oldEnd = a[a.length - 1 - after].end
  const newStart = b[first].start
  const newEnd = b[b.length - 1 - after].end
  if (oldStart !== newStart || newEnd - oldEnd !== buf.length - prev.buf.length) return false
  // Every byte outside the run as it was: the file is the old one with the run replaced.
  if (!buf.subarray(0, newStart).equals(prev.buf.subarray(0, oldStart))) return false
  if (!buf.subarray(newEnd).equals(prev.buf.subarray(oldEnd))) return false
  let redone
  try {
    const ids = a.slice(first, a.length - after).map((s) => s.id)
    redone = spliceRun(prev.buf, prev.index, ids, buf.subarray(newStart, newEnd).toString('utf8'))
  } catch {
    return false // this change is not one a save makes (or not from this version): parse it
  }
  const r = redone.index
  return (
    redone.buffer.equals(buf) &&
    r.fileSha256 === index.fileSha256 &&
    r.sections.length === b.length &&
    r.sections.every((s, i) => sameSection(s, b[i])) &&
    sameIds(r.retired, index.retired)
  )
}

/** How many documents' last checked copies are kept, and how many bytes of them at most. */
const COPIES = 8
const COPY_BYTES = 64 * 1024 * 1024

/** The last checked copy of recently read documents (their bytes too), most recently used last. */
export class VerifiedCopies {
  private readonly byDoc = new Map<string, VerifiedCopy>()
  private bytes = 0

  get(doc: string): VerifiedCopy | undefined {
    return this.byDoc.get(doc)
  }

  set(doc: string, buf: Buffer, index: SectionIndex): void {
    this.drop(doc)
    if (buf.length > COPY_BYTES) return
    this.byDoc.set(doc, { buf, index })
    this.bytes += buf.length
    for (const key of this.byDoc.keys()) {
      if (this.byDoc.size <= COPIES && this.bytes <= COPY_BYTES) break
      this.drop(key)
    }
  }

  private drop(doc: string): void {
    const had = this.byDoc.get(doc)
    if (!had) return
    this.bytes -= had.buf.length
    this.byDoc.delete(doc)
  }
}
