import type { StateCreator } from 'zustand'
import type { ResponseOf } from '../../../shared/contract'
import type { HeldView, OutlineItem, SectionSession } from '../editor'
import type { SectionedClient } from '../ipc/client'
import type { LocksSlice } from './locks'
import { patchRope, patchSavedRope, ropeWhenIdle, withLocks } from './snapshot-rope'
import type { KeptText, NoticeSlice } from './notices'
import { afterSwitch, type HeldAwaySlice } from './held-away'
import { sectionName } from './section-name'

type Snapshot = ResponseOf<'documents:open'>
type SaveAnswer = ResponseOf<'sections:save'>

/**
 * The open document: the services' latest view of it, and what the editor's section session
 * publishes (held sections, outline). The session itself belongs to the editor view; the store
 * only forwards to it.
 */
export interface DocumentSlice {
  current: string | null
  /** The services' latest snapshot (text, sections, locks) of the open document. */
  snapshot: Snapshot | null
  /** Bumped on every open, so the editor is rebuilt even when the same document is opened again. */
  opened: number
  /** The editor's section session, while an editor is mounted. */
  session: SectionSession | null
  attachSession(session: SectionSession | null): void
  /** The sections this window holds or is taking, as the session publishes them. */
  held: HeldView[]
  setHeld(held: HeldView[]): void
  /** The outline of the editor's text (see editor/outline.ts). */
  outline: OutlineItem[]
  /**
   * The outline as of the last time its rows' keys (`outlineKey`) changed: a new array only then.
   * Another writer's save moves every later row's position, and so publishes a new outline, but its
   * rows stay the same ones: the virtualised list keeps its layout (laying out 25,000 rows again
   * was a good part of each remote save's long task in a 5 MB document).
   */
  outlineKeyed: OutlineItem[]
  setOutline(outline: OutlineItem[]): void
  /** The editor's text including unsaved typing (for the preview), null until the writer types. */
  liveText: string | null
  setLiveText(text: string | null): void
  /** The preview is on screen: only then does the editor hand it its text (see EditorPane). */
  previewShown: boolean
  setPreviewShown(shown: boolean): void
  /** Where the writer asked to go (outline click): the editor puts that position at the top. */
  focus: { pos: number; seq: number } | null
  focusAt(pos: number): void
  /** Counts the writer's (and the start's) requests to open a document; a later one wins. */
  openAsked: number
  open(document: string): Promise<void>
  /**
   * Brings the open document up to date and hands it to the session: asks what changed since the
   * version this window has — unless the window has heard of no newer version than the one its
   * editor shows (then there is nothing to read).
   */
  refresh(): Promise<void>
  /**
   * The services announced version `fileSha256` of a document (`document:changed`; null: unknown,
   * after a lost connection). Read at once, or after this window's save is answered.
   */
  changedOnDisk(document: string, fileSha256: string | null): void
  /** This window saved sections `ids`: its copy moves to the version the save made, from the answer. */
  savedHere(document: string, ids: readonly string[], answer: SaveAnswer): void
  /** The document was deleted or moved away on disk. */
  documentRemoved(document: string): void
  /** Puts kept text back (a draft, refused typing, a closed window's journal). */
  reapply(kept: KeptText): Promise<boolean>
  /** Forgets kept text: its draft file and its journal entry. */
  discardKept(kept: KeptText): Promise<void>
}

/** A section's text in a snapshot (its sections carry offsets into its text). */
export function snapshotSectionText(snapshot: Snapshot, sectionId: string): string | null {
  const s = snapshot.sections.find((x) => x.id === sectionId)
  return s ? snapshot.text.slice(s.from, s.to) : null
}

const sameText = (a: string, b: string | null) =>
  b !== null && a.replace(/\r\n?/g, '\n') === b.replace(/\r\n?/g, '\n')

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  return a.length === b.length && a.every((x, i) => same(x, b[i]))
}
const sameHeld = (a: HeldView, b: HeldView) =>
  a.id === b.id &&
  a.heading === b.heading &&
  a.phase === b.phase &&
  a.dirty === b.dirty &&
  a.saving === b.saving
/** The key of the outline row showing `item` (at index `i`): its section's id, or where a new heading is. */
export function outlineKey(item: OutlineItem | undefined, i: number): string {
  return item?.id ?? `new-${item?.from ?? i}`
}
const sameOutlineKey = (a: OutlineItem, b: OutlineItem) => outlineKey(a, 0) === outlineKey(b, 0)
const sameOutlineItem = (a: OutlineItem, b: OutlineItem) =>
  a.id === b.id && a.heading === b.heading && a.level === b.level && a.from === b.from && a.mine === b.mine

