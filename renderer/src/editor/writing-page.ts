/**
 * The page a writer types on: a proportional reading font in a centred column of about 70
 * characters, headings sized by level, front matter shown as small muted metadata, no gutters unless
 * the writer turns them on. Built on CodeMirror's `minimalSetup` pieces plus what prose needs
 * (active line, drop cursor, search, markdown list continuation) and without what code needs
 * (autocomplete, bracket closing, indentation on input). The gutters and spelling sit in
 * compartments so Settings change them in an open editor (`reconfigureWriting`).
 */
import { history, defaultKeymap, historyKeymap } from '@codemirror/commands'
import { markdown } from '@codemirror/lang-markdown'
import { foldGutter, HighlightStyle, syntaxHighlighting, syntaxTree } from '@codemirror/language'
import { search, searchKeymap } from '@codemirror/search'
import { Compartment, type Extension, type Range } from '@codemirror/state'
import {
  Decoration,
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  scrollPastEnd,
  ViewPlugin,
  type DecorationSet,
  type ViewUpdate
} from '@codemirror/view'
import { tags } from '@lezer/highlight'
import { frontMatter } from './front-matter'

/** The writer's choices for the page (Settings; they apply to an open editor at once). */
export interface WritingPrefs {
  lineNumbers: boolean
  foldGutter: boolean
  spellcheck: boolean
  /** A BCP 47 tag for the spell checker ("en-GB"); '' leaves it to the system. */
  spellLanguage: string
}

/** What a writer gets before changing anything. */
export const DEFAULT_WRITING_PREFS: WritingPrefs = {
  lineNumbers: false,
  foldGutter: false,
  spellcheck: true,
  spellLanguage: ''
}

const gutters = new Compartment()
const spelling = new Compartment()

function gutterExtension(p: WritingPrefs): Extension {
  return [p.lineNumbers ? lineNumbers() : [], p.foldGutter ? foldGutter() : []]
}

function spellingExtension(p: WritingPrefs): Extension {
  const on = p.spellcheck ? 'on' : 'off'
  return EditorView.contentAttributes.of({
    spellcheck: p.spellcheck ? 'true' : 'false',
    autocorrect: on,
    autocapitalize: on,
    ...(p.spellLanguage ? { lang: p.spellLanguage } : {})
  })
}

/** The effects that make an open editor follow changed prefs. */
export function reconfigureWriting(p: WritingPrefs) {
  return [gutters.reconfigure(gutterExtension(p)), spelling.reconfigure(spellingExtension(p))]
}

/** Markdown colours: structure by weight and style, syntax marks muted, no code-editor rainbow. */
const prose = HighlightStyle.define([
  { tag: tags.heading, fontWeight: '700' },
  { tag: tags.emphasis, fontStyle: 'italic' },
  { tag: tags.strong, fontWeight: '700' },
  { tag: tags.strikethrough, textDecoration: 'line-through' },
  { tag: tags.link, color: 'var(--accent)' },
  { tag: [tags.url, tags.processingInstruction, tags.contentSeparator], color: 'var(--muted)' },
  { tag: tags.quote, fontStyle: 'italic' },
  { tag: tags.monospace, fontFamily: 'var(--mono-font)', fontSize: '0.9em' },
  { tag: tags.meta, color: 'var(--muted)' }
])

const HEADING = /^(?:ATXHeading|SetextHeading)([1-6])$/

/**
 * Line classes from the syntax tree, for the visible part only: `cm-h1`…`cm-h6` size heading lines,
 * `cm-frontmatter` marks the metadata block. A line class, not a highlight, because the size must
 * cover the whole line (its `#` marks too) and set its height.
 */
function lineClasses(view: EditorView): DecorationSet {
  const out: Range<Decoration>[] = []
  const doc = view.state.doc
  const mark = (from: number, to: number, cls: string) => {
    for (let pos = from; pos <= to;) {
      const line = doc.lineAt(pos)
      out.push(Decoration.line({ class: cls }).range(line.from))
      pos = line.to + 1
    }
  }
  for (const { from, to } of view.visibleRanges) {
    syntaxTree(view.state).iterate({
      from,
      to,
      enter: (node) => {
        if (node.name === 'FrontMatter') {
          mark(Math.max(node.from, from), Math.min(node.to, to), 'cm-frontmatter')
          return false
        }
        const level = HEADING.exec(node.name)?.[1]
        if (level && node.name.startsWith('Setext')) {
          // The text is the heading; its `===` or `---` underline is a mark, muted at body size.
          const underline = doc.lineAt(node.to)
          mark(Math.max(node.from, from), Math.min(underline.from - 1, to), `cm-h${level}`)
          if (underline.from <= to) mark(underline.from, underline.from, 'cm-setext-underline')
        } else if (level) mark(Math.max(node.from, from), Math.min(node.to, to), `cm-h${level}`)
        // Headings and front matter sit at the top level: nothing below them is looked at.
        return node.name === 'Document' || node.name === 'Blockquote'
      }
    })
  }
  return Decoration.set(out, true)
}

