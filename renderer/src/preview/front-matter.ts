/**
 * Front matter (a `---` block on the document's first line) shown as what it is — metadata — in a
 * small key/value table, instead of a rule followed by bold text. Only the simple `key: value`
 * lines are read as pairs (indented lines and list items continue the value above); anything else
 * is shown as it is written. No YAML library: the preview shows the text, it does not interpret it.
 */
import type { MarkdownIt, StateBlock } from 'markdown-it'

/** The lines of a front matter block as key/value rows (a null key: a line that is no pair). */
export function frontMatterRows(body: string): { key: string | null; value: string }[] {
  const rows: { key: string | null; value: string }[] = []
  for (const line of body.split(/\r?\n/)) {
    if (line.trim() === '') continue
    const pair = /^([A-Za-z0-9_][\w .-]*?)\s*:(?:\s+(.*)|\s*)$/.exec(line)
    if (pair && !/^\s/.test(line)) rows.push({ key: pair[1], value: (pair[2] ?? '').trim() })
    else if (rows.length > 0 && /^\s/.test(line)) {
      const last = rows[rows.length - 1]
      last.value = [last.value, line.trim().replace(/^-\s+/, '')].filter(Boolean).join(', ')
    } else rows.push({ key: null, value: line })
  }
  return rows
}

function frontMatterRule(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  if (startLine !== 0 || state.blkIndent !== 0) return false
  const lineText = (n: number) => state.src.slice(state.bMarks[n] + state.tShift[n], state.eMarks[n])
  if (lineText(0) !== '---' || state.tShift[0] !== 0) return false
  let close = 1
  while (close < endLine && !/^(?:---|\.\.\.)\s*$/.test(lineText(close))) close++
  if (close >= endLine) return false
  if (silent) return true
  const token = state.push('front_matter', 'table', 0)
  token.block = true
  token.map = [0, close + 1]
  token.content = state.src.slice(state.bMarks[1], state.bMarks[close])
  state.line = close + 1
  return true
}

/** The markdown-it plugin: the front matter block and its table. */
export function frontMatter(md: MarkdownIt): void {
  md.block.ruler.before('table', 'front_matter', frontMatterRule)
  md.renderer.rules.front_matter = (tokens, idx) => {
    const esc = md.utils.escapeHtml
    const rows = frontMatterRows(tokens[idx].content)
      .map((r) =>
        r.key === null
          ? `<tr><td colspan="2">${esc(r.value)}</td></tr>`
          : `<tr><th scope="row">${esc(r.key)}</th><td>${esc(r.value)}</td></tr>`
      )
      .join('')
    return `<table class="front-matter" data-line="0"><tbody>${rows}</tbody></table>\n`
  }
}