/** The document slice: opening, refreshing, and the editor session's published state. */
export function createDocumentSlice(
  client: SectionedClient
): StateCreator<DocumentSlice & LocksSlice & NoticeSlice & HeldAwaySlice, [], [], DocumentSlice> {
  return (set, get) => {
    let focusSeq = 0
    /** The newest version of the open document this window has heard of (null: unknown). */
    let heard: string | null = null
    /**
     * The newest refresh whose answer was applied, by the session's tickets (asked in this order):
     * answers can come back out of order, and an older one must never move the window back.
     */
    let applied: { session: unknown; ticket: number } = { session: null, ticket: 0 }
    const newest = (ticket: number): boolean => {
      const session = get().session
      if (applied.session === session && ticket < applied.ticket) return false
      applied = { session, ticket }
      return true
    }
    const applyFull = (snapshot: Snapshot, ticket: number) => {
      if (!newest(ticket)) return
      heard ??= snapshot.fileSha256
      set({ snapshot, locks: snapshot.locks })
      ropeWhenIdle(snapshot)
      get().session?.applySnapshot(snapshot, ticket)
    }
    /**
     * The document's `documents:open` answer; while one is on its way, that one. The start reopens
     * the document shown last while the writer may already be clicking it: a second request would
     * have the services read, send and the page receive the whole document again (twice 10 MB for
     * a 5 MB document) only for the first answer to be dropped.
     */
    let inFlight: { document: string; answer: ReturnType<typeof readDocument> } | null = null
    const readDocument = (document: string) => client.call('documents:open', { document })
    const reading = (document: string): ReturnType<typeof readDocument> => {
      if (inFlight?.document === document) return inFlight.answer
      const answer = readDocument(document)
      const entry = { document, answer }
      inFlight = entry
      const done = () => {
        if (inFlight === entry) inFlight = null
      }
      void answer.then(done, done)
      return answer
    }
    /** Offers text kept on this machine or in the share that the file does not have. */
    const offerKept = async (document: string, snapshot: Snapshot) => {
      const [journal, drafts] = await Promise.all([
        client.call('journal:list', { document }),
        client.call('drafts:list', { document })
      ])
      if (get().current !== document) return
      for (const e of journal.ok ? journal.value.entries : []) {
        if (sameText(e.text, snapshotSectionText(snapshot, e.sectionId))) {
          void client.call('journal:discard', { document, sectionIds: [e.sectionId] })
          continue
        }
        get().notify({
          key: `journal:${e.sectionId}`,
          kind: 'warning',
          text: `Unsaved text of ${sectionName(snapshot, e.sectionId, e.text)} from a window that closed or lost its connection.`,
          draft: { sectionId: e.sectionId, text: e.text, baseSha256: e.baseSha256, journal: true }
        })
      }
      for (const d of drafts.ok ? drafts.value.drafts : []) {
        if (sameText(d.text, snapshotSectionText(snapshot, d.sectionId))) continue
        get().notify({
          key: `draft:${d.file}`,
          kind: 'warning',
          text: `A draft of ${sectionName(snapshot, d.sectionId, d.text)} by ${d.user} was kept (${d.reason}).`,
          draft: { sectionId: d.sectionId, text: d.text, file: d.file }
        })
      }
    }

    return {
      current: null,
      snapshot: null,
      opened: 0,
      session: null,
      held: [],
      outline: [],
      outlineKeyed: [],
      focus: null,
      liveText: null,
      previewShown: false,
      openAsked: 0,

      attachSession(session) {
        set({ session })
      },
      setHeld(held) {
        // Published after every keystroke: a store change (and the re-render of everything that
        // reads it) only when a held section, its phase or its saved state changed.
        if (!sameList(get().held, held, sameHeld)) set({ held })
      },
      setOutline(outline) {
        const { outline: was, outlineKeyed } = get()
        if (sameList(was, outline, sameOutlineItem)) return
        set({
          outline,
          outlineKeyed: sameList(outlineKeyed, outline, sameOutlineKey) ? outlineKeyed : outline
        })
      },
      setLiveText(text) {
        set({ liveText: text })
      },
      setPreviewShown(previewShown) {
        set({ previewShown })
      },
      focusAt(pos) {
        set({ focus: { pos, seq: ++focusSeq } })
      },

      async open(document) {
        const asked = get().openAsked + 1
        set({ openAsked: asked })
        // The document already open in the editor: read it again, keep the editor and what it holds.
        if (get().current === document && get().session) {
          heard = null // asked by the writer: look, even when no change was announced
          return get().refresh()
        }
        // Leaving a document: save what is held there and keep holding it (issue 14), so the writer
        // comes back to the same sections; unsaved text stays journalled.
        const from = get().current
        let held = (await get().session?.leave()) ?? []
        const r = await reading(document)
        // Another document was asked for meanwhile (a quick second click, the start's reopen): it wins.
        if (get().openAsked !== asked) return
        if (!r.ok) return get().notify({ kind: 'error', text: r.error.message })
        // Typed while the new document was being read: saved too, before this editor goes — and
        // typed during that save, again (a few rounds; what is typed in the last moment is in the
        // journal, written by each leave and by the session's journal timer).
        const session = get().session
        for (let round = 0; round < 3 && session?.hasUnsaved(); round++) {
          held = await session.leave()
          if (get().openAsked !== asked) return
        }
        // Unknown: a change announced while the answer was on its way was not for the open document
        // yet, so the editor's first refresh asks (cheaply: "same" when nothing changed).
        heard = null
        set((s) => ({
          heldAway: afterSwitch(s.heldAway, from, held, document),
          current: document,
          snapshot: r.value,
          locks: r.value.locks,
          opened: s.opened + 1,
          held: [],
          outline: [],
          outlineKeyed: [],
          liveText: null
        }))
        ropeWhenIdle(r.value)
        await offerKept(document, r.value)
      },

      changedOnDisk(document, fileSha256) {
        if (get().current !== document) return
        heard = fileSha256
        // A save of this window is on its way: its answer may be this very version (then nothing
        // is read); the session refreshes once it is answered.
        if (get().session?.working()) return
        void get().refresh()
      },

      savedHere(document, ids, answer) {
        const have = get().snapshot
        if (get().current !== document || !have || have.document !== document) return
        const next = patchSavedRope(have, ids, answer)
        if (next) set({ snapshot: next })
        if (heard === answer.baseFileSha256) heard = answer.fileSha256
      },

      async refresh() {
        const doc = get().current
        if (!doc) return
        const have = get().snapshot
        const session = get().session
        if (have && have.document === doc && heard === have.fileSha256 && session?.shows(heard)) return
        const ticket = session?.ticket() ?? 0
        if (have && have.document === doc) {
          // Only what changed since the version this window has (see patch-snapshot.ts), spliced
          // into the copy's rope (snapshot-rope.ts).
          const r = await client.call('documents:changes', { document: doc, since: have.fileSha256 })
          if (!r.ok || get().current !== doc) return
          const v = r.value
          if (v.kind === 'full') return applyFull(v.snapshot, ticket)
          const now = get().snapshot
          const next =
            now === null
              ? null
              : v.kind === 'same'
                ? now.fileSha256 === v.fileSha256
                  ? withLocks(now, v.locks)
                  : null
                : patchRope(now, v)
          if (next) {
            if (!newest(ticket)) return
            heard ??= next.fileSha256
            set({ snapshot: next, locks: next.locks })
            get().session?.applySections(
              v.kind === 'sections' ? v.changed : [],
              now!.fileSha256,
              next,
              ticket
            )
            return
          }
          // Another answer moved this window's copy meanwhile: the checksums do not chain.
        }
        const r = await client.call('documents:open', { document: doc })
        if (!r.ok || get().current !== doc) return
        applyFull(r.value, ticket)
      },

      documentRemoved(document) {
        if (get().current !== document) return
        const unsaved = get().session?.unsavedEntries() ?? []
        // Named from the document as it was shown (the snapshot goes with it).
        const shown = get().snapshot
        set({ current: null, snapshot: null, locks: [], held: [], outline: [], outlineKeyed: [] })
        get().notify({ kind: 'error', text: `“${document}” was deleted or moved away by someone else.` })
        for (const e of unsaved) {
          if (e.text === null) continue
          get().notify({
            key: `lost:${e.sectionId}`,
            kind: 'warning',
            text: `Your unsaved text of ${sectionName(shown, e.sectionId, e.text)} (also in the local journal).`,
            draft: { sectionId: e.sectionId, text: e.text, journal: true }
          })
        }
      },

      async reapply(kept) {
        const session = get().session
        if (!session) return false
        const ok = await session.reapply(kept.sectionId, kept.text, kept.baseSha256 ?? null)
        if (ok) await get().discardKept({ ...kept, journal: false })
        return ok
      },

      async discardKept(kept) {
        const doc = get().current
        if (!doc) return
        if (kept.file) {
          const r = await client.call('drafts:discard', { document: doc, file: kept.file })
          if (!r.ok) get().notify({ kind: 'error', text: r.error.message })
        }
        if (kept.journal)
          await client.call('journal:discard', { document: doc, sectionIds: [kept.sectionId] })
      }
    }
  }
}
