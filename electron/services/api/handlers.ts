import type { Channel, LockView, ResponseOf, ValidRequestOf } from '../../../shared/contract'
import { LockAcquisitionError, ValidationError } from '../../../shared/errors'
import type { SectionInfo, VersionRecord } from '../../../shared/types'
import { textSections, type TextSection } from '../../../shared/section-ranges'
import type { AppServices } from '../app-services'
import type { SaveResult } from '../documents/document-service'
import type { LockHandle } from '../locks/lock-service'
import type { StructureResult } from '../documents/structure-ops'
import type { EditRequest } from '../requests/edit-requests'
import { inspectLocks } from '../locks/lock-admin'
import type { CallContext } from './dispatcher-types'
import type { ClientLocks } from './client-locks'
import { changedSections, VersionMemory } from './document-changes'
import { searchWorkspace } from '../search/search-query'
import { createAssetHandlers } from './asset-handlers'
import { createFileHandlers } from './file-handlers'
import { createPresenceHandlers } from './presence-handlers'
import { createSettingsHandlers, type SettingsChange } from './settings-handlers'

/** One handler per contract channel, typed from the contract. */
export type Handlers = {
  [C in Channel]: (req: ValidRequestOf<C>, ctx: CallContext) => Promise<ResponseOf<C>>
}

/** The lock views of a document as the calling window sees them (its own, its siblings', others'). */
export async function lockViews(
  s: AppServices,
  locks: ClientLocks,
  document: string,
  clientId: string
): Promise<LockView[]> {
  const views = await inspectLocks(s.locks, s.workspace, document)
  const out: LockView[] = []
  for (const v of views) {
    if (v.kind === 'write' || !v.record) continue
    const r = v.record
    const ours = r.holder.instanceId === s.identity.instanceId
    const owner = ours ? locks.get(r.document, r.sectionId) : undefined
    out.push({
      kind: v.kind,
      document: r.document,
      sectionId: r.sectionId,
      holder: {
        ownerId: r.holder.ownerId,
        user: r.holder.user,
        host: r.holder.host,
        instanceId: r.holder.instanceId,
        since: r.acquiredAt
      },
      lastHeartbeat: r.lastHeartbeat,
      mine: ours && owner?.clientId === clientId,
      mineElsewhere: ours && owner !== undefined && owner.clientId !== clientId,
      stale: v.stale
    })
  }
  return out
}

/** Lock views as one window sees them ("mine", "mine in another window"), from the instance-neutral ones. */
export function viewsForClient(
  s: AppServices,
  locks: ClientLocks,
  views: readonly LockView[],
  clientId: string
): LockView[] {
  return views.map((v) => {
    if (v.holder.instanceId !== s.identity.instanceId) return v
    const owner = locks.get(v.document, v.sectionId)
    return {
      ...v,
      mine: owner?.clientId === clientId,
      mineElsewhere: owner !== undefined && owner.clientId !== clientId
    }
  })
}

/** A section as the contract carries it (the index's extra fields stay on the main side). */
function toSection({ id, level, heading, startLine, endLine, start, end, sha256 }: SectionInfo): SectionInfo {
  return { id, level, heading, startLine, endLine, start, end, sha256 }
}

function toSaveResponse(r: SaveResult): ResponseOf<'sections:save'> {
  return {
    document: r.document,
    section: toSection(r.section),
    run: r.run.map(toSection),
    retired: r.retired,
    fileSha256: r.fileSha256,
    baseFileSha256: r.baseFileSha256,
    runText: r.runText,
    version: r.version?.version ?? null,
    changed: r.changed
  }
}

function toVersion(v: VersionRecord): ResponseOf<'history:list'>['versions'][number] {
  const { version, heading, content, sha256, author, timestamp, reason, pinned, beforeStructure } = v
  return { version, heading, content, sha256, author, timestamp, reason, pinned, beforeStructure }
}

function toStructureResponse(r: StructureResult): ResponseOf<'sections:delete'> {
  return {
    document: r.document,
    sections: r.sections.map(toSection),
    fileSha256: r.fileSha256,
    backup: r.backup
  }
}

/** An edit request as the holder's window shows it. */
export function requestView(r: EditRequest): ResponseOf<'requests:pending'>['requests'][number] {
  const { id, document, sectionId, heading, at } = r
  return { id, document, sectionId, heading, from: { user: r.from.user, host: r.from.host }, at }
}

