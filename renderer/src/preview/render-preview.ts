/**
 * The preview: markdown → HTML (markdown-it, raw HTML allowed because writers paste it) → DOMPurify
 * with a policy narrower than its defaults. Documents come from a shared folder, so any writer — or
 * any program that can write there — controls this HTML; it must never run script in the app.
 */
import DOMPurify from 'dompurify'
import type { Config, WindowLike } from 'dompurify'
import { createMarkdown } from './markdown'
import { createMathSanitizer, fillMathSlots, mathEnv } from './math'

/** Turns untrusted HTML into HTML that is safe to put into the preview pane. */
export type Sanitize = (html: string) => string

const markdown = createMarkdown()

/**
 * Elements dropped with everything inside them. `<svg>` and `<math>` go entirely: their foreign
 * content parsing is where most sanitizer bypasses live, and a writing preview does not need
 * them — the simplest safe rule (formulas get theirs apart: math.ts). Forms and their controls go
 * too: in a document they can only be phishing bait or submit somewhere — except `<input>`, which
 * task lists need: it is kept only as a disabled checkbox (see the hook below).
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
  // The editor's line of each block (scroll sync); plain numbers, checked in the hook below.
  ADD_ATTR: ['data-line'],
  ADD_FORBID_CONTENTS: DROPPED,
  FORBID_ATTR: ['srcset', 'ping'],
  ALLOWED_URI_REGEXP: ALLOWED_URI,
  ALLOW_DATA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  // A document's `id` and `name` become `user-content-…`: an element named `sectioned` (or any
  // global the page reads) cannot shadow it through the DOM (clobbering). In-page links follow.
  SANITIZE_NAMED_PROPS: true
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
    else if (name === 'data-line') data.keepAttr = /^\d{1,9}$/.test(data.attrValue)
    else if (name === 'style') data.keepAttr = SAFE_STYLE.test(data.attrValue)
    else if (URL_ATTRIBUTES.includes(name))
      data.keepAttr = isSafeUrl(node.nodeName.toLowerCase(), name, data.attrValue)
  })
  purify.addHook('afterSanitizeAttributes', (node) => {
    const tag = node.nodeName.toLowerCase()
    // A task list's box: every input left is a disabled checkbox (forms are dropped, so it submits nothing).
    if (tag === 'input') {
      node.setAttribute('type', 'checkbox')
      node.setAttribute('disabled', '')
      for (const name of ['name', 'value', 'form', 'list', 'autofocus']) node.removeAttribute(name)
      return
    }
    // An image's address is not loaded by the page: preview-images.ts reads a workspace image through
    // the services, and shows a remote one only as a placeholder (no request without a click).
    if (tag === 'img') {
      const src = node.getAttribute('src')
      if (src !== null && !/^data:/i.test(compact(src))) {
        node.removeAttribute('src')
        node.setAttribute('data-src', src)
      }
      return
    }
    if (tag !== 'a') return
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

let defaultMathSanitize: Sanitize | null = null

/**
 * Renders a section or document for the preview pane: markdown-it output passed through the
 * sanitizer (by default one bound to the global `window`), its formulas through the math one
 * (math.ts). The result may be set as innerHTML; its images carry `data-src`, not `src`.
 */
export function renderPreview(
  source: string,
  sanitize: Sanitize = windowSanitizer(),
  sanitizeMath: Sanitize = (defaultMathSanitize ??= createMathSanitizer(window))
): string {
  const env = mathEnv()
  return fillMathSlots(sanitize(markdown.render(source, env)), env, sanitizeMath)
}
