/**
 * The IPC contract: the single source of truth for what the renderer may ask of the main process
 * (or of the web host) and what it is told. Each request channel maps to a request schema and a
 * response schema; each event channel to a payload schema. Handlers (main side) and the client
 * (renderer side) are typed from this map, and the main side validates every request with it.
 * Channels are named `domain:verb`.
 */
import { z } from 'zod'
import {
  docRequest,
  documentChangesSchema,
  documentPath,
  documentPlaceSchema,
  documentSnapshotSchema,
  editRequestViewSchema,
  editableSettingsSchema,
  empty,
  exportFormat,
  folderPath,
  holderSchema,
  imageBase64,
  imageMime,
  journalEntrySchema,
  lockViewSchema,
  presenceViewSchema,
  recentFolderSchema,
  requestId,
  saveResultSchema,
  searchSectionSchema,
  sectionId,
  sectionRequest,
  sectionText,
  sha256,
  structureResultSchema,
  text,
  trashEntrySchema,
  versionSchema,
  watchModeSchema,
  writtenDocument
} from './contract-schemas'

/** The value shapes, for everyone who imports them from here. */
export {
  documentChangesSchema,
  documentPlaceSchema,
  documentSnapshotSchema,
  editRequestViewSchema,
  editableSettingsSchema,
  holderSchema,
  journalEntrySchema,
  LIVE_SETTINGS,
  lockViewSchema,
  presencePlaceSchema,
  presenceViewSchema,
  recentFolderSchema,
  saveResultSchema,
  searchSectionSchema,
  sectionChangeSchema,
  sectionListSchema,
  sectionSchema,
  snapshotSectionListSchema,
  snapshotSectionSchema,
  structureResultSchema,
  trashEntrySchema,
  versionSchema,
  watchModeSchema
} from './contract-schemas'