/** What the handlers tell the dispatcher about. */
export interface HandlerHooks {
  /** The host's settings file (null: this host keeps no settings). */
  settingsFile: string | null
  /** This instance changed the locks of a document. */
  changed(document: string): void
  /** A window opened a document (watch it for other instances' changes). */
  opened(document: string, fileSha256: string): void
  /** This instance wrote the document with this checksum (not an external change). */
  saved(document: string, fileSha256: string): void
  /** A window answered `app:flush` (Electron waits for it before closing the window). */
  flushed(clientId: string): void
  /** This instance removed (trashed, or renamed away) a document. */
  removed(document: string): void
  /** This instance renamed or moved a document. */
  renamed(from: string, to: string): void
  /** Shows an OS notification for a window (Electron); false where the host shows none. */
  notify(notice: ValidRequestOf<'app:notify'>, clientId: string): boolean
  /** A window stored settings (Electron applies the spell checker's language); optional. */
  settingsChanged?(changes: SettingsChange): void
  /** The window printed to PDF (Electron); null where the host makes none. */
  printToPdf(clientId: string): Promise<Uint8Array | null>
}

/**
 * The contract's handlers over the services. `changed` is called after this instance changed the
 * locks of a document, so every window hears about it without waiting for the watcher.
 */
export function createHandlers(s: AppServices, locks: ClientLocks, hooks: HandlerHooks): Handlers {
  const changed = hooks.changed
  /** Versions answered to windows, for `documents:changes`. */
  const versions = new VersionMemory()
  /**
   * The snapshot's sections (offsets into the text, in UTF-16 code units) of an index's sections:
   * one walk over the text, kept while the index is (an unchanged file keeps its index object), so
   * opening a document again costs no walk here nor in the window.
   */
  const inText = new WeakMap<readonly SectionInfo[], TextSection[]>()
  const textSectionsOf = (text: string, sections: readonly SectionInfo[]): TextSection[] => {
    let found = inText.get(sections)
    if (!found) inText.set(sections, (found = textSections(text, sections)))
    return found
  }
  /**
   * Reads a document as a window sees it and remembers the version it answers with; `since`: a
   * version the window names, looked up before this one is remembered (which may push it out).
   * `snapshot()` builds the answer of `documents:open` (only what answers with the whole text asks).
   */
  const readForWindow = async (document: string, clientId: string, since?: string) => {
    const snap = await s.documents.read(document)
    hooks.opened(snap.document, snap.fileSha256)
    const before = since === undefined ? undefined : versions.get(snap.document, since)
    versions.remember(snap.document, snap.fileSha256, snap.sections)
    const locksNow = await lockViews(s, locks, snap.document, clientId)
    const snapshot = (): ResponseOf<'documents:open'> => ({
      document: snap.document,
      fileSha256: snap.fileSha256,
      text: snap.text,
      sections: textSectionsOf(snap.text, snap.sections),
      locks: locksNow,
      readOnly: snap.readOnly
    })
    return { snap, locks: locksNow, snapshot, before }
  }
  /** The lock the calling window holds, or a clear refusal. */
  const heldBy = (document: string, sectionId: string | null, ctx: CallContext) => {
    const doc = s.workspace.resolveDocument(document).rel
    const held = locks.get(doc, sectionId)
    if (!held)
      throw new ValidationError('Take the lock on this section before saving it (start typing in it).')
    if (held.clientId !== ctx.clientId) {
      throw new LockAcquisitionError(
        'This section',
        {
          user: `${s.identity.user} (in another window)`,
          host: s.identity.host,
          since: held.handle.acquiredAt
        },
        s.clock.wallNow()
      )
    }
    return held.handle
  }

  /**
   * After a save: locks taken for new sections belong to the calling window, those of retired
   * sections are gone (the save released them); every window hears about either.
   */
  const savedBy = (r: SaveResult, ctx: CallContext): void => {
    for (const handle of r.acquired) locks.set({ handle, clientId: ctx.clientId })
    for (const id of r.retired) {
      const held = locks.get(r.document, id)
      if (held) locks.forget(held.handle)
    }
    if (r.acquired.length > 0 || r.retired.length > 0) changed(r.document)
    // The saving window's copy moves to this version from the answer, without a read: remembered
    // here, so its next `documents:changes` gets the changed sections, not the whole document.
    versions.remember(r.document, r.fileSha256, r.sections.map(toSection))
    hooks.saved(r.document, r.fileSha256)
  }

  /** Releases a lock the calling window holds and tells every window. False if it had been lost. */
  const releaseHeld = async (handle: LockHandle, reason?: string): Promise<boolean> => {
    locks.forget(handle)
    const released = await s.locks.release(handle, reason)
    changed(handle.document)
    return released
  }

  /** The journal of this host, or a clear refusal (the CLI keeps none). */
  const journal = () => {
    if (!s.journal) throw new ValidationError('This host keeps no journal.')
    return s.journal
  }

  return {
    'workspace:info': async () => ({
      root: s.workspace.root,
      user: s.identity.user,
      host: s.identity.host,
      instanceId: s.identity.instanceId,
      heartbeatIntervalMs: s.locks.settings.heartbeatIntervalMs,
      idleTimeoutMs: s.locks.settings.idleTimeoutMs
    }),
    'workspace:status': async () => {
      const health = s.locks.health
      const save = s.metrics.snapshot().operations.save
      return {
        watch: s.watcher?.mode ?? null,
        heartbeat: {
          intervalMs: s.locks.settings.heartbeatIntervalMs,
          lastOkAgoMs: health.lastOkAt === null ? null : s.clock.monotonicNow() - health.lastOkAt,
          consecutiveFailures: health.consecutiveFailures
        },
        locksHeld: s.locks.heldLocks().filter((l) => l.kind !== 'write').length,
        saveMedianMs: save?.latencyMs.p50 ?? null,
        saves: save?.count ?? 0
      }
    },
    'documents:list': () => s.documents.listTree(),
    'documents:open': async (req, ctx) => (await readForWindow(req.document, ctx.clientId)).snapshot(),
    'documents:changes': async (req, ctx) => {
      const {
        snap,
        locks: views,
        snapshot,
        before
      } = await readForWindow(req.document, ctx.clientId, req.since)
      const { fileSha256 } = snap
      if (req.since === fileSha256) return { kind: 'same', fileSha256, locks: views }
      const changed =
        before && snap.readOnly === null ? changedSections(before, snap.sections, snap.text) : null
      if (changed) return { kind: 'sections', since: req.since, fileSha256, changed, locks: views }
      return { kind: 'full', snapshot: snapshot() }
    },
    'locks:list': async (req, ctx) => ({
      locks: await lockViews(s, locks, s.workspace.resolveDocument(req.document).rel, ctx.clientId)
    }),
    'locks:acquire': async (req, ctx) => {
      const doc = s.workspace.resolveDocument(req.document).rel
      const existing = locks.get(doc, req.sectionId)
      if (existing && existing.clientId !== ctx.clientId) {
        const what = req.sectionId === null ? `“${doc}”` : 'This section'
        throw new LockAcquisitionError(
          what,
          {
            user: `${s.identity.user} (in another window)`,
            host: s.identity.host,
            since: existing.handle.acquiredAt
          },
          s.clock.wallNow()
        )
      }
      // Not UTF-8, or a second name on disk: nobody edits it, so no lock is taken for editing (refused
      // before any is written). One read of the file gives that and the section's heading.
      const { readOnly, section } = await s.documents.forLock(doc, req.sectionId)
      if (readOnly) throw new ValidationError(readOnly)
      let handle
      if (req.sectionId === null || !section) {
        // (forLock found the section or threw NotFound: only a document lock comes here.)
        handle = await s.locks.acquireDocument(doc, { retries: req.retries })
      } else {
        handle = await s.locks.acquireSection(doc, req.sectionId, {
          label: `“${section.heading || 'Preamble'}”`,
          retries: req.retries
        })
      }
      locks.set({ handle, clientId: ctx.clientId })
      changed(doc)
      // The view of the lock just taken, from its handle: no second scan of the document's locks
      // (the event above scans them once for every window).
      const { ownerId, user, host, instanceId } = s.identity
      return {
        kind: req.sectionId === null ? ('document' as const) : ('section' as const),
        document: handle.document,
        sectionId: handle.sectionId,
        holder: { ownerId, user, host, instanceId, since: handle.acquiredAt },
        lastHeartbeat: handle.acquiredAt,
        mine: true,
        mineElsewhere: false,
        stale: false
      }
    },
    'locks:release': async (req, ctx) => ({
      released: await releaseHeld(heldBy(req.document, req.sectionId, ctx))
    }),
    'locks:touch': async (req, ctx) => {
      s.locks.touch(heldBy(req.document, req.sectionId, ctx))
      return { ok: true as const }
    },
    'sections:save': async (req, ctx) => {
      const lock = heldBy(req.document, req.sectionId, ctx)
      const following = (req.following ?? []).map((p) => ({
        lock: heldBy(req.document, p.sectionId, ctx),
        baseSha256: p.baseSha256
      }))
      const r = following.length
        ? await s.documents.saveRun([{ lock, baseSha256: req.baseSha256 }, ...following], req.text)
        : await s.documents.saveSection(lock, req.baseSha256, req.text)
      savedBy(r, ctx)
      return toSaveResponse(r)
    },
    'sections:delete': async (req, ctx) => {
      const r = await s.structure.deleteSection(heldBy(req.document, null, ctx), req.sectionId)
      hooks.saved(r.document, r.fileSha256)
      return toStructureResponse(r)
    },
    'sections:move': async (req, ctx) => {
      const r = await s.structure.moveSection(heldBy(req.document, null, ctx), req.sectionId, req.beforeId)
      hooks.saved(r.document, r.fileSha256)
      return toStructureResponse(r)
    },
    'requests:send': async (req) => {
      const doc = s.workspace.resolveDocument(req.document).rel
      const { section } = await s.documents.section(doc, req.sectionId)
      const held = (await lockViews(s, locks, doc, '')).find(
        (v) => v.kind === 'document' || v.sectionId === req.sectionId
      )
      const heading = section.heading || 'Preamble'
      if (!held) throw new ValidationError(`“${heading}” is free: start typing in it to take it.`)
      const { user, host, instanceId } = held.holder
      const sent = await s.requests.send(doc, req.sectionId, heading, { user, host, instanceId })
      return { id: sent.id }
    },
    'requests:pending': async () => ({ requests: (await s.requests.pendingForMe()).map(requestView) }),
    'requests:answer': async (req, ctx) => {
      const r = await s.requests.read(req.id)
      if (r && req.answer === 'released') {
        // The section goes first, so the requester finds it free when the answer arrives.
        const held = locks.get(r.document, r.sectionId) ?? locks.get(r.document, null)
        if (held)
          await releaseHeld(
            heldBy(held.handle.document, held.handle.sectionId, ctx),
            `released for ${r.from.user}`
          )
      }
      await s.requests.answer(req.id, req.answer)
      return { ok: true as const }
    },
    ...createSettingsHandlers(s, hooks.settingsFile, (c) => hooks.settingsChanged?.(c)),
    'history:list': async (req) => ({
      versions: (await s.history.list(s.workspace.resolveDocument(req.document).rel, req.sectionId)).map(
        toVersion
      )
    }),
    'history:deleted': async (req) => {
      const rel = s.workspace.resolveDocument(req.document).rel
      const [withHistory, doc] = await Promise.all([s.history.listSections(rel), s.documents.read(rel)])
      const present = new Set(doc.sections.map((x) => x.id))
      const sections: ResponseOf<'history:deleted'>['sections'] = []
      for (const sectionId of withHistory) {
        if (present.has(sectionId)) continue
        // A folder whose versions all fail their checksums is no section to offer (verify says why).
        const last = await s.history.latestValid(rel, sectionId).catch(() => null)
        if (!last) continue
        sections.push({
          sectionId,
          versions: (await s.history.versions(rel, sectionId)).length,
          last: toVersion(last)
        })
      }
      // Newest loss first: the section deleted last is the one most likely looked for.
      return { sections: sections.sort((a, b) => b.last.timestamp.localeCompare(a.last.timestamp)) }
    },
    'history:restore': async (req, ctx) => {
      const r = await s.documents.restoreVersion(
        heldBy(req.document, req.sectionId, ctx),
        req.version,
        req.baseSha256
      )
      savedBy(r, ctx) // a version holds one section: its run is [section], nothing retired or acquired
      return toSaveResponse(r)
    },
    'drafts:list': async (req) => {
      const drafts = await s.documents.drafts.list(s.workspace.resolveDocument(req.document).rel)
      return {
        drafts: drafts.map((d) => ({
          file: d.file.split(/[\\/]/).pop() ?? d.file,
          sectionId: d.sectionId,
          user: d.user,
          savedAt: d.savedAt,
          reason: d.reason,
          text: d.text
        }))
      }
    },
    'drafts:discard': async (req) => {
      await s.documents.drafts.discard(s.workspace.resolveDocument(req.document).rel, req.file)
      return { ok: true as const }
    },
    'journal:write': async (req) => {
      await journal().write(s.workspace.resolveDocument(req.document).rel, req.entries)
      return { ok: true as const }
    },
    'journal:list': async (req) => ({
      entries: await journal().list(s.workspace.resolveDocument(req.document).rel)
    }),
    'journal:discard': async (req) => {
      await journal().discard(s.workspace.resolveDocument(req.document).rel, req.sectionIds)
      return { ok: true as const }
    },
    'search:query': (req) => searchWorkspace(s, req.query, req.limit),
    ...createFileHandlers(s, { saved: hooks.saved, removed: hooks.removed, renamed: hooks.renamed }),
    ...createPresenceHandlers(s),
    ...createAssetHandlers(s, {
      settingsFile: hooks.settingsFile,
      printToPdf: hooks.printToPdf,
      assertHeld: (document, sectionId, ctx) => void heldBy(document, sectionId, ctx)
    }),
    'app:flushed': async (_req, ctx) => {
      hooks.flushed(ctx.clientId)
      return { ok: true as const }
    },
    'app:notify': async (req, ctx) => ({ shown: hooks.notify(req, ctx.clientId) })
  }
}
