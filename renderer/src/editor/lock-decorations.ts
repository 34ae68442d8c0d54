/**
 * What the writer sees of the locks: every line of a section held by someone else carries the
 * holder's colour and its heading line a badge with the holder's name; sections this window holds
 * get a mark of their own. Free sections stay plain, so the locks stand out.
 */
import { Decoration, EditorView, ViewPlugin, WidgetType } from '@codemirror/view'
import type { DecorationSet, ViewUpdate } from '@codemirror/view'
import type { EditorState, Extension, Range } from '@codemirror/state'
import { sectionIndexAt, sectionLockField, sectionLocks } from './lock-state'
import { isDirty } from './session-runs'
import type { SectionHolder, SectionLock } from './lock-state'

/**
 * A stable colour for a writer (hash of the owner id or name → hue). Its lightness is tuned per hue
 * to a relative luminance of 0.18, which gives at least 4.5:1 contrast against both white and
 * black, so the colour reads on light and dark themes and white text on it stays legible.
 */
export function userColour(ownerIdOrName: string): string {
  // FNV-1a: cheap, well spread for short strings, identical in every window and on every host.
  let hash = 0x811c9dc5
  for (let i = 0; i < ownerIdOrName.length; i++) {
    hash ^= ownerIdOrName.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  const hue = (hash >>> 0) % 360
  let lo = 0
  let hi = 1
  for (let step = 0; step < 20; step++) {
    const mid = (lo + hi) / 2
    if (luminance(hslToRgb(hue, 0.65, mid)) < 0.18) lo = mid
    else hi = mid
  }
  return (
    '#' +
    hslToRgb(hue, 0.65, (lo + hi) / 2)
      .map((c) => c.toString(16).padStart(2, '0'))
      .join('')
  )
}

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const a = s * Math.min(l, 1 - l)
  const f = (n: number) => {
    const k = (n + h / 30) % 12
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))))
  }
  return [f(0), f(8), f(4)]
}

