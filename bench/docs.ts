/** A document of `sections` sections (`## Section i`) after a preamble, `bodyLines` lines each. */
export function sectionedDoc(sections: number, bodyLines: number): string {
  const parts = ['Preamble that nobody edits.\n\n']
  for (let i = 1; i <= sections; i++) {
    parts.push(`## Section ${i}\n\n${'Some words in this part of the document.\n'.repeat(bodyLines)}\n`)
  }
  return parts.join('')
}

/** The text a benchmark writes into section `i` of a {@link sectionedDoc}: the heading is kept. */
export function sectionText(i: number, body: string): string {
  return `## Section ${i}\n\n${body}\n\n`
}

const FILLER = 'The quick brown fox writes a paragraph about budgets, plans and the spring issue. '

/** The heading of large-document section `i`: mostly ATX at levels 1–3, every seventh a setext heading. */
function heading(i: number): string {
  if (i % 7 === 3) return `Chapter ${i} in setext\n${(i % 2 ? '=' : '-').repeat(12)}\n`
  return `${'#'.repeat(1 + (i % 3))} Chapter ${i}\n`
}

/** Every fifth section has a code fence whose `#` lines must not become headings. */
function fence(i: number): string {
  return i % 5 === 0 ? '```sh\n# not a heading\n## nor this\necho done\n```\n\n' : ''
}

/**
 * A large markdown document of about `bytes` bytes in exactly `sections` sections after a preamble:
 * ATX and setext headings, code fences full of `#` lines, lists and paragraphs.
 */
export function largeDoc(bytes: number, sections: number): string {
  const perSection = Math.max(1, Math.floor(bytes / sections))
  const parts = ['Front text of a long manuscript.\n\n']
  for (let i = 1; i <= sections; i++) {
    const head = `${heading(i)}\n${fence(i)}- item ${i}\n\n`
    const room = Math.max(0, perSection - head.length - 2)
    const body = FILLER.repeat(Math.ceil(room / FILLER.length)).slice(0, room)
    parts.push(`${head}${body}\n\n`)
  }
  return parts.join('')
}
