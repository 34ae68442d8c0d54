/**
 * Counting words the way a writer expects, not the way `split(' ')` does. The rules:
 * - a word is a run of letters, digits and combining marks, which may hold an apostrophe, a hyphen,
 *   a full stop or a comma between two of them ("don't", "well-known", "e.g", "3.14", "1,000");
 * - Chinese and Japanese characters (Han, Hiragana, Katakana) count one word each, as Microsoft
 *   Word counts them; Korean is written with spaces, so Hangul counts by runs like Latin text;
 * - markdown syntax is not text: heading `#`, list and quote markers, emphasis, a link's URL
 *   (`[text](url)` counts its text only), images, HTML tags, footnote references, front matter;
 * - a bare URL is one word.
 * Rules are per line, so counts add up over any split at line boundaries (word-count-tree.ts relies
 * on that to count only what changed).
 */

/** Characters that are a word each (CJK ideographs and kana). */
const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}'
const HAS_CJK = new RegExp(`[${CJK}]`, 'u')
/** Words of a line without CJK: the common case, and twice as fast as the one below. */
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’.,-][\p{L}\p{N}\p{M}]+)*/gu
/** Words of a line with CJK: each such character alone, runs of the others as above. */
const RUN_CHAR = `[[\\p{L}\\p{N}\\p{M}]--[${CJK}]]`
// The `v` flag (set subtraction) is built at run time: TypeScript's target does not know it.
const CJK_WORD = new RegExp(`[${CJK}]|${RUN_CHAR}+(?:['’.,\\-]${RUN_CHAR}+)*`, 'gv')

/** Block markers at the start of a line: quotes, list bullets and numbers, tasks, headings. */
const BLOCK_MARKERS = /^(?:\s{0,3}>\s?)*\s*(?:[-*+]\s+|\d{1,9}[.)]\s+)?(?:\[[ xX]\]\s+)?(?:#{1,6}(?=\s|$))?/
/**
 * Inline markdown that is not words, each with the character a line must hold for it to apply (most
 * lines of prose hold none, and skip the replacements). Images go before links.
 */
const INLINE: [string, RegExp, string][] = [
  ['[', /!\[[^\]]*\]\([^)]*\)/g, ' '],
  ['[', /\[\^[^\]]*\]/g, ' '],
  ['[', /\[([^\]]*)\]\([^)]*\)/g, ' $1 '],
  ['[', /\[([^\]]*)\]\[[^\]]*\]/g, ' $1 '],
  ['<', /<(?:https?|mailto):[^>\s]*>/gi, ' url '],
  ['<', /<\/?[A-Za-z][^>]*>/g, ' '],
  ['://', /\bhttps?:\/\/[^\s<>()]+/gi, ' url '],
  ['www.', /\bwww\.[^\s<>()]+/gi, ' url ']
]

/** Words in one line of markdown (no line break inside). */
export function countLineWords(line: string): number {
  let text = /^\s*[>#*+\-\d]/.test(line) ? line.replace(BLOCK_MARKERS, ' ') : line
  for (const [needle, re, to] of INLINE) if (text.includes(needle)) text = text.replace(re, to)
  return text.match(HAS_CJK.test(text) ? CJK_WORD : WORD)?.length ?? 0
}

/** Words in a piece of markdown, line by line (front matter is the caller's: see frontMatterEnd). */
export function countWords(text: string): number {
  let n = 0
  let start = 0
  while (start <= text.length) {
    const end = text.indexOf('\n', start)
    const stop = end < 0 ? text.length : end
    n += countLineWords(text.slice(start, stop))
    if (end < 0) break
    start = end + 1
  }
  return n
}

/** Minutes of reading at 230 words a minute, rounded up ("1 min" for a few words, 0 for none). */
export function readingMinutes(words: number): number {
  return words === 0 ? 0 : Math.max(1, Math.round(words / 230))
}
