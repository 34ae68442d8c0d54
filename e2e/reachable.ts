/**
 * Whether a writer can reach every button on the screen: each visible button, once the scroll
 * containers a writer can scroll (overflow auto or scroll) are scrolled to it, lies inside every
 * ancestor that clips (overflow hidden, clip, auto or scroll) and inside the viewport, and is the
 * element under its own centre (not covered by a notice, a panel or a backdrop). Containers that
 * only a script can scroll (overflow hidden) are never scrolled: a button cut off by one is out
 * of reach, whatever `scrollIntoView` would do.
 */
import type { Locator, Page } from '@playwright/test'

/** A button out of reach and why. */
export interface Unreachable {
  button: string
  why: string
}

/**
 * The visible buttons inside `scope` (the whole page by default) that a writer cannot reach. A
 * button is visible when it has a box and `checkVisibility` says so (display: none ones, such as
 * section actions not hovered, and the content of a closed <details> are not on the screen).
 */
export async function unreachableButtons(page: Page, scope?: Locator): Promise<Unreachable[]> {
  const root = scope ?? page.locator('body')
  return root.evaluate((el) => {
    const out: { button: string; why: string }[] = []
    const scrollable = (v: string) => v === 'auto' || v === 'scroll'
    const clips = (v: string) => v !== 'visible'
    const label = (b: HTMLElement) =>
      `${b.dataset.testid ? `[${b.dataset.testid}] ` : ''}${(b.getAttribute('aria-label') ?? b.textContent ?? '').trim().slice(0, 40)}`
    const inside = (r: DOMRect, c: { left: number; top: number; right: number; bottom: number }) =>
      r.left >= c.left - 0.5 && r.top >= c.top - 0.5 && r.right <= c.right + 0.5 && r.bottom <= c.bottom + 0.5
    /** The part of an element its content shows through (inside the borders, without scroll bars). */
    const clientBox = (a: Element) => {
      const r = a.getBoundingClientRect()
      const left = r.left + a.clientLeft
      const top = r.top + a.clientTop
      return { left, top, right: left + a.clientWidth, bottom: top + a.clientHeight }
    }
    const buttons = [...el.querySelectorAll<HTMLElement>('button')]
    for (const b of buttons) {
      const first = b.getBoundingClientRect()
      if (first.width === 0 && first.height === 0) continue
      // Hidden, or inside a closed <details> (whose content Chromium keeps laid out but not shown).
      if (!b.checkVisibility({ visibilityProperty: true })) continue
      const ancestors: Element[] = []
      for (let a = b.parentElement; a && a !== document.documentElement; a = a.parentElement)
        ancestors.push(a)
      // Scroll what a writer can scroll, nearest first, so the button shows in it: at the nearest
      // edge first, then (when something sticky, such as a dialog's footer, covers it there) centred.
      const scrollTo = (centre: boolean) => {
        for (const a of ancestors) {
          const s = getComputedStyle(a)
          const box = clientBox(a)
          const r = b.getBoundingClientRect()
          if (scrollable(s.overflowY)) {
            if (centre) a.scrollTop += (r.top + r.bottom) / 2 - (box.top + box.bottom) / 2
            else if (r.bottom > box.bottom) a.scrollTop += r.bottom - box.bottom
            else if (r.top < box.top) a.scrollTop -= box.top - r.top
          }
          if (scrollable(s.overflowX)) {
            if (centre) a.scrollLeft += (r.left + r.right) / 2 - (box.left + box.right) / 2
            else if (r.right > box.right) a.scrollLeft += r.right - box.right
            else if (r.left < box.left) a.scrollLeft -= box.left - r.left
          }
        }
      }
      const covered = () => {
        const r = b.getBoundingClientRect()
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
        return hit && hit !== b && !b.contains(hit) ? hit : null
      }
      scrollTo(false)
      if (covered()) scrollTo(true)
      const r = b.getBoundingClientRect()
      const cut = ancestors.find((a) => {
        const s = getComputedStyle(a)
        return (clips(s.overflowX) || clips(s.overflowY)) && !inside(r, clientBox(a))
      })
      if (cut) {
        out.push({ button: label(b), why: `cut off by ${cut.tagName.toLowerCase()}.${cut.className}` })
        continue
      }
      if (!inside(r, { left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight })) {
        const box = `${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)}`
        out.push({ button: label(b), why: `outside the viewport (${box})` })
        continue
      }
      const hit = covered()
      if (hit) {
        out.push({
          button: label(b),
          why: `covered by ${hit.tagName.toLowerCase()}.${typeof hit.className === 'string' ? hit.className : ''}`
        })
      }
    }
    return out
  })
}
