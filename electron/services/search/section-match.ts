/**
 * Which sections of a matching document a query finds. The index has one entry per document (one
 * per section made 300,000 entries of 200 MB of text, 2.2 GB of postings, and a query for a word in
 * every section scored all of them: p95 328 ms); the few documents an answer shows are then looked
 * through section by section here, for the terms the index matched in each.
 */
import { foldTerm } from './fold'
import type { SectionText } from './section-texts'

/** How MiniSearch splits a field into words (its default tokenizer), so sections split the same. */
export const WORD_BREAK = /[\n\r\p{Z}\p{P}]+/u

/**
 * Lucene's English stop words: neither indexed nor searched. Each is in most documents, so a query
 * with one scored nearly all of them and ranked nothing.
 */
export const STOP_WORDS = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(
    ' '
  )
)

/** A word as the index keeps it, or null for one it leaves out. */
export function indexTerm(word: string): string | null {
  const folded = foldTerm(word)
  return folded === '' || STOP_WORDS.has(folded) ? null : folded
}

/** The query's words as the index looks them up (folded, without stop words), in order. */
export function queryWords(query: string): string[] {
  const out: string[] = []
  for (const w of query.split(WORD_BREAK)) {
    const t = indexTerm(w)
    if (t !== null) out.push(t)
  }
  return out
}

/** What the index matched in one document: each term found, and the fields it was found in. */
export interface DocumentMatch {
  terms: readonly string[]
  match: Readonly<Record<string, readonly string[]>>
}

/** A section the query finds, with how well. */
export interface SectionFound {
  section: SectionText
  /** Higher is better: query words it has (the path's count for every section), headings first. */
  rank: number
}

/**
 * The query word (its index in `words`) that the document's term `term` was matched for: the word
 * itself, a completion of the last word (typed on), or one edit away (a typo forgiven).
 */
export function wordOfTerm(term: string, words: readonly string[]): number {
  const exact = words.indexOf(term)
  if (exact >= 0) return exact
  const last = words.length - 1
  if (last >= 0 && term.startsWith(words[last])) return last
  return words.findIndex((w) => withinOneEdit(term, w))
}

/**
 * The sections of a matching document that have every query word (a word of the path counts for
 * each section), headings first, in document order among equals. Where no section has them all
 * (the words are spread over the document), the sections that have any, most words first. A
 * document matched by its path alone answers its first section, as the path stands for the whole.
 */
export function sectionsFound(
  sections: readonly SectionText[],
  found: DocumentMatch,
  words: readonly string[]
): SectionFound[] {
  const wordOf = new Map<string, number>()
  let inPath = 0
  for (const t of found.terms) {
    const w = wordOfTerm(t, words)
    if (w < 0 || w > 30) continue
    if (found.match[t]?.includes('document')) inPath |= 1 << w
    if (found.match[t]?.some((f) => f !== 'document')) wordOf.set(t, w)
  }
  const all = words.length > 31 ? 0x7fffffff : 2 ** Math.min(words.length, 31) - 1
  const every: SectionFound[] = []
  const some: SectionFound[] = []
  sections.forEach((section, i) => {
    const inHeading = wordsIn(section.heading, wordOf)
    const inText = inHeading === 0 && wordOf.size === 0 ? 0 : wordsIn(section.text, wordOf)
    if ((inHeading | inText) === 0 && !(i === 0 && inPath !== 0)) return
    const mask = inHeading | inText | inPath
    const rank = bits(mask) * 4 + bits(inHeading)
    ;((mask & all) === all ? every : some).push({ section, rank })
  })
  // Stable: equals stay in document order.
  return (every.length > 0 ? every : some).sort((a, b) => b.rank - a.rank)
}

/** The query words (a bit each) that `text` has a term of. */
function wordsIn(text: string, wordOf: ReadonlyMap<string, number>): number {
  if (wordOf.size === 0 || text === '') return 0
  // A quick look first: a text without any term's letters in its lower case has none of its words
  // (folding only takes marks away, so an ASCII term stays in the lower-cased text as it was).
  const lower = text.toLowerCase()
  const ascii = isAscii(text)
  let maybe = false
  for (const t of wordOf.keys())
    if (!isAscii(t) || lower.includes(t)) {
      maybe = true
      break
    }
  if (!maybe && ascii) return 0
  let mask = 0
  if (ascii) {
    // Most texts: the lower-cased text's words are the index's terms as they are.
    for (const word of lower.split(WORD_BREAK)) {
      const w = wordOf.get(word)
      if (w !== undefined) mask |= 1 << w
    }
    return mask
  }
  // Each word folded on its own, as the index folds it (lower-casing a whole text decides Greek's
  // final sigma by the text around a word, not by the word).
  for (const word of text.split(WORD_BREAK)) {
    const w = wordOf.get(isAscii(word) ? word.toLowerCase() : foldTerm(word))
    if (w !== undefined) mask |= 1 << w
  }
  return mask
}

// eslint-disable-next-line no-control-regex -- the point is to find anything outside ASCII
const NON_ASCII = /[^\x00-\x7f]/
const isAscii = (s: string) => !NON_ASCII.test(s)

function bits(mask: number): number {
  let n = 0
  for (let m = mask; m !== 0; m &= m - 1) n++
  return n
}

/** Whether `a` and `b` differ by at most one insertion, deletion or substitution. */
function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1)
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1)
}
