// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { JSDOM, VirtualConsole } from 'jsdom'
import MarkdownIt from 'markdown-it'
import { createSanitizer, renderPreview } from './render-preview'

const sanitize = createSanitizer(window)
const rawMarkdown = new MarkdownIt({ html: true, linkify: true })

/** A URL as a browser reads its scheme: leading controls and spaces, tabs and newlines dropped. */
// eslint-disable-next-line no-control-regex -- that is exactly what this strips
const compactUrl = (value: string) => value.replace(/[\u0000-\u0020]/g, '')

/** Every payload sets `window.pwned` if any part of it ever runs. */
const payloads: Record<string, string> = {
  script: '<script>pwned = true</script>',
  'img onerror': '<img src=x onerror="pwned = true">',
  'a href javascript:': '<a href="javascript:pwned=true">click</a>',
  'markdown link javascript:': '[x](javascript:pwned=true)',
  'markdown image javascript:': '![x](javascript:pwned=true)',
  'svg onload': '<svg onload="pwned = true"><circle r="4"/></svg>',
  'svg script': '<svg><script>pwned = true</script></svg>',
  'svg a xlink:href': '<svg><a xlink:href="javascript:pwned=true"><text>x</text></a></svg>',
  'iframe javascript:': '<iframe src="javascript:parent.pwned=true"></iframe>',
  'iframe srcdoc': '<iframe srcdoc="<script>parent.pwned=true</script>"></iframe>',
  'mixed-case scheme': '<a href="JaVaScRiPt:pwned=true">click</a>',
  'entity-encoded colon': '<a href="javascript&#58;pwned=true">click</a>',
  'entity-encoded letter': '<a href="&#x6A;avascript:pwned=true">click</a>',
  'tab inside scheme': '<a href="java&#x09;script:pwned=true">click</a>',
  'leading control character': '<a href="&#x01;javascript:pwned=true">click</a>',
  object: '<object data="javascript:pwned=true"></object>',
  embed: '<embed src="javascript:pwned=true">',
  'form action': '<form action="javascript:pwned=true"><button>go</button><input type="submit"></form>',
  'button formaction': '<button formaction="javascript:pwned=true">go</button>',
  style: '<style>body { background: url("javascript:pwned=true") }</style>',
  'style attribute': '<p style="background:url(javascript:pwned=true)">x</p>',
  math: '<math><mtext><table><mglyph><style><img src=x onerror="pwned=true">',
  'math href': '<math href="javascript:pwned=true"><mi>x</mi></math>',
  'noscript mXSS': '<noscript><p title="</noscript><img src=x onerror=pwned=true>">',
  'details ontoggle': '<details open ontoggle="pwned=true"><summary>x</summary></details>',
  'body onload': '<body onload="pwned=true">',
  vbscript: '<a href="vbscript:pwned=true">click</a>',
  'data: html link': '<a href="data:text/html,<script>pwned=true</script>">click</a>',
  'data: svg image': '<img src="data:image/svg+xml,<svg onload=pwned=true>">',
  'meta refresh': '<meta http-equiv="refresh" content="0;url=javascript:pwned=true">',
  base: '<base href="javascript:pwned=true//">',
  'link import': '<link rel="stylesheet" href="javascript:pwned=true">',
  'in a list item': '- <img src=x onerror="pwned=true">\n- item'
}

/**
 * Loads `html` into a fresh jsdom that runs scripts, fires every event an inline handler could
 * wait for on every element, and follows javascript: URLs the way a click or a load would.
 * True when anything set the flag.
 */
function executes(html: string): boolean {
  const dom = new JSDOM(`<!doctype html><html><head></head><body>${html}</body></html>`, {
    runScripts: 'dangerously',
    virtualConsole: new VirtualConsole()
  })
  const w = dom.window
  const events = ['load', 'error', 'click', 'mouseover', 'focus', 'toggle', 'submit', 'animationstart']
  for (const el of Array.from(w.document.querySelectorAll('*')))
    for (const type of events) el.dispatchEvent(new w.Event(type))
  for (const el of Array.from(w.document.querySelectorAll('*')))
    for (const attr of Array.from(el.attributes)) {
      const url = compactUrl(attr.value)
      if (/^javascript:/i.test(url)) {
        try {
          w.eval(decodeURIComponent(url.slice('javascript:'.length)))
        } catch {
          // a payload that does not parse does not run either
        }
      }
    }
  const pwned = (w as unknown as { pwned?: unknown }).pwned === true
  w.close()
  return pwned
}

/** Every URL attribute left in `html`, as the DOM reads it (entities decoded). */
function urls(html: string): Array<{ tag: string; attr: string; value: string }> {
  const doc = new JSDOM(`<body>${html}</body>`).window.document
  const out: Array<{ tag: string; attr: string; value: string }> = []
  for (const el of Array.from(doc.querySelectorAll('*')))
    for (const a of Array.from(el.attributes))
      if (/^(href|src|data-src|action|formaction|data|poster|xlink:href|background|content)$/i.test(a.name))
        out.push({ tag: el.tagName.toLowerCase(), attr: a.name, value: a.value })
  return out
}

