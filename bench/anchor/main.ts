/// <reference lib="dom" />
/**
 * The plain CodeMirror 6 page the browser benchmarks measure the app against: the editor's own
 * extensions (basicSetup, the markdown language, line wrapping — as renderer/src/components/
 * EditorPane.tsx builds it) and nothing of the app. `?doc=<name>` shows one button named after the
 * document; clicking it fetches `/doc/<name>` from the bench's loopback server and shows the text.
 * `&width=<px>&height=<px>` give the editor the size of the app's editor, so both wrap and draw the
 * same lines.
 */
import { markdown } from '@codemirror/lang-markdown'
import { EditorState } from '@codemirror/state'
import { EditorView } from '@codemirror/view'
import { basicSetup } from 'codemirror'

const params = new URLSearchParams(location.search)
const doc = params.get('doc') ?? ''
const host = document.getElementById('editor') as HTMLElement
for (const side of ['width', 'height'] as const) {
  const px = Number(params.get(side))
  if (px > 0) Object.assign(host.style, { [side]: `${px}px`, flex: 'none' })
}
let view: EditorView | null = null

async function open(): Promise<void> {
  const text = await (await fetch(`/doc/${encodeURIComponent(doc)}`)).text()
  view?.destroy()
  view = new EditorView({
    parent: host,
    state: EditorState.create({ doc: text, extensions: [basicSetup, markdown(), EditorView.lineWrapping] })
  })
}

const button = document.createElement('button')
button.textContent = doc
button.addEventListener('click', () => void open())
document.getElementById('documents')?.append(button)
