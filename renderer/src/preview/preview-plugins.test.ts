// @vitest-environment jsdom
/**
 * The preview's markdown plugins through the real sanitisers: footnotes, task lists, definition
 * lists, front matter as a table, math by KaTeX (MathML and spans kept, nothing a writer types
 * gets the math policy), and the `data-line` anchors scroll sync follows.
 */
import { describe, expect, it } from 'vitest'
import { JSDOM } from 'jsdom'
import { createSanitizer, renderPreview } from './render-preview'
import { createMathSanitizer } from './math'
import { frontMatterRows } from './front-matter'

const sanitize = createSanitizer(window)
const sanitizeMath = createMathSanitizer(window)
const render = (md: string) =>
  new JSDOM(`<body>${renderPreview(md, sanitize, sanitizeMath)}</body>`).window.document

describe('preview plugins', () => {
  it('renders footnotes with links both ways', () => {
    const doc = render('Text with a note.[^1]\n\n[^1]: The note.\n')
    const ref = doc.querySelector('sup.footnote-ref a')
    expect(ref?.getAttribute('href')).toBe('#fn1')
    // Ids come prefixed (DOMPurify's SANITIZE_NAMED_PROPS): the preview's link handler looks both up.
    expect(doc.querySelector('section.footnotes li#user-content-fn1')?.textContent).toMatch(/The note\./)
    expect(doc.querySelector('a.footnote-backref')?.getAttribute('href')).toBe('#fnref1')
  })

  it('prefixes a document’s ids and names, so none can shadow a global of the page (DOM clobbering)', () => {
    const doc = render(
      '<a id="sectioned" name="sectioned">x</a>\n\n<img id="location" src="data:image/png;base64,AA==">'
    )
    expect(doc.querySelector('#sectioned')).toBeNull()
    expect(doc.querySelector('#user-content-sectioned')?.getAttribute('name')).toBe('user-content-sectioned')
    expect(doc.querySelector('#location')).toBeNull()
  })

  it('shows task list items as disabled checkboxes, and any other input as one too', () => {
    const doc = render('- [x] done\n- [ ] to do\n\n<input type="text" name="q" value="x" onfocus="pwned=1">')
    const boxes = Array.from(doc.querySelectorAll('input'))
    expect(boxes).toHaveLength(3)
    for (const b of boxes) {
      expect(b.getAttribute('type')).toBe('checkbox')
      expect(b.hasAttribute('disabled')).toBe(true)
      expect(b.hasAttribute('onfocus')).toBe(false)
      expect(b.hasAttribute('name')).toBe(false)
    }
    expect(boxes.map((b) => b.hasAttribute('checked'))).toEqual([true, false, false])
  })

  it('renders definition lists', () => {
    const doc = render('Term\n: Its definition.\n')
    expect(doc.querySelector('dl dt')?.textContent).toBe('Term')
    expect(doc.querySelector('dl dd')?.textContent?.trim()).toBe('Its definition.')
  })

  it('shows front matter as a key/value table, not a rule and bold text', () => {
    const doc = render('---\ntitle: Budget 2027\ntags:\n  - money\n  - plan\n---\n# Budget\n')
    const rows = Array.from(doc.querySelectorAll('table.front-matter tr'))
    expect(rows.map((r) => [r.querySelector('th')?.textContent, r.querySelector('td')?.textContent])).toEqual(
      [
        ['title', 'Budget 2027'],
        ['tags', 'money, plan']
      ]
    )
    expect(doc.querySelector('hr')).toBeNull()
    expect(doc.querySelector('h1')?.getAttribute('data-line')).toBe('6')
    expect(frontMatterRows('<b>x</b>')).toEqual([{ key: null, value: '<b>x</b>' }])
    expect(render('---\n<img src=x onerror=alert(1)>: x\n---\n').querySelector('img')).toBeNull()
  })

  it('renders inline and display math with KaTeX (HTML and MathML)', () => {
    const doc = render('Euler: $e^{i\\pi}+1=0$\n\n$$\n\\sqrt{x^2}\n$$\n')
    expect(doc.querySelectorAll('.katex')).toHaveLength(2)
    expect(doc.querySelector('.katex-display')).not.toBeNull()
    expect(doc.querySelector('.katex math semantics annotation')?.textContent).toBe('e^{i\\pi}+1=0')
    // KaTeX's sizes come through, and its radical's SVG.
    expect(doc.querySelector('.katex-html [style*="height"]')).not.toBeNull()
    expect(doc.querySelector('.katex-display svg path')).not.toBeNull()
  })

  it('gives math no way to run script or load anything (untrusted commands are shown as text)', () => {
    const doc = render(
      '$\\href{javascript:alert(1)}{x}$ $\\url{https://e.com}$ $\\includegraphics{https://e.com/x.png}$ $\\htmlStyle{background:url(x)}{y}$'
    )
    expect(doc.querySelectorAll('.katex')).toHaveLength(4)
    expect(doc.querySelector('a, img, image, use, foreignObject')).toBeNull()
    for (const el of Array.from(doc.querySelectorAll('*')))
      for (const a of Array.from(el.attributes))
        expect(a.value, a.name).not.toMatch(/javascript:|e\.com|url\(/)
  })

  it('never lets a writer forge a math placeholder into unsanitised HTML', () => {
    const html = renderPreview(
      '<span class="math-slot">math-0000000000000000-0</span> $x$ <div class="math-slot"><img src=x onerror=alert(1)></div>',
      sanitize,
      sanitizeMath
    )
    expect(html).not.toMatch(/onerror/)
    expect(html).toContain('math-0000000000000000-0')
  })

  it('marks top-level blocks with their first source line', () => {
    const doc = render('# One\n\nPara\n\n## Two\n\n- a\n- b\n')
    expect(
      Array.from(doc.querySelectorAll('[data-line]')).map((e) => [e.tagName, e.getAttribute('data-line')])
    ).toEqual([
      ['H1', '0'],
      ['P', '2'],
      ['H2', '4'],
      ['UL', '6']
    ])
  })
})
