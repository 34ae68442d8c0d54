/**
 * Word counts of an editor document that cost only what changed. CodeMirror's `Text` is a tree of
 * immutable nodes split at line boundaries and shared between versions: a keystroke makes a handful
 * of new nodes and keeps the rest. Counts are cached per node (a WeakMap, so old versions are
 * collected), and the rules of word-count.ts are per line, so a node's count is the sum of its
 * children's. A 5 MB document is counted once in full; after that an edit recounts a few lines.
 */
import type { Text } from '@codemirror/state'
import { isFence } from './front-matter'
import { countLineWords, countWords } from './word-count'

const counted = new WeakMap<Text, number>()

/** Words in a whole node, from the cache when this node was counted before. */
function nodeWords(node: Text): number {
  let n = counted.get(node)
  if (n !== undefined) return n
  n = 0
  if (node.children) for (const child of node.children) n += nodeWords(child)
  else for (const line of node.iterLines()) n += countLineWords(line)
  counted.set(node, n)
  return n
}

/**
 * Words in `doc` between `from` and `to`. Whole nodes come from the cache; only the lines at the two
 * ends are cut and counted (a word cut in two by a selection counts as one on each side it shows).
 */
export function wordsBetween(doc: Text, from: number, to: number): number {
  if (to <= from) return 0
  if (from <= 0 && to >= doc.length) return nodeWords(doc)
  if (!doc.children) return countWords(doc.sliceString(Math.max(0, from), Math.min(doc.length, to)))
  let n = 0
  let pos = 0
  for (const child of doc.children) {
    const end = pos + child.length
    if (end > from && pos < to) n += wordsBetween(child, from - pos, to - pos)
    // Children are separated by one line break, which is in neither.
    pos = end + 1
    if (pos >= to) break
  }
  return n
}

/**
 * Where front matter ends (the end of its closing fence line), or 0 when the document has none: a
 * first line `---` closed by a later `---` or `...` line, the rule the section parser uses.
 */
export function frontMatterEnd(doc: Text): number {
  if (doc.lines < 2 || !isFence(doc.line(1).text, false)) return 0
  let pos = doc.line(2).from
  for (const line of doc.iterLines(2)) {
    if (isFence(line, true)) return pos + line.length
    pos += line.length + 1
  }
  return 0
}

/** The counts the status bar shows. */
export interface WordCounts {
  document: number
  /** The section the cursor is in; null when the document has no sections yet. */
  section: number | null
  /** The selected text; null when nothing is selected. */
  selection: number | null
}

/**
 * Counts for `doc` with the cursor's section `[sectionFrom, sectionTo)` and the selected `ranges`;
 * front matter is never counted.
 */
export function countDocument(
  doc: Text,
  section: { from: number; to: number } | null,
  ranges: readonly { from: number; to: number }[]
): WordCounts {
  const skip = frontMatterEnd(doc)
  const words = (from: number, to: number) => wordsBetween(doc, Math.max(from, skip), to)
  const selected = ranges.filter((r) => r.to > r.from)
  return {
    document: words(0, doc.length),
    section: section ? words(section.from, section.to) : null,
    selection: selected.length ? selected.reduce((n, r) => n + words(r.from, r.to), 0) : null
  }
}
