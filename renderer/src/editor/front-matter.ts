/**
 * Front matter (a leading `---` YAML block closed by `---` or `...`) for the editor's markdown
 * parser. Plain CommonMark reads `---\ntitle: x\n---` as a rule followed by a setext heading
 * "title: x", so the editor showed metadata as a big heading. This block parser claims the block
 * first, as a `FrontMatter` node, which the writing page styles as metadata (writing-page.ts).
 *
 * The section parser (electron/services/sections) does not treat an unclosed opening `---` as front
 * matter. The editor's parser sees one line at a time and cannot look ahead for the closing fence,
 * so while a writer is typing a new front matter block, the rest of the document shows as
 * metadata until the fence is closed. That only changes how the text looks; sections and locks
 * come from the services.
 */
import { tags } from '@lezer/highlight'
import type { BlockContext, Line, MarkdownConfig } from '@lezer/markdown'

/** A front matter fence line: `---` (or, closing only, `...`) with nothing but trailing blanks. */
export function isFence(line: string, closing: boolean): boolean {
  const t = line.replace(/[ \t\r]+$/, '')
  return t === '---' || (closing && t === '...')
}

function parseFrontMatter(cx: BlockContext, line: Line): boolean {
  if (cx.lineStart !== 0 || cx.depth > 1 || !isFence(line.text, false)) return false
  const marks = [cx.elt('FrontMatterMark', 0, line.text.length)]
  let end = line.text.length
  while (cx.nextLine()) {
    end = cx.lineStart + line.text.length
    if (isFence(line.text, true)) {
      marks.push(cx.elt('FrontMatterMark', cx.lineStart, end))
      cx.nextLine()
      break
    }
  }
  cx.addElement(cx.elt('FrontMatter', 0, end, marks))
  return true
}

/** The markdown extension: `FrontMatter` blocks (tagged `meta`) with their `FrontMatterMark` fences. */
export const frontMatter: MarkdownConfig = {
  defineNodes: [
    { name: 'FrontMatter', block: true, style: tags.meta },
    { name: 'FrontMatterMark', style: tags.processingInstruction }
  ],
  parseBlock: [{ name: 'FrontMatter', before: 'HorizontalRule', parse: parseFrontMatter }]
}
