import type { StateCreator } from 'zustand'
import type { HeldView } from '../editor'
import type { SectionedClient } from '../ipc/client'
import type { DocumentSlice } from './document'
import type { NoticeSlice } from './notices'

/** A section this window holds in a document it does not show. */
export interface AwaySection {
  id: string
  heading: string
  /** Its last save failed when the writer left: the text is in the local journal only. */
  unsaved: boolean
}

/** Sections held in documents not shown, by document (a document is absent when none is held). */
export type HeldAway = Readonly<Record<string, readonly AwaySection[]>>

/**
 * The writer left `from` (null: nothing was shown) still holding `held`, and `to` is shown now:
 * `to`'s sections are the editor's again (the snapshot says which are this window's).
 */
export function afterSwitch(
  away: HeldAway,
  from: string | null,
  held: readonly HeldView[],
  to: string
): HeldAway {
  const next: Record<string, readonly AwaySection[]> = { ...away }
  delete next[to]
  if (from !== null && from !== to) {
    if (held.length > 0) next[from] = held.map((h) => ({ id: h.id, heading: h.heading, unsaved: h.dirty }))
    else delete next[from]
  }
  return next
}

/** `away` without section `sectionId` of `document` (without the document when it was its last). */
export function withoutSection(away: HeldAway, document: string, sectionId: string): HeldAway {
  const left = (away[document] ?? []).filter((s) => s.id !== sectionId)
  const next: Record<string, readonly AwaySection[]> = { ...away }
  if (left.length > 0) next[document] = left
  else delete next[document]
  return next
}

/** "“Budget” in plan.md", for messages about a document that is not shown. */
function where(s: AwaySection, document: string): string {
  return `“${s.heading}” in ${document}`
}

/**
 * Sections the writer keeps holding in documents they went away from (issue 14: switching
 * documents keeps the held sections). Leaving saved their text, so the file has it; the services
 * still heartbeat them and release them when idle, when the window closes or drops its connection.
 * This slice remembers them for the marks in the folder tree and the quick switcher, tells the
 * writer when one is lost while not shown, releases them on request, and takes them again after a
 * reconnect (as the editor does for the shown document's).
 */
export interface HeldAwaySlice {
  heldAway: HeldAway
  setHeldAway(away: HeldAway): void
  /**
   * The heading of a section held (or held until a moment ago) in a document not shown; null for
   * one this window did not hold. The OS notification of a loss asks after this slice dropped it.
   */
  awayHeading(document: string, sectionId: string): string | null
  /** A lock of a document not shown is gone (`lock:lost`, idle release); false when it was not one of these. */
  awayLost(document: string, sectionId: string, reason: string): boolean
  /** The services will release one of these for idleness soon. */
  awayIdleWarning(document: string, sectionId: string, releaseInMs: number): void
  /** The writer handed one over to a colleague who asked (the services release it with the answer). */
  awayHandedOver(document: string, sectionId: string): void
  /** The document was deleted, or renamed outside the app: what was held there is let go. */
  awayGone(document: string): void
  /** The writer lets go of every section held in `document` (its text was saved on leaving). */
  releaseAway(document: string): Promise<void>
  /** After a reconnect the services see a new window: take these sections again. */
  retakeAway(): Promise<void>
}

/** The held-away slice. */
export function createHeldAwaySlice(
  client: SectionedClient
): StateCreator<HeldAwaySlice & DocumentSlice & NoticeSlice, [], [], HeldAwaySlice> {
  return (set, get) => {
    const find = (document: string, sectionId: string) =>
      get().heldAway[document]?.find((s) => s.id === sectionId)
    /** Sections dropped lately, by document and id: their headings, for `awayHeading`. */
    const dropped = new Map<string, string>()
    const drop = (document: string, sectionId: string) => {
      const s = find(document, sectionId)
      if (s) dropped.set(`${document}#${sectionId}`, s.heading)
      // A few are enough: the notification asks right after the event that dropped one.
      if (dropped.size > 20) dropped.delete(dropped.keys().next().value ?? '')
      set({ heldAway: withoutSection(get().heldAway, document, sectionId) })
    }

    return {
      heldAway: {},

      setHeldAway(heldAway) {
        set({ heldAway })
      },

      awayHeading(document, sectionId) {
        return find(document, sectionId)?.heading ?? dropped.get(`${document}#${sectionId}`) ?? null
      },

      awayLost(document, sectionId, reason) {
        const s = find(document, sectionId)
        if (!s) return false
        drop(document, sectionId)
        get().retract(`idle:${document}#${sectionId}`)
        // A warning, not an info that fades: the writer is not looking at that document.
        get().notify({
          key: `lost:${document}#${sectionId}`,
          kind: s.unsaved ? 'error' : 'warning',
          text: s.unsaved
            ? `You no longer hold ${where(s, document)}: ${reason}. Your unsaved text is in the local journal; open ${document} to get it back.`
            : `You no longer hold ${where(s, document)}: ${reason}. Everything you typed there was saved.`
        })
        return true
      },

      awayIdleWarning(document, sectionId, releaseInMs) {
        const s = find(document, sectionId)
        if (!s) return
        get().notify({
          key: `idle:${document}#${sectionId}`,
          kind: 'warning',
          text: `No edits for a while: ${where(s, document)} (not shown) will be released in ${Math.round(releaseInMs / 1000)} s. Open it and type to keep it.`
        })
      },

      awayHandedOver(document, sectionId) {
        drop(document, sectionId)
      },

      awayGone(document) {
        const held = get().heldAway[document]
        if (!held) return
        const next: Record<string, readonly AwaySection[]> = { ...get().heldAway }
        delete next[document]
        set({ heldAway: next })
        get().notify({
          key: `gone:${document}`,
          kind: 'warning',
          text: `${document}, where you held ${held.length === 1 ? where(held[0], document) : `${held.length} sections`}, was deleted or renamed by someone else; what you typed there had been saved.`
        })
        // Locks on a name that is gone protect nothing; idle release would clear them much later.
        for (const s of held) void client.call('locks:release', { document, sectionId: s.id })
      },

      async releaseAway(document) {
        const held = get().heldAway[document] ?? []
        if (held.some((s) => s.unsaved)) {
          // Releasing would let a colleague change the section under text that is in no save.
          get().notify({
            key: `release-away:${document}`,
            kind: 'error',
            text: `Some of your text in ${document} could not be saved, so nothing was released. Open it to save it first.`
          })
          return
        }
        const failed: string[] = []
        for (const s of held) {
          const r = await client.call('locks:release', { document, sectionId: s.id })
          if (r.ok) drop(document, s.id)
          else failed.push(`${where(s, document)}: ${r.error.message}`)
        }
        if (failed.length > 0) get().notify({ kind: 'error', text: failed.join(' ') })
        else if (held.length > 0)
          get().notify({
            kind: 'info',
            text: `Released ${held.length === 1 ? where(held[0], document) : `${held.length} sections in ${document}`}.`
          })
      },

      async retakeAway() {
        for (const [document, held] of Object.entries(get().heldAway)) {
          for (const s of held) {
            const r = await client.call('locks:acquire', { document, sectionId: s.id })
            if (!r.ok) get().awayLost(document, s.id, r.error.message.replace(/\.$/, ''))
          }
        }
      }
    }
  }
}