describe('renderPreview sanitizes', () => {
  it('uses a harness that does catch these payloads when they are not sanitized', () => {
    for (const name of ['script', 'img onerror', 'a href javascript:', 'svg onload', 'entity-encoded colon'])
      expect(executes(rawMarkdown.render(payloads[name])), name).toBe(true)
  })

  for (const [name, payload] of Object.entries(payloads)) {
    it(`neutralises ${name}`, () => {
      const html = renderPreview(payload, sanitize)
      expect(html).not.toMatch(
        /<(script|svg|math|iframe|object|embed|form|style|button|input|meta|base|link|body)\b/i
      )
      expect(html).not.toMatch(/\son[a-z]+\s*=/i)
      expect(html).not.toMatch(/\sstyle\s*=/i)
      for (const u of urls(html)) {
        const compact = compactUrl(u.value)
        expect(compact, `${u.tag} ${u.attr}`).not.toMatch(/^(javascript|vbscript|data):/i)
      }
      expect(executes(html)).toBe(false)
    })
  }

  it('uses the global window by default', () => {
    const html = renderPreview('<img src=x onerror="pwned=true">')
    expect(html).toContain('<img data-src="x">')
    expect(html).not.toContain('onerror')
  })
})

describe('renderPreview keeps ordinary markdown', () => {
  const render = (md: string) => new JSDOM(`<body>${renderPreview(md, sanitize)}</body>`).window.document

  it('keeps headings, emphasis, lists, quotes and code', () => {
    const doc = render(
      '# Title\n\nSome *em* and **strong** `code`.\n\n- one\n- two\n\n1. first\n\n> quoted\n\n```ts\nconst a = 1 < 2\n```\n'
    )
    expect(doc.querySelector('h1')?.textContent).toBe('Title')
    expect(doc.querySelector('em')?.textContent).toBe('em')
    expect(doc.querySelector('strong')?.textContent).toBe('strong')
    expect(doc.querySelectorAll('ul li')).toHaveLength(2)
    expect(doc.querySelectorAll('ol li')).toHaveLength(1)
    expect(doc.querySelector('blockquote')?.textContent?.trim()).toBe('quoted')
    expect(doc.querySelector('pre code.language-ts')?.textContent).toBe('const a = 1 < 2\n')
  })

  it('keeps tables with their alignment', () => {
    const doc = render('| a | b |\n|:-:|--:|\n| 1 | 2 |\n')
    expect(doc.querySelectorAll('table td')).toHaveLength(2)
    expect(doc.querySelector('th')?.getAttribute('style')).toBe('text-align:center')
  })

  it('opens external links in a new window without an opener; keeps anchors and relative links', () => {
    const doc = render(
      '[site](https://example.com/a?b=1) [mail](mailto:ann@example.com) [up](#budget) [doc](notes/plan.md) https://example.org/x'
    )
    const links = Array.from(doc.querySelectorAll('a'))
    const byText = (t: string) => links.find((a) => a.textContent === t)!
    expect(byText('site').getAttribute('href')).toBe('https://example.com/a?b=1')
    expect(byText('site').getAttribute('target')).toBe('_blank')
    expect(byText('site').getAttribute('rel')).toBe('noopener noreferrer')
    expect(byText('mail').getAttribute('target')).toBe('_blank')
    expect(byText('up').getAttribute('href')).toBe('#budget')
    expect(byText('up').hasAttribute('target')).toBe(false)
    expect(byText('doc').getAttribute('href')).toBe('notes/plan.md')
    expect(byText('https://example.org/x').getAttribute('href')).toBe('https://example.org/x')
    expect(byText('https://example.org/x').getAttribute('target')).toBe('_blank')
  })

  it('keeps images, including raster data: images; other addresses wait in data-src (the page loads none)', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo='
    const doc = render(
      `![cat](https://example.com/cat.jpg "A cat") ![dot](${png}) <img src="img/local.webp" alt="l">`
    )
    const imgs = Array.from(doc.querySelectorAll('img'))
    expect(imgs.map((i) => i.getAttribute('src') ?? i.getAttribute('data-src'))).toEqual([
      'https://example.com/cat.jpg',
      png,
      'img/local.webp'
    ])
    expect(imgs.map((i) => i.hasAttribute('src'))).toEqual([false, true, false])
    expect(imgs[0].getAttribute('alt')).toBe('cat')
    expect(imgs[0].getAttribute('title')).toBe('A cat')
  })

  it('keeps harmless inline HTML', () => {
    const doc = render(
      '<details><summary>More</summary>\n\nHidden *text*\n\n</details>\n\nH<sub>2</sub>O <kbd>Ctrl</kbd>'
    )
    expect(doc.querySelector('details summary')?.textContent).toBe('More')
    expect(doc.querySelector('sub')?.textContent).toBe('2')
    expect(doc.querySelector('kbd')?.textContent).toBe('Ctrl')
  })
})
