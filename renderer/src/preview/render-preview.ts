/**
 * The preview: markdown → HTML (markdown-it, raw HTML allowed because writers paste it) → DOMPurify
 * with a policy narrower than its defaults. Documents come from a shared folder, so any writer — or
 * any program that can write there — controls this HTML; it must never run script in the app.
 */
import DOMPurify from 'dompurify'
import type { Config, WindowLike } from 'dompurify'
import MarkdownIt from 'markdown-it'

/** Turns untrusted HTML into HTML that is safe to put into the preview pane. */
export type Sanitize = (html: string) => string

const markdown = new MarkdownIt({ html: true, linkify: true })

/**
 * Elements dropped with everything inside them. `<svg>` and `<math>` go entirely: their foreign
 * content parsing is where most sanitizer bypasses live, and a writing preview does not need
 * them — the simplest safe rule. Forms and their controls go too: in a document they can only be
 * phishing bait or submit somewhere.
 */
const DROPPED = [
  'script',
  'style',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'form',
  'input',
  'button',
  'textarea',
  'select',
  'svg',
  'math',
  'base',
  'link',
  'meta',
  'noscript',
  'template'
]

/** Attributes that hold a URL and so get the scheme check below. */
const URL_ATTRIBUTES = [
  'href',
  'src',
  'action',
  'formaction',
  'poster',
  'cite',
  'background',
  'longdesc',
  'xlink:href'
]

/**
 * Relative URLs, #anchors, http(s) and mailto. DOMPurify applies this to URL attributes after
 * stripping whitespace and control characters (so "java\tscript:" and "JaVaScRiPt:" fail too);
 * entities such as `&#58;` are already decoded by the HTML parser by then.
 */
const ALLOWED_URI = /^(?:(?:https?|mailto):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i

/** The only data: URLs kept, and only as an image source: raster formats that cannot carry script. */
const SAFE_DATA_IMAGE = /^data:image\/(?:png|jpeg|gif|webp)[;,]/i

/** Table alignment is the one inline style markdown-it emits; no other CSS gets in. */
const SAFE_STYLE = /^\s*text-align\s*:\s*(?:left|right|center)\s*;?\s*$/i

const config: Config = {
  FORBID_TAGS: DROPPED,
  ADD_FORBID_CONTENTS: DROPPED,
  FORBID_ATTR: ['srcset', 'ping'],
  ALLOWED_URI_REGEXP: ALLOWED_URI,
  ALLOW_DATA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false
}

/** The URL with what browsers ignore removed, for scheme checks. */
function compact(url: string): string {
  // eslint-disable-next-line no-control-regex -- browsers drop these before reading the scheme
  return url.replace(/[\u0000-\u0020\u007f-\u00a0\u1680\u180e\u2000-\u2029\u205f\u3000]/g, '')
}

function isSafeUrl(tag: string, attribute: string, value: string): boolean {
  const url = compact(value)
  if (/^data:/i.test(url)) return tag === 'img' && attribute === 'src' && SAFE_DATA_IMAGE.test(url)
  return ALLOWED_URI.test(url)
}

/** Links that leave the document (the app shell opens them in the system browser). */
function isExternal(href: string): boolean {
  return /^(?:https?:|mailto:|\/\/)/i.test(compact(href))
}

/**
 * A sanitizer bound to `win` (DOMPurify needs a DOM): the renderer passes `window`, tests a jsdom
 * window. Each call gets its own DOMPurify instance so the hooks never leak into other users.
 */
export function createSanitizer(win: WindowLike): Sanitize {
  const purify = DOMPurify(win)
  purify.addHook('uponSanitizeAttribute', (node, data) => {
    const name = data.attrName.toLowerCase()
    // Allow-listed attributes never include handlers; this stays as a second line of defence.
    if (name.startsWith('on')) data.keepAttr = false
    else if (name === 'style') data.keepAttr = SAFE_STYLE.test(data.attrValue)
    else if (URL_ATTRIBUTES.includes(name))
      data.keepAttr = isSafeUrl(node.nodeName.toLowerCase(), name, data.attrValue)
  })
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName.toLowerCase() !== 'a') return
    const href = node.getAttribute('href')
    if (href !== null && isExternal(href)) {
      node.setAttribute('target', '_blank')
      node.setAttribute('rel', 'noopener noreferrer')
    } else node.removeAttribute('target')
  })
  return (html) => purify.sanitize(html, config)
}

let defaultSanitize: Sanitize | null = null

function windowSanitizer(): Sanitize {
  if (typeof window === 'undefined')
    throw new Error('renderPreview needs a window; pass createSanitizer(win)')
  defaultSanitize ??= createSanitizer(window)
  return defaultSanitize
}

/**
 * Renders a section or document for the preview pane: markdown-it output passed through the
 * sanitizer (by default one bound to the global `window`). The result may be set as innerHTML.
 */
export function renderPreview(source: string, sanitize: Sanitize = windowSanitizer()): string {
  return sanitize(markdown.render(source))
}
