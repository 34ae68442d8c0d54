/**
 * The preview's markdown-it: CommonMark with raw HTML (writers paste it), links, footnotes, task
 * lists, definition lists, front matter as a table and math (KaTeX, see math.ts). Block tokens
 * carry `data-line` (their first source line, 0-based) so the preview can follow the editor's
 * scroll position.
 */
import markdownIt from 'markdown-it'
import type { MarkdownIt, RendererRule } from 'markdown-it'
import footnote from 'markdown-it-footnote'
import deflist from 'markdown-it-deflist'
import taskLists from 'markdown-it-task-lists'
import markdownItKatex from '@vscode/markdown-it-katex'
import type { MarkdownKatexOptions } from '@vscode/markdown-it-katex'
import { frontMatter } from './front-matter'
import { isMathEnv, KATEX_OPTIONS, mathSlot } from './math'

/** The renderer rules the KaTeX plugin adds, and whether each renders a block. */
const MATH_RULES = {
  math_inline: false,
  math_inline_block: true,
  math_inline_bare_block: true,
  math_block: true
} as const

/**
 * The plugin function of a CommonJS plugin module: bundlers differ in whether its default import is
 * the function or the module object holding it (`exports.default`).
 */
function pluginOf<T extends (...args: never[]) => unknown>(mod: T | { default: T }): T {
  return typeof mod === 'function' ? mod : mod.default
}

/** Marks each opening block token with the source line it starts on. */
function sourceLines(md: MarkdownIt): void {
  md.core.ruler.push('source_lines', (state) => {
    for (const token of state.tokens) {
      if (
        token.block &&
        token.map &&
        token.nesting !== -1 &&
        token.level === 0 &&
        token.type !== 'front_matter'
      )
        token.attrSet('data-line', String(token.map[0]))
    }
  })
}

/** Renders every formula into the render's environment and leaves a placeholder in the HTML. */
function mathToSlots(md: MarkdownIt): void {
  for (const [name, block] of Object.entries(MATH_RULES)) {
    const render: RendererRule | undefined = md.renderer.rules[name]
    if (!render) continue
    md.renderer.rules[name] = (tokens, idx, options, env, self) => {
      const html = render(tokens, idx, options, env, self)
      // Without a math environment the formula goes through the document's sanitiser (no SVG/MathML).
      if (!isMathEnv(env)) return html
      const n = env.math.push(html) - 1
      const line = tokens[idx].map?.[0] ?? null
      return mathSlot(env, n, block, block ? line : null) + (block ? '\n' : '')
    }
  }
}

/** A markdown-it for the preview and the HTML export. */
export function createMarkdown(): MarkdownIt {
  const md = markdownIt({ html: true, linkify: true })
  // (Fenced ```math blocks stay code: the plugin renders them past the placeholders.)
  const katexOptions: MarkdownKatexOptions & typeof KATEX_OPTIONS = { ...KATEX_OPTIONS }
  md.use(frontMatter)
    .use(pluginOf(footnote))
    .use(pluginOf(deflist))
    .use(pluginOf(taskLists), { enabled: false })
    .use(pluginOf(markdownItKatex), katexOptions)
  mathToSlots(md)
  sourceLines(md)
  return md
}