/** Request channels: request schema → response schema. */
export const contract = {
  'workspace:info': {
    request: empty,
    response: z.object({
      root: z.string(),
      user: z.string(),
      host: z.string(),
      instanceId: z.string(),
      heartbeatIntervalMs: z.number(),
      idleTimeoutMs: z.number()
    })
  },
  'workspace:status': {
    request: empty,
    response: z.object({
      watch: watchModeSchema.nullable(),
      heartbeat: z.object({
        intervalMs: z.number(),
        /** Time since the last fully successful heartbeat round; null before the first. */
        lastOkAgoMs: z.number().nullable(),
        consecutiveFailures: z.number().int()
      }),
      locksHeld: z.number().int(),
      /** Median save latency of this instance (ms), null before the first save. */
      saveMedianMs: z.number().nullable(),
      saves: z.number().int()
    })
  },
  /** The workspace's documents and folders (empty ones too), sorted. */
  'documents:list': {
    request: empty,
    response: z.object({ documents: z.array(z.string()), folders: z.array(z.string()) })
  },
  'documents:open': { request: docRequest, response: documentSnapshotSchema },
  'documents:changes': {
    request: z.object({ document: documentPath, since: sha256 }).strict(),
    response: documentChangesSchema
  },
  'locks:list': { request: docRequest, response: z.object({ locks: z.array(lockViewSchema) }) },
  'locks:acquire': {
    request: z
      .object({
        document: documentPath,
        sectionId: sectionId.nullable(),
        retries: z.number().int().min(0).max(50).optional()
      })
      .strict(),
    response: lockViewSchema
  },
  'locks:release': {
    request: z.object({ document: documentPath, sectionId: sectionId.nullable() }).strict(),
    response: z.object({ released: z.boolean() })
  },
  'locks:touch': { request: sectionRequest, response: z.object({ ok: z.literal(true) }) },
  'sections:save': {
    request: z
      .object({
        document: documentPath,
        sectionId,
        baseSha256: sha256,
        text: sectionText,
        /** The held sections right after `sectionId`, in file order, that `text` replaces too (a run save). */
        following: z
          .array(z.object({ sectionId, baseSha256: sha256 }).strict())
          .max(100)
          .optional()
      })
      .strict(),
    response: saveResultSchema
  },
  'sections:delete': { request: sectionRequest, response: structureResultSchema },
  'sections:move': {
    request: z.object({ document: documentPath, sectionId, beforeId: sectionId.nullable() }).strict(),
    response: structureResultSchema
  },
  'requests:send': { request: sectionRequest, response: z.object({ id: z.string() }) },
  'requests:pending': { request: empty, response: z.object({ requests: z.array(editRequestViewSchema) }) },
  'requests:answer': {
    request: z.object({ id: requestId, answer: z.enum(['released', 'declined']) }).strict(),
    response: z.object({ ok: z.literal(true) })
  },
  'settings:get': {
    request: empty,
    response: z.object({
      /** The values in effect now. */
      settings: editableSettingsSchema,
      /** Where they are stored; null when this host keeps none. */
      file: z.string().nullable(),
      /** LOCK_HEARTBEAT_INTERVAL is set in the environment and wins over the setting. */
      heartbeatFromEnvironment: z.boolean(),
      /** The folders this host opened, most recent first (a folder that is gone: `exists` false). */
      recentFolders: z.array(recentFolderSchema)
    })
  },
  /**
   * What this host remembers of the open workspace: the document shown last (reopened at start)
   * and where the writer was in the documents shown recently, most recent first.
   */
  'places:get': {
    request: empty,
    response: z.object({ shown: z.string().nullable(), documents: z.array(documentPlaceSchema) })
  },
  /** The window shows `document` at this place: remembered in the host's settings for the next start. */
  'places:remember': {
    request: documentPlaceSchema.strict(),
    response: z.object({ ok: z.literal(true) })
  },
  'settings:set': {
    request: editableSettingsSchema.partial().strict(),
    response: z.object({ saved: z.literal(true), restartNeeded: z.boolean() })
  },
  'history:list': { request: sectionRequest, response: z.object({ versions: z.array(versionSchema) }) },
  /** Sections the document no longer has but whose history is kept: each with its newest version. */
  'history:deleted': {
    request: docRequest,
    response: z.object({
      sections: z.array(z.object({ sectionId, versions: z.number().int(), last: versionSchema }))
    })
  },
  'history:restore': {
    request: z
      .object({ document: documentPath, sectionId, version: z.number().int().min(1), baseSha256: sha256 })
      .strict(),
    response: saveResultSchema
  },
  'drafts:list': {
    request: docRequest,
    response: z.object({
      drafts: z.array(
        z.object({
          file: z.string(),
          sectionId: z.string(),
          user: z.string(),
          savedAt: z.string(),
          reason: z.string(),
          text: z.string()
        })
      )
    })
  },
  'drafts:discard': {
    request: z.object({ document: documentPath, file: text(255).min(1) }).strict(),
    response: z.object({ ok: z.literal(true) })
  },
  /** Journals the unsaved text of sections on this machine (upsert per section; `text: null` drops a section's entry). */
  'journal:write': {
    request: z
      .object({
        document: documentPath,
        entries: z
          .array(
            z.object({ sectionId, baseSha256: sha256.nullable(), text: sectionText.nullable() }).strict()
          )
          .max(200)
      })
      .strict(),
    response: z.object({ ok: z.literal(true) })
  },
  /** The journalled unsaved text of a document's sections, to offer back after a closed window or a crash. */
  'journal:list': { request: docRequest, response: z.object({ entries: z.array(journalEntrySchema) }) },
  /** Forgets the journalled text of the given sections, or of the whole document when `sectionIds` is absent. */
  'journal:discard': {
    request: z
      .object({ document: documentPath, sectionIds: z.array(sectionId).max(200).optional() })
      .strict(),
    response: z.object({ ok: z.literal(true) })
  },
  /**
   * Full-text search over every document's headings, paths and text (case- and diacritic-
   * insensitive), grouped by document, best first. Answers from what is indexed so far: `building`
   * while the index is still being built (`indexed` of `total` documents).
   */
  'search:query': {
    request: z
      .object({
        query: z.string().trim().min(1, 'a search needs some text').max(500),
        limit: z.number().int().min(1).max(500).optional()
      })
      .strict(),
    response: z.object({
      results: z.array(z.object({ document: z.string(), sections: z.array(searchSectionSchema) })),
      indexed: z.number().int(),
      total: z.number().int(),
      building: z.boolean()
    })
  },
  /** Creates a document that must not exist yet (a valid name ending in .md), with optional initial text. */
  'files:create': {
    request: z.object({ document: documentPath, text: sectionText.optional() }).strict(),
    response: writtenDocument
  },
  /** Creates a folder (and missing parents) that must not exist yet. */
  'files:mkdir': {
    request: z.object({ folder: folderPath }).strict(),
    response: z.object({ folder: z.string() })
  },
  /** Renames or moves a document with its history, under the document lock; refused while anyone holds a section. */
  'files:rename': {
    request: z.object({ from: documentPath, to: documentPath }).strict(),
    response: z.object({ from: z.string(), to: z.string(), fileSha256: z.string() })
  },
  /** Moves a document with its history to the app's trash; refused while anyone holds a section. */
  'files:trash': { request: docRequest, response: z.object({ id: z.string(), document: z.string() }) },
  /** The trashed documents, newest first. */
  'files:trash-list': { request: empty, response: z.object({ entries: z.array(trashEntrySchema) }) },
  /** Puts a trashed document back where it was; refused if that name is taken now. */
  'files:restore': {
    request: z.object({ id: text(64).min(1) }).strict(),
    response: writtenDocument
  },
  /** Copies a document to a new one (default “<name> copy.md”); history stays with the original. */
  'files:duplicate': {
    request: z.object({ document: documentPath, to: documentPath.optional() }).strict(),
    response: writtenDocument
  },
  /**
   * An image a document links to (`src` relative to the document), for the preview: confined to the
   * workspace, an allow-listed image type whose bytes match it, at most 10 MiB.
   */
  'files:asset': {
    request: z.object({ document: documentPath, src: text(2048).min(1) }).strict(),
    response: z.object({ path: z.string(), mime: imageMime, data: z.string() })
  },
  /**
   * Saves a pasted or dropped image under the images folder (setting `assetsFolder`) with a free,
   * safe name; only while this window holds `sectionId`. Answers the link relative to the document.
   */
  'files:save-image': {
    request: z
      .object({ document: documentPath, sectionId, name: text(255), mime: imageMime, data: imageBase64 })
      .strict(),
    response: z.object({ path: z.string(), link: z.string() })
  },
  /** Which export formats this host can make: DOCX/ODT need pandoc; `reason` says why not. */
  'export:formats': {
    request: empty,
    response: z.object({ pandoc: z.boolean(), version: z.string().nullable(), reason: z.string().nullable() })
  },
  /** The document (or one section) converted by pandoc; the bytes as base64 with a file name to save under. */
  'export:convert': {
    request: z
      .object({ document: documentPath, sectionId: sectionId.nullable().optional(), to: exportFormat })
      .strict(),
    response: z.object({ fileName: z.string(), mime: z.string(), data: z.string() })
  },
  /**
   * The window's print as a PDF (Electron's `printToPDF`, the preview alone by the print CSS) as
   * base64; null where the host makes none (the web host: the page prints with the browser).
   */
  'export:pdf': { request: empty, response: z.object({ data: z.string().nullable() }) },
  /** The other instances present now (who has which document open, and in which section). */
  'presence:list': { request: empty, response: z.object({ others: z.array(presenceViewSchema) }) },
  /**
   * Where this window is: the open document and the section its cursor is in (null document: none
   * open). Sent when it changes (the window debounces); other instances see it within moments.
   */
  'presence:set': {
    request: z
      .object({
        document: documentPath.nullable(),
        sectionId: sectionId.nullable(),
        heading: text(300).nullable()
      })
      .strict(),
    response: z.object({ ok: z.literal(true) })
  },
  /** The window has saved and journalled its text after `app:flush`: Electron closes it now (the web host just answers). */
  'app:flushed': { request: empty, response: z.object({ ok: z.literal(true) }) },
  /**
   * Electron: show an OS notification from the main process (a click focuses the window and comes
   * back as `app:notification-clicked`). `shown` is false where the host shows none (the web host:
   * the page uses the browser's Notification API).
   */
  'app:notify': {
    request: z
      .object({ key: text(512), title: text(256), body: text(1024), document: documentPath, sectionId })
      .strict(),
    response: z.object({ shown: z.boolean() })
  }
} as const

