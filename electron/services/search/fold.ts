/**
 * Case- and diacritic-insensitive matching: the index and the queries see folded terms ("Résumé"
 * and "resume" are one term), and a result's snippet is cut around the first folded match.
 */

/** Combining marks, removed after canonical decomposition: é → e + ◌́ → e. */
const MARKS = /\p{M}/gu
/** Printable ASCII (the tokenizer leaves no controls in a term). */
const ASCII = /^[ -~]*$/

/** A term as the index and queries compare it: decomposed, without marks, lower case. */
export function foldTerm(term: string): string {
  // Most words of most documents are ASCII: lower case is all they need (a tenth of the build
  // went to decomposing them).
  if (ASCII.test(term)) return term.toLowerCase()
  return term.normalize('NFD').replace(MARKS, '').toLowerCase()
}

/** Characters of a section looked at for a snippet: a match further in is shown from the start. */
const SNIPPET_SCAN = 16 * 1024

/**
 * A short excerpt of `text` around the first place one of `terms` (folded) occurs, on one line,
 * with an ellipsis where it is cut; the start of the text when none occurs (a match in the heading
 * or the path).
 */
export function snippetOf(text: string, terms: readonly string[], width = 160): string {
  const scanned = text.length > SNIPPET_SCAN ? text.slice(0, SNIPPET_SCAN) : text
  const hit = firstMatch(scanned, terms)
  const start = Math.max(0, hit - Math.floor(width / 3))
  const end = Math.min(text.length, start + width)
  const body = text.slice(start, end).replace(/\s+/g, ' ').trim()
  return `${start > 0 ? '…' : ''}${body}${end < text.length ? '…' : ''}`
}

/** Where in `text` the first of `terms` (folded) occurs; 0 when none does. */
function firstMatch(text: string, terms: readonly string[]): number {
  // Usually the lower-cased text has the term as it is (an English word, or accents typed as
  // written): found without folding each character, which took most of a query's time when
  // fifty long sections were answered.
  const lower = text.toLowerCase()
  if (lower.length === text.length) {
    const at = earliest(lower, terms)
    if (at >= 0) return at
  }
  // Folded per code point, with where each folded character came from: folding can change lengths
  // (é is one character, e + ◌́ two before the mark goes), so positions are mapped back.
  let folded = ''
  const from: number[] = []
  let i = 0
  for (const ch of text) {
    const f = foldTerm(ch)
    folded += f
    for (let k = 0; k < f.length; k++) from.push(i)
    i += ch.length
  }
  const at = earliest(folded, terms)
  return at < 0 ? 0 : from[at]
}

function earliest(text: string, terms: readonly string[]): number {
  let at = -1
  for (const t of terms) {
    const p = t ? text.indexOf(t) : -1
    if (p >= 0 && (at < 0 || p < at)) at = p
  }
  return at
}
