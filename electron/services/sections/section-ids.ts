import { diffArrays } from 'diff'
import { slug } from 'github-slugger'

/** The id of the preamble (the text before the first heading) in every document. */
export const PREAMBLE_ID = 'preamble'

/** Longest slug part of an id; the `-2`, `-3`, … suffix comes on top. */
const MAX_SLUG = 48

/**
 * Largest edit distance handed to the LCS. Beyond it (a file rewritten wholesale) the alignment
 * falls back to common prefix and suffix: still deterministic, and never quadratic on huge files.
 */
const MAX_EDIT_LENGTH = 2_000

/** What reconciliation compares about a section (the preamble first, as parseSections returns it). */
export interface IdCandidate {
  level: number
  heading: string
  /** SHA-256 of the whole section. */
  sha256: string
  /** SHA-256 of the section without its heading lines; optional because older indexes lack it. */
  bodySha256?: string
}

/** The sections of the previous index that ids are carried over from. */
export interface PreviousSections {
  sections: readonly (IdCandidate & { id: string })[]
  retired: readonly string[]
}

/** Ids for the new sections, in order, and the ids that may never be handed out again. */
export interface IdAssignment {
  ids: string[]
  retired: string[]
}

// eslint-disable-next-line no-control-regex -- the point is: nothing outside ASCII
const ASCII = /^[\u0000-\u007f]*$/
const NOT_KEPT_ASCII = /[^a-z0-9 _-]/g

/**
 * The id a section would get if nothing else were called that: the GitHub anchor of its heading,
 * so ids read like the links people already use. Headings without a letter or digit become `section`.
 */
export function baseId(heading: string): string {
  // Most headings are ASCII, where github-slugger keeps letters, digits, space, `-` and `_` of the
  // lower-cased text and turns spaces into `-` (its removal class is tested against this); one code
  // unit is one code point. A stored index's check computes it for every heading (25,000 at 5 MB:
  // 7–9 ms of CPU instead of 17–30). Anything else goes the general way.
  if (ASCII.test(heading)) {
    const s = heading.toLowerCase().replace(NOT_KEPT_ASCII, '').replace(/ /g, '-').slice(0, MAX_SLUG)
    return /[a-z0-9]/.test(s) ? s : 'section'
  }
  // github-slugger strips `/` and `\` already; filter again so an id is always one path component.
  const s = Array.from(slug(heading).replace(/[/\\\p{Cc}]/gu, ''))
    .slice(0, MAX_SLUG)
    .join('')
  return /[\p{L}\p{N}]/u.test(s) ? s : 'section'
}

/** A fresh id for a heading that is not in `taken` (ids in use, retired ids and `preamble`). */
export function freshId(heading: string, taken: ReadonlySet<string>): string {
  const base = baseId(heading)
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) {
    const id = `${base}-${n}`
    if (!taken.has(id)) return id
  }
}

/** Order-preserving matches (index pairs) between two key lists: their longest common subsequence. */
function lcsPairs(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = []
  const changes = diffArrays([...a], [...b], { maxEditLength: MAX_EDIT_LENGTH })
  if (!changes) {
    let p = 0
    while (p < a.length && p < b.length && a[p] === b[p]) pairs.push([p, p++])
    let s = 0
    while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++
    for (let k = s; k > 0; k--) pairs.push([a.length - k, b.length - k])
    return pairs
  }
  let i = 0
  let j = 0
  for (const c of changes) {
    if (c.added) j += c.count
    else if (c.removed) i += c.count
    else for (let k = 0; k < c.count; k++) pairs.push([i++, j++])
  }
  return pairs
}

/** What the run-save matching compares: a section's level and heading text. */
export interface HeadingKey {
  level: number
  heading: string
}

/**
 * Pairs the old sections of a saved run with the sections its new text became, order-preservingly:
 * first by equal (level, heading text) (longest common subsequence), then, inside each gap left
 * between those matches with as many old as new sections, in order (a renamed heading keeps its
 * id). Returns, for each new section, the index of its old section or -1 (it needs a fresh id).
 */
export function matchRunSections(olds: readonly HeadingKey[], news: readonly HeadingKey[]): number[] {
  const key = (s: HeadingKey) => `${s.level}\u0000${s.heading}`
  const match = news.map(() => -1)
  const pairGap = (oA: number, oB: number, nA: number, nB: number): void => {
    if (oB - oA === nB - nA) for (let k = 0; k < nB - nA; k++) match[nA + k] = oA + k
  }
  let po = 0
  let pn = 0
  for (const [i, j] of lcsPairs(olds.map(key), news.map(key))) {
    pairGap(po, i, pn, j)
    match[j] = i
    po = i + 1
    pn = j + 1
  }
  pairGap(po, olds.length, pn, news.length)
  return match
}

