import type { ResponseOf } from '../../../shared/contract'

type Snapshot = ResponseOf<'documents:open'>

/**
 * A section as a writer names it: its heading in quotes, never its id (ids mean nothing to people).
 * A section the document no longer has is named by the heading line its kept `text` starts with.
 */
export function sectionName(snapshot: Snapshot | null, sectionId: string, text?: string | null): string {
  if (sectionId === 'preamble') return 'the text before the first heading'
  const s = snapshot?.sections.find((x) => x.id === sectionId)
  if (s) return s.heading ? `“${s.heading}”` : 'an untitled section'
  const kept = /^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/m.exec(text?.split('\n', 1)[0] ?? '')?.[1]
  return kept ? `“${kept}” (no longer in the document)` : 'a section no longer in the document'
}