/** WCAG relative luminance of an sRGB colour given as 0–255 channels. */
export function luminance([r, g, b]: readonly number[]): number {
  const lin = (c: number) => {
    const v = c / 255
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/** The badge at the end of a locked section's heading line. */
class HolderBadge extends WidgetType {
  constructor(readonly holder: SectionHolder) {
    super()
  }

  eq(other: HolderBadge): boolean {
    const a = this.holder
    const b = other.holder
    return (
      a.user === b.user &&
      a.host === b.host &&
      a.since === b.since &&
      a.sinceText === b.sinceText &&
      a.stale === b.stale &&
      a.colour === b.colour
    )
  }

  toDOM(): HTMLElement {
    const { user, host, since, sinceText, colour } = this.holder
    const badge = document.createElement('span')
    badge.className = 'cm-section-holder'
    badge.style.setProperty('--cm-section-colour', colour)
    badge.textContent = `${user} · ${host} · since ${sinceText ?? since}`
    badge.title = `Being edited by ${user} on ${host} since ${sinceText ?? since}${this.holder.stale ? ' (not answering)' : ''}`
    return badge
  }
}

/**
 * The mark at the end of a held section's heading line: unsaved (typed since the last save) or
 * saved. Saving in progress shows in the editing bar; the editor's state does not know about it.
 */
class SavedMark extends WidgetType {
  constructor(readonly dirty: boolean) {
    super()
  }

  eq(other: SavedMark): boolean {
    return this.dirty === other.dirty
  }

  toDOM(): HTMLElement {
    const mark = document.createElement('span')
    mark.className = `cm-section-saved ${this.dirty ? 'cm-section-unsaved' : ''}`
    mark.dataset.saved = this.dirty ? 'unsaved' : 'saved'
    // The words come from CSS (::after), so the line's text stays the document's text for whatever
    // reads it (the line's textContent, find in page); assistive technology gets the label.
    mark.setAttribute('role', 'img')
    mark.setAttribute('aria-label', this.dirty ? 'unsaved' : 'saved')
    mark.title = this.dirty
      ? 'You changed this section since it was last saved; it is saved a moment after you stop typing.'
      : 'Everything you typed in this section is saved.'
    return mark
  }
}

const lineMark = (kind: 'locked' | 'mine', s: SectionLock) =>
  Decoration.line({
    class: `cm-section-${kind}`,
    attributes: {
      'data-section': s.id,
      ...(s.holder ? { style: `--cm-section-colour: ${s.holder.colour}` } : {})
    }
  })

/**
 * Decorations for the locks of `state`, limited to `ranges` (the visible part of the document) so a
 * long document costs only what is on screen. Pure, for tests without a view.
 */
export function buildLockDecorations(
  state: EditorState,
  ranges: readonly { from: number; to: number }[] = [{ from: 0, to: state.doc.length }]
): DecorationSet {
  const doc = state.doc
  const out: Range<Decoration>[] = []
  const locks = sectionLocks(state)
  if (ranges.length === 0) return Decoration.none
  // Only the sections that reach into the ranges (their heading line included): a loop over every
  // section was a good part of each update in a 25,000-section document.
  const lo = ranges[0].from
  const hi = ranges[ranges.length - 1].to
  let first = Math.max(0, sectionIndexAt(locks, doc.lineAt(lo).from))
  // Back over the ones whose heading line reaches in, and those ending at the end of the document
  // (their last line is the document's last, even with empty sections after them).
  while (first > 0 && (doc.lineAt(locks[first - 1].from).to >= lo || locks[first - 1].to === doc.length))
    first--
  for (let i = first; i < locks.length && doc.lineAt(locks[i].from).from <= hi; i++) {
    const s = locks[i]
    const kind = s.editable ? 'mine' : s.holder ? 'locked' : null
    if (!kind || s.from >= s.to) continue
    const mark = lineMark(kind, s)
    // `to` is the next section's first position, so the last line is the one holding `to - 1`;
    // at the end of the document the (possibly empty) final line belongs to the last section.
    const end = s.to === doc.length ? s.to : s.to - 1
    let done = 0
    for (const r of ranges) {
      const lo = Math.max(s.from, r.from)
      const hi = Math.min(end, r.to)
      if (lo > hi) continue
      for (let n = Math.max(doc.lineAt(lo).number, done + 1); n <= doc.lineAt(hi).number; n++) {
        out.push(mark.range(doc.line(n).from))
        done = n
      }
    }
    if (kind === 'mine') {
      const first = doc.lineAt(s.from)
      if (ranges.some((r) => r.from <= first.to && r.to >= first.from))
        out.push(Decoration.widget({ widget: new SavedMark(isDirty(state, s)), side: 1 }).range(first.to))
    }
    if (kind === 'locked' && s.holder) {
      const heading = doc.lineAt(s.from)
      if (ranges.some((r) => r.from <= heading.to && r.to >= heading.from))
        out.push(Decoration.widget({ widget: new HolderBadge(s.holder), side: 1 }).range(heading.to))
    }
  }
  return Decoration.set(out, true)
}

class LockDecorationsView {
  decorations: DecorationSet

  constructor(view: EditorView) {
    this.decorations = buildLockDecorations(view.state, view.visibleRanges)
  }

  update(u: ViewUpdate): void {
    const locksChanged =
      u.startState.field(sectionLockField, false) !== u.state.field(sectionLockField, false)
    if (u.docChanged || u.viewportChanged || locksChanged)
      this.decorations = buildLockDecorations(u.state, u.view.visibleRanges)
  }
}

const theme = EditorView.baseTheme({
  // Inset shadows instead of borders: the text does not shift when a lock comes or goes.
  '.cm-section-locked': {
    boxShadow: 'inset 3px 0 0 var(--cm-section-colour, #777)',
    backgroundColor: 'color-mix(in srgb, var(--cm-section-colour, #777) 9%, transparent)'
  },
  '.cm-section-mine': { boxShadow: 'inset 3px 0 0 var(--cm-section-colour, #2a7d4f)' },
  '.cm-section-saved': {
    marginLeft: '0.75em',
    fontSize: '0.7rem',
    fontWeight: '400',
    fontStyle: 'normal',
    color: 'var(--mine, #1f9d61)',
    userSelect: 'none',
    verticalAlign: 'middle'
  },
  '.cm-section-saved::after': { content: '"✓ saved"' },
  '.cm-section-unsaved': { color: 'var(--warn, #b7791f)' },
  '.cm-section-unsaved::after': { content: '"● unsaved"' },
  '.cm-section-holder': {
    marginLeft: '0.75em',
    padding: '0 0.4em',
    borderRadius: '3px',
    // In rem, not em: on a heading line the badge would grow with the heading.
    fontSize: '0.75rem',
    fontWeight: '400',
    fontStyle: 'normal',
    verticalAlign: 'middle',
    color: '#fff',
    backgroundColor: 'var(--cm-section-colour, #777)',
    userSelect: 'none'
  }
})

/** The lock decorations: colour bars, holder badges and their base theme. */
export const lockDecorations: Extension = [
  ViewPlugin.fromClass(LockDecorationsView, { decorations: (v) => v.decorations }),
  theme
]