/** Event channels pushed from the services to every window: payload schemas. */
export const events = {
  /** The locks of a document changed (any instance). */
  'locks:changed': z.object({ document: z.string(), locks: z.array(lockViewSchema) }),
  /** A document's content changed on disk; `external` when not written by this instance. */
  'document:changed': z.object({ document: z.string(), fileSha256: z.string(), external: z.boolean() }),
  /** A lock this instance held is gone (SPEC L5); the window keeps the writer's text as a draft. */
  'lock:lost': z.object({
    document: z.string(),
    sectionId: z.string().nullable(),
    reason: z.string(),
    newHolder: holderSchema.omit({ ownerId: true, instanceId: true }).nullable()
  }),
  /** The idle release is near (SPEC L6). */
  'lock:idle-warning': z.object({
    document: z.string(),
    sectionId: z.string().nullable(),
    releaseInMs: z.number()
  }),
  /** The lock was released for idleness. */
  'lock:idle-released': z.object({ document: z.string(), sectionId: z.string().nullable() }),
  /** A document was deleted or moved away. */
  'document:removed': z.object({ document: z.string() }),
  /** This instance renamed or moved a document (sent with `document:removed` of the old name, so a window that ignores it still follows). */
  'document:renamed': z.object({ from: z.string(), to: z.string() }),
  /** A folder of documents appeared or went (by any instance, or outside the app): the tree lists again. */
  'folders:changed': z.object({ folder: z.string() }),
  /** How the workspace is watched, at start and when it changes (native events failed → polling). */
  'watch:mode': watchModeSchema,
  /** Something the writer should know about the shared folder (watching failed, …). */
  'workspace:problem': z.object({ message: z.string() }),
  /** Another writer asks for a section this instance holds. */
  'edit:requested': editRequestViewSchema,
  /** The holder answered this instance's request. */
  'edit:answered': z.object({
    id: z.string(),
    document: z.string(),
    sectionId: z.string(),
    heading: z.string(),
    answer: z.enum(['released', 'declined']),
    by: z.string()
  }),
  /** Who else has documents open changed: another instance came, left, moved its cursor or went stale. */
  'presence:changed': z.object({ others: z.array(presenceViewSchema) }),
  /** Sent to one Electron window that is closing: save and journal unsaved text, then call `app:flushed` (main waits at most 3 s). */
  'app:flush': z.object({ reason: z.literal('close') }),
  /** Sent to the one window whose `app:notify` notification the writer clicked: go to that section. */
  'app:notification-clicked': z.object({ document: z.string(), sectionId: z.string() })
} as const

/** A request channel name. */
export type Channel = keyof typeof contract
/** What a channel's request looks like before validation (what the renderer sends). */
export type RequestOf<C extends Channel> = z.input<(typeof contract)[C]['request']>
/** A channel's request after validation (what handlers receive). */
export type ValidRequestOf<C extends Channel> = z.output<(typeof contract)[C]['request']>
/** What a channel answers with on success. */
export type ResponseOf<C extends Channel> = z.output<(typeof contract)[C]['response']>
/** An event channel name. */
export type EventName = keyof typeof events
/** An event's payload. */
export type EventOf<E extends EventName> = z.output<(typeof events)[E]>
/** Another instance's presence as shown to the renderer. */
export type PresenceView = z.output<typeof presenceViewSchema>
/** A lock as shown to the renderer. */
export type LockView = z.output<typeof lockViewSchema>

/** True when `name` is a request channel of the contract. */
export function isChannel(name: string): name is Channel {
  return Object.prototype.hasOwnProperty.call(contract, name)
}
