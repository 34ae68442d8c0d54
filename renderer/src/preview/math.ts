/**
 * Math in the preview: KaTeX's output kept apart from the writer's HTML. The document's own HTML is
 * sanitised with a policy that drops `<svg>` and `<math>` entirely (render-preview.ts); KaTeX needs
 * both (MathML for screen readers, SVG for radicals and stretchy arrows) and inline sizes in
 * `style`. So each formula is rendered by KaTeX (with `trust` off: no `\href`, `\url`,
 * `\includegraphics` or `\htmlClass`; bounded size and macro expansion), left out of the document's
 * HTML as a placeholder naming a per-render nonce, sanitised on its own with a policy made for it,
 * and put in the placeholder's place afterwards. Writer-typed HTML never passes the math policy.
 */
import DOMPurify from 'dompurify'
import type { Config, WindowLike } from 'dompurify'

/** KaTeX options for untrusted documents (passed through the markdown-it plugin to `renderToString`). */
export const KATEX_OPTIONS = {
  throwOnError: false,
  trust: false,
  maxSize: 50,
  maxExpand: 1000,
  output: 'htmlAndMathml',
  strict: 'ignore'
} as const

/** The renders' formulas, collected by the markdown-it rules, and the nonce of their placeholders. */
export interface MathEnv {
  [key: string | symbol]: unknown
  math: string[]
  nonce: string
}

/** True when a markdown-it render environment is a {@link MathEnv} (a render without one leaves math to KaTeX's HTML). */
export function isMathEnv(env: unknown): env is MathEnv {
  return typeof env === 'object' && env !== null && Array.isArray((env as { math?: unknown }).math)
}

/** A fresh environment for one render. */
export function mathEnv(): MathEnv {
  const bytes = new Uint8Array(8)
  crypto.getRandomValues(bytes)
  return { math: [], nonce: Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') }
}

/** The placeholder for formula `n` (a block one is a `<div>`, inline a `<span>`). */
export function mathSlot(env: MathEnv, n: number, block: boolean, line: number | null): string {
  const tag = block ? 'div' : 'span'
  const at = line === null ? '' : ` data-line="${line}"`
  return `<${tag} class="math-slot"${at}>math-${env.nonce}-${n}</${tag}>`
}

/** One declaration KaTeX writes: a known property, a length, a colour or a keyword; never a URL. */
const KATEX_DECLARATION =
  /^\s*(?:height|width|min-width|max-width|vertical-align|margin(?:-(?:left|right|top|bottom))?|padding(?:-(?:left|right|top|bottom))?|top|bottom|left|right|position|border(?:-(?:top|bottom|left|right))?(?:-(?:width|style|color))?|color|background-color|display)\s*:\s*[-a-z0-9.#%(), ]*$/i

function isKatexStyle(style: string): boolean {
  if (/url|expression|image|var\(|@|\\|&/i.test(style)) return false
  return style
    .split(';')
    .filter((d) => d.trim() !== '')
    .every((d) => KATEX_DECLARATION.test(d))
}

const KATEX_CONFIG: Config = {
  USE_PROFILES: { html: true, svg: true, mathMl: true },
  // The TeX source, for screen readers and copying (text only; `annotation-xml` stays out).
  ADD_TAGS: ['semantics', 'annotation'],
  ADD_ATTR: ['encoding'],
  FORBID_TAGS: ['style', 'script', 'a', 'img', 'image', 'use', 'foreignObject', 'iframe', 'form', 'input'],
  FORBID_ATTR: ['href', 'xlink:href', 'src', 'srcset', 'action'],
  ALLOW_DATA_ATTR: false
}

/** A sanitiser for KaTeX's output, bound to `win`. */
export function createMathSanitizer(win: WindowLike): (html: string) => string {
  const purify = DOMPurify(win)
  purify.addHook('uponSanitizeAttribute', (_node, data) => {
    const name = data.attrName.toLowerCase()
    if (name.startsWith('on')) data.keepAttr = false
    else if (name === 'style') data.keepAttr = isKatexStyle(data.attrValue)
  })
  return (html) => purify.sanitize(html, KATEX_CONFIG)
}

/** Puts each formula (sanitised by `sanitizeMath`) into its placeholder in the sanitised document HTML. */
export function fillMathSlots(html: string, env: MathEnv, sanitizeMath: (html: string) => string): string {
  if (env.math.length === 0) return html
  const slot = new RegExp(
    `(<(span|div) class="math-slot"(?: data-line="\\d+")?>)math-${env.nonce}-(\\d+)(</\\2>)`,
    'g'
  )
  return html.replace(slot, (_all, open: string, _tag, n: string, close: string) => {
    const math = env.math[Number(n)]
    return math === undefined ? '' : `${open}${sanitizeMath(math)}${close}`
  })
}
