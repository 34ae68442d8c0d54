import { useMemo } from 'react'
import type { PresenceView } from '../../../shared/contract'
import { userColour } from '../editor/lock-decorations'
import { useApp } from '../state/use-app'

/** One or two letters for a writer's chip: the initials of their name's first two words. */
export function initialsOf(user: string): string {
  const words = user
    .trim()
    .split(/[\s._@-]+/u)
    .filter(Boolean)
  const letters =
    words.length > 1 ? [words[0], words[1]].map((w) => [...w][0]) : [...(words[0] ?? '?')].slice(0, 2)
  return letters.join('').toUpperCase()
}

/** Where someone is in a document, in words: the heading their cursor is in (never an id). */
export function placeText(heading: string | null | undefined): string {
  if (heading === null || heading === undefined) return 'has it open'
  return heading.trim() === '' ? 'in the text before the first heading' : `in “${heading.trim()}”`
}

/**
 * The other writers who have `document` open (presence): a small chip with their initials in their
 * colour (the colour of their lock badges); its tooltip names them, their computer and the heading
 * their cursor is in. `header` chips also show the name and that heading.
 */
export function PresenceChips({ document, where }: { document: string; where: 'tree' | 'header' }) {
  // The list itself is selected (a stable reference until it changes); the places are picked from it
  // here, since a selector that built new objects would make every render look like a change.
  const others = useApp((s) => s.others)
  const here = useMemo(
    () =>
      others.flatMap((o: PresenceView) =>
        o.documents.filter((d) => d.document === document).map((d) => ({ who: o, place: d }))
      ),
    [others, document]
  )
  if (here.length === 0) return null
  return (
    <span className={`presence presence-${where}`} data-testid={`presence-${where}`}>
      {here.map(({ who, place }) => {
        const colour = userColour(who.ownerId)
        const tip = `${who.user} on ${who.host} ${placeText(place.heading)}`
        return (
          <span
            key={`${who.instanceId}:${place.sectionId ?? ''}`}
            className="presence-chip"
            data-testid="presence-chip"
            data-user={who.user}
            data-section={place.sectionId ?? ''}
            title={tip}
            aria-label={tip}
            style={{ borderColor: colour }}
          >
            <span className="presence-initials" style={{ background: colour }}>
              {initialsOf(who.user)}
            </span>
            {where === 'header' && (
              <span className="presence-name">
                {who.user}
                {place.heading ? <span className="muted"> · {place.heading}</span> : null}
              </span>
            )}
          </span>
        )
      })}
    </span>
  )
}