type Key = (s: IdCandidate) => string | undefined

/** The successive keys of the alignment: whole content, then heading, then body (see README.md). */
const STAGES: readonly Key[] = [(s) => s.sha256, (s) => `${s.level}\u0000${s.heading}`, (s) => s.bodySha256]

/**
 * Aligns old[oA, oB) with new[nA, nB): matches by the stage's key in order, then refines each gap
 * between those matches with the next stage. After the last key, a gap with as many old as new
 * sections pairs them in order (edited and renamed at once). `match[n]` receives the old index.
 */
function align(
  olds: readonly IdCandidate[],
  news: readonly IdCandidate[],
  match: number[],
  range: { oA: number; oB: number; nA: number; nB: number },
  stage: number
): void {
  const { oA, oB, nA, nB } = range
  if (oA === oB || nA === nB) return
  if (stage === STAGES.length) {
    if (oB - oA === nB - nA) for (let k = 0; k < nB - nA; k++) match[nA + k] = oA + k
    return
  }
  const key = STAGES[stage]
  // A missing key must never equal another missing key: give each one a distinct placeholder.
  const oldKeys = olds.slice(oA, oB).map((s, k) => key(s) ?? `\u0001old${k}`)
  const newKeys = news.slice(nA, nB).map((s, k) => key(s) ?? `\u0001new${k}`)
  let po = oA
  let pn = nA
  for (const [i, j] of lcsPairs(oldKeys, newKeys)) {
    align(olds, news, match, { oA: po, oB: oA + i, nA: pn, nB: nA + j }, stage + 1)
    match[nA + j] = oA + i
    po = oA + i + 1
    pn = nA + j + 1
  }
  align(olds, news, match, { oA: po, oB, nA: pn, nB }, stage + 1)
}

/** Sections moved elsewhere unchanged keep their id: leftover exact-content matches, in document order. */
function matchMoves(olds: readonly IdCandidate[], news: readonly IdCandidate[], match: number[]): void {
  const used = new Set(match.filter((m) => m >= 0))
  const bySha = new Map<string, number[]>()
  olds.forEach((s, i) => {
    if (used.has(i)) return
    const queue = bySha.get(s.sha256)
    if (queue) queue.push(i)
    else bySha.set(s.sha256, [i])
  })
  news.forEach((s, j) => {
    if (match[j] >= 0) return
    const queue = bySha.get(s.sha256)
    if (queue?.length) match[j] = queue.shift() as number
  })
}

/**
 * Gives every section of a new parse its id, carrying ids over from `previous` so they survive
 * edits, inserts, deletes, renames and moves of other sections (SPEC S3). A pure function of its
 * inputs: instances reconciling the same external edit agree on the ids without talking.
 */
export function assignIds(sections: readonly IdCandidate[], previous: PreviousSections | null): IdAssignment {
  const news = sections.slice(1)
  const oldWithIds = previous ? previous.sections.filter((s) => s.id !== PREAMBLE_ID) : []
  const match = news.map(() => -1)
  align(oldWithIds, news, match, { oA: 0, oB: oldWithIds.length, nA: 0, nB: news.length }, 0)
  matchMoves(oldWithIds, news, match)

  const taken = new Set<string>([PREAMBLE_ID, ...(previous?.retired ?? []), ...oldWithIds.map((s) => s.id)])
  const inUse = new Set<string>([PREAMBLE_ID])
  const ids: Array<string | null> = news.map((_, j) => {
    const id = match[j] >= 0 ? oldWithIds[match[j]].id : null
    // A corrupt previous index could name one id twice; the second holder gets a fresh one.
    if (id === null || inUse.has(id)) return null
    inUse.add(id)
    return id
  })
  const result = [PREAMBLE_ID]
  news.forEach((s, j) => {
    let id = ids[j]
    if (id === null) {
      id = freshId(s.heading, taken)
      taken.add(id)
    }
    result.push(id)
  })
  const kept = new Set(result)
  const retired = [...(previous?.retired ?? [])]
  const retiredSet = new Set(retired)
  for (const s of oldWithIds) {
    if (!kept.has(s.id) && !retiredSet.has(s.id)) {
      retired.push(s.id)
      retiredSet.add(s.id)
    }
  }
  return { ids: result, retired }
}
