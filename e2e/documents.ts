/** The documents the e2e scenarios open. */

/** A short plan: a preamble and two sections, `intro` (section 1) and `budget`. */
export const PLAN = [
  'Shared plan for the spring issue.',
  '',
  '# Intro',
  '',
  'Hello from the intro.',
  '',
  '# Budget',
  '',
  'Money is tight.',
  ''
].join('\n')

/**
 * A plan whose untouched parts are easy to damage: front matter, a hard line break (two trailing
 * spaces), non-ASCII text, a fenced block with a `#` line and a tab, trailing spaces, a setext
 * heading, an HTML comment with a `#`, and no newline at the end of the file.
 */
export const TRICKY_PLAN = [
  '---',
  'title: Spring issue',
  'tags: [plan, budget]',
  '---',
  'Shared plan for the spring issue.  ',
  'Second line of the preamble.',
  '',
  '# Intro',
  '',
  'Hello from the intro.',
  'Über café — naïve “quotes” 🙂',
  '',
  '```js',
  '# not a heading, inside a fence',
  'const x = 1;\t// a tab',
  '```',
  '',
  '# Budget',
  '',
  'Money is tight.',
  'Trailing spaces stay   ',
  '',
  'Costs',
  '-----',
  '',
  '- print: 1 200 €',
  '- web: 300 €',
  '<!-- # not a heading either -->'
].join('\n')

/** `original` with `add` appended to the one line that is exactly `lineText` (what typing at its end does). */
export function appendToLine(original: string, lineText: string, add: string): string {
  const lines = original.split('\n')
  const hits = lines.filter((l) => l === lineText).length
  if (hits !== 1) throw new Error(`expected exactly one line “${lineText}”, found ${hits}`)
  return lines.map((l) => (l === lineText ? l + add : l)).join('\n')
}

/** Forty `# Part n` sections of a paragraph each: long enough to scroll the editor and the preview. */
export const LONG_PARTS = Array.from(
  { length: 40 },
  (_, i) => `# Part ${i + 1}\n\n${'Words to fill the page. '.repeat(12)}\n`
).join('\n')
