/**
 * The quick switcher's list (Ctrl/⌘ P): the workspace's documents, most recently shown first, cut
 * down to those matching what the writer typed. A match is the typed text as one piece of the name
 * (best at the start of the file name), else its characters in order (`bdgt` finds `budget.md`);
 * case and accents are ignored. Pure, so the ranking is unit-tested.
 */

/** Lower case without accents, so `resume` finds `Résumé.md`. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
}

/** How well `query` (folded) matches `name`; lower is better, null: no match. */
export function matchScore(name: string, query: string): number | null {
  const q = fold(query.trim())
  if (q === '') return 0
  const full = fold(name)
  const base = full.slice(full.lastIndexOf('/') + 1)
  if (base.startsWith(q)) return 0
  if (base.includes(q)) return 1
  if (full.includes(q)) return 2
  // Characters in order, in the file name before the whole path; the fewer the gaps, the better.
  const inBase = gapsInOrder(base, q)
  if (inBase !== null) return 3 + inBase
  const inFull = gapsInOrder(full, q)
  return inFull === null ? null : 100 + inFull
}

/** How many gaps `q`'s characters leave when found in order in `text`; null when they are not. */
function gapsInOrder(text: string, q: string): number | null {
  let at = -1
  let gaps = 0
  for (const ch of q) {
    const next = text.indexOf(ch, at + 1)
    if (next < 0) return null
    if (at >= 0 && next > at + 1) gaps++
    at = next
  }
  return gaps
}

/**
 * The documents to list for `query`: matches only, best match first, and among equal matches the
 * most recently shown first (`recent`, newest first), then the shorter name, then by name.
 */
export function switcherItems(
  documents: readonly string[],
  recent: readonly string[],
  query: string
): string[] {
  const rank = (d: string) => {
    const i = recent.indexOf(d)
    return i < 0 ? recent.length : i
  }
  return documents
    .map((d) => ({ d, score: matchScore(d, query) }))
    .filter((x): x is { d: string; score: number } => x.score !== null)
    .sort(
      (a, b) =>
        a.score - b.score ||
        rank(a.d) - rank(b.d) ||
        // A typed text matches a short name more closely than a long one.
        (query.trim() ? a.d.length - b.d.length : 0) ||
        a.d.localeCompare(b.d)
    )
    .map((x) => x.d)
}

/** The newest-first list of documents shown, with `document` moved to the front (at most `max`). */
export function shownFirst(recent: readonly string[], document: string, max = 50): string[] {
  return [document, ...recent.filter((d) => d !== document)].slice(0, max)
}