const lineClassPlugin = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet
    constructor(view: EditorView) {
      this.decorations = lineClasses(view)
    }
    update(u: ViewUpdate) {
      if (u.docChanged || u.viewportChanged || syntaxTree(u.startState) !== syntaxTree(u.state))
        this.decorations = lineClasses(u.view)
    }
  },
  { decorations: (v) => v.decorations }
)

/** Colours from the app's CSS variables, so the page follows the light and dark themes. */
const page = EditorView.theme({
  '&': { color: 'var(--fg)', backgroundColor: 'var(--bg)', fontSize: 'var(--page-font-size, 17px)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: 'var(--page-font)', lineHeight: '1.65' },
  '.cm-content': {
    width: '100%',
    maxWidth: 'calc(70ch + 3em)',
    margin: '0 auto',
    padding: '2em 1.5em'
  },
  '.cm-line': { padding: '0 0.5em' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--fg)' },
  '.cm-selectionBackground': { backgroundColor: 'color-mix(in srgb, var(--accent) 22%, transparent)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground': {
    backgroundColor: 'color-mix(in srgb, var(--accent) 32%, transparent)'
  },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--fg) 4%, transparent)' },
  // Gutters beside the text, not at the pane's edge: the gutters and the column are centred as one
  // (the free space goes to the gutters' left and the column's right).
  '.cm-gutters': { backgroundColor: 'var(--bg)', color: 'var(--muted)', border: 'none', marginLeft: 'auto' },
  '.cm-gutters ~ .cm-content': { marginLeft: '0', marginRight: 'auto' },
  '.cm-activeLineGutter': { backgroundColor: 'transparent', color: 'var(--fg)' },
  '.cm-h1': { fontSize: '1.75em', lineHeight: '1.3', paddingTop: '0.4em' },
  '.cm-h2': { fontSize: '1.4em', lineHeight: '1.3', paddingTop: '0.3em' },
  '.cm-h3': { fontSize: '1.2em', lineHeight: '1.35', paddingTop: '0.2em' },
  '.cm-h4': { fontSize: '1.05em' },
  '.cm-setext-underline': { color: 'var(--muted)', lineHeight: '1.2' },
  '.cm-setext-underline *': { fontWeight: '400' },
  // Metadata, not prose: small, muted, fixed-width (its keys line up).
  '.cm-frontmatter': {
    fontFamily: 'var(--mono-font)',
    fontSize: '0.8em',
    lineHeight: '1.5',
    color: 'var(--muted)',
    backgroundColor: 'color-mix(in srgb, var(--muted) 7%, transparent)'
  },
  '.cm-panels': { backgroundColor: 'var(--panel)', color: 'var(--fg)' },
  '.cm-panels.cm-panels-bottom': { borderTop: '1px solid var(--border)' },
  '.cm-searchMatch': { backgroundColor: 'color-mix(in srgb, var(--warn) 30%, transparent)' }
})

/** Everything the writing page adds to an editor, set up with `prefs`. */
export function writingPage(prefs: WritingPrefs): Extension {
  return [
    highlightSpecialChars(),
    history(),
    drawSelection(),
    dropCursor(),
    highlightActiveLine(),
    search({ top: false }),
    // Lets the last heading of a document reach the top of the view (outline clicks).
    scrollPastEnd(),
    keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap]),
    markdown({ extensions: [frontMatter] }),
    syntaxHighlighting(prose),
    lineClassPlugin,
    EditorView.lineWrapping,
    page,
    gutters.of(gutterExtension(prefs)),
    spelling.of(spellingExtension(prefs))
  ]
}

/** The same page without its settings compartments, for the conflict view's two panes. */
export function mergePage(): Extension {
  return [
    // Two panes side by side in a dialog: less air around the text than the full page.
    EditorView.theme({ '.cm-content': { padding: '0.75em 0.5em' } }),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    keymap.of([...defaultKeymap, ...historyKeymap]),
    markdown({ extensions: [frontMatter] }),
    syntaxHighlighting(prose),
    lineClassPlugin,
    EditorView.lineWrapping,
    page
  ]
}
