import { useApp } from '../state/use-app'

/** "You hold 2 sections here: “Budget”, “Plan”" — the tooltip and the screen reader's words. */
export function heldAwayText(headings: readonly string[]): string {
  const list = headings.map((h) => `“${h}”`).join(', ')
  return headings.length === 1
    ? `You hold ${list} here`
    : `You hold ${headings.length} sections here: ${list}`
}

/**
 * The mark on a document not shown in which the writer still holds sections (held-away.ts): a
 * pencil and the count, in the colour of the writer's own lock bars, in the folder tree and the
 * quick switcher (`words`: "✎ you hold 2 sections here" where there is room). Nothing for the document shown (its editor shows what is held) or one held nowhere.
 */
export function HeldAwayMark({ document, words = false }: { document: string; words?: boolean }) {
  const held = useApp((s) => s.heldAway[document])
  if (!held || held.length === 0) return null
  const text = heldAwayText(held.map((s) => s.heading))
  return (
    <span className="held-away" title={text} aria-label={text} data-testid="held-away">
      ✎ {words ? `you hold ${held.length === 1 ? '1 section' : `${held.length} sections`} here` : held.length}
    </span>
  )
}
