/**
 * The IPC contract: the single source of truth for what the renderer may ask of the main process
 * (or of the web host) and what it is told. Each request channel maps to a request schema and a
 * response schema; each event channel to a payload schema. Handlers (main side) and the client
 * (renderer side) are typed from this map, and the main side validates every request with it.
 * Channels are named `domain:verb`.
 */
import { z } from 'zod'

const text = (max: number) => z.string().max(max)
/** Workspace-relative document path as the renderer knows it (confined again on the main side). */
const documentPath = text(4096).min(1)
const sectionId = text(256).min(1)
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 checksum in hex')
/** Documents up to 64 MiB of text may be saved section by section. */
const sectionText = z.string().max(64 * 1024 * 1024)

/** A section of a document. */
export const sectionSchema = z.object({
  id: z.string(),
  level: z.number().int(),
  heading: z.string(),
  startLine: z.number().int(),
  endLine: z.number().int(),
  start: z.number().int(),
  end: z.number().int(),
  sha256: z.string()
})

function isSection(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false
  const s = v as Record<string, unknown>
  return (
    typeof s.id === 'string' &&
    Number.isSafeInteger(s.level) &&
    typeof s.heading === 'string' &&
    Number.isSafeInteger(s.startLine) &&
    Number.isSafeInteger(s.endLine) &&
    Number.isSafeInteger(s.start) &&
    Number.isSafeInteger(s.end) &&
    typeof s.sha256 === 'string'
  )
}

/**
 * A document's sections: the rules of `sectionSchema`, checked by one plain loop. zod took 270 ms
 * over the 25,000 sections of a 5 MB document in the page — the largest part of opening it after
 * the services' answer (tested to accept and refuse exactly what `z.array(sectionSchema)` does).
 */
export const sectionListSchema = z.custom<z.infer<typeof sectionSchema>[]>(
  (v) => Array.isArray(v) && v.every(isSection),
  { message: 'Expected a list of sections.' }
)

/** Who holds a lock, for badges and refusals. */
export const holderSchema = z.object({
  ownerId: z.string(),
  user: z.string(),
  host: z.string(),
  instanceId: z.string(),
  since: z.string()
})

/** A held lock as the renderer shows it. */
export const lockViewSchema = z.object({
  kind: z.enum(['section', 'document']),
  document: z.string(),
  sectionId: z.string().nullable(),
  holder: holderSchema,
  lastHeartbeat: z.string(),
  /** Held by this instance through the calling window. */
  mine: z.boolean(),
  /** Held by this instance through another window. */
  mineElsewhere: z.boolean(),
  stale: z.boolean()
})

/** A document with its sections and locks. */
export const documentSnapshotSchema = z.object({
  document: z.string(),
  fileSha256: z.string(),
  text: z.string(),
  sections: sectionListSchema,
  locks: z.array(lockViewSchema),
  /** Why the document opens read-only (not UTF-8 text, a second name on disk); null when it can be edited. */
  readOnly: z.string().nullable()
})

/** A section that changed, as `documents:changes` carries it: its text as in the file. */
export const sectionChangeSchema = z.object({
  id: z.string(),
  level: z.number().int(),
  heading: z.string(),
  sha256: z.string(),
  text: z.string()
})

/** What changed in a document since a version the window has (see api/document-changes.ts). */
export const documentChangesSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('same'), fileSha256: z.string(), locks: z.array(lockViewSchema) }),
  z.object({
    kind: z.literal('sections'),
    /** The version the changes apply to: the checksum the window sent. */
    since: z.string(),
    fileSha256: z.string(),
    changed: z.array(sectionChangeSchema),
    locks: z.array(lockViewSchema)
  }),
  z.object({ kind: z.literal('full'), snapshot: documentSnapshotSchema })
])

/** One version of a section's history. */
export const versionSchema = z.object({
  version: z.number().int(),
  heading: z.string(),
  content: z.string(),
  sha256: z.string(),
  author: z.string(),
  timestamp: z.string(),
  reason: z.string(),
  pinned: z.boolean(),
  beforeStructure: z.boolean()
})

/** What a save produced. */
export const saveResultSchema = z.object({
  document: z.string(),
  section: sectionSchema,
  /**
   * The sections that now occupy the saved run, in file order; the first keeps the saved `sectionId`.
   * The sections before the run are unchanged, those after it moved by the run's change in bytes
   * and lines: a window that has version `baseFileSha256` brings its copy to `fileSha256` with
   * `runText` and these, without reading the document again (shared/patch-snapshot.ts).
   */
  run: z.array(sectionSchema),
  /** Ids of run sections whose heading was deleted: their text joined the section above, their locks were released. */
  retired: z.array(z.string()),
  fileSha256: z.string(),
  /** The file's checksum before the save: the version the run was spliced into. */
  baseFileSha256: z.string(),
  /** The run's text as it is now in the file. */
  runText: z.string(),
  version: z.number().int().nullable(),
  changed: z.boolean()
})

/** What a structure operation (delete/move a section) produced. */
export const structureResultSchema = z.object({
  document: z.string(),
  sections: sectionListSchema,
  fileSha256: z.string(),
  backup: z.string()
})

/** How the workspace is watched (SPEC W1), shown in the status bar. */
export const watchModeSchema = z.object({
  mode: z.enum(['native', 'polling']),
  intervalMs: z.number(),
  reason: z.string()
})

/** An edit request as the holder's window shows it. */
export const editRequestViewSchema = z.object({
  id: z.string(),
  document: z.string(),
  sectionId: z.string(),
  heading: z.string(),
  from: z.object({ user: z.string(), host: z.string() }),
  at: z.string()
})

/** The settings a writer edits in the Settings dialog, with their allowed ranges. */
export const editableSettingsSchema = z.object({
  /** The writer's display name; the OS user name when unset. */
  user: z.string().trim().min(1).max(64),
  /** SPEC L4: 5–120 s (LOCK_HEARTBEAT_INTERVAL in the environment wins). */
  heartbeatSeconds: z.number().int().min(5).max(120),
  /** Poll interval on network drives (SPEC W1). */
  pollIntervalMs: z.number().int().min(50).max(60_000),
  /** Release a section after this many minutes without edits; 0 never. */
  idleTimeoutMinutes: z
    .number()
    .min(0)
    .max(24 * 60),
  /** `auto` polls on network file systems. */
  watchMode: z.enum(['auto', 'native', 'polling']),
  /** OS notifications of edit requests and lost sections while the window is in the background. */
  notifications: z.boolean()
})

/** One section's unsaved text in the writer's local journal (kept on this machine, not in the shared folder). */
export const journalEntrySchema = z.object({
  sectionId: z.string(),
  text: z.string(),
  /** Checksum of the section text the writer started from; null when unknown. */
  baseSha256: z.string().nullable(),
  savedAt: z.string(),
  user: z.string()
})

/** A matching section of a search, with who holds it now (null: free). */
export const searchSectionSchema = z.object({
  sectionId: z.string(),
  heading: z.string(),
  /** A short excerpt around the first match, on one line. */
  snippet: z.string(),
  holder: holderSchema.nullable()
})

/** Where one window of another instance is: a document and the section its cursor is in (never its text). */
export const presencePlaceSchema = z.object({
  document: z.string(),
  /** null: the window has the document open but has not said where its cursor is yet. */
  sectionId: z.string().nullable(),
  /** The heading of that section as that window shows it ('' for the preamble). */
  heading: z.string().nullable()
})

/** Another running instance that has documents open (presence), by its writer's name. */
export const presenceViewSchema = z.object({
  instanceId: z.string(),
  /** What the writer's colour is derived from (the same colour as their lock badges). */
  ownerId: z.string(),
  user: z.string(),
  host: z.string(),
  documents: z.array(presencePlaceSchema)
})

const requestId = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an edit request id')

const empty = z.object({}).strict()
const docRequest = z.object({ document: documentPath }).strict()
const sectionRequest = z.object({ document: documentPath, sectionId }).strict()

/** A folder path inside the workspace, as the renderer names it (checked name by name on the main side). */
const folderPath = text(4096).min(1)
/** A document the file operations wrote: its path and the checksum of its bytes. */
const writtenDocument = z.object({ document: z.string(), fileSha256: z.string() })

/** A document in the app's trash (`.sectioned/trash/<id>/`). */
export const trashEntrySchema = z.object({
  id: z.string(),
  /** Where it was, workspace-relative; `files:restore` puts it back there. */
  original: z.string(),
  by: z.string(),
  host: z.string(),
  /** When it was deleted (ISO). */
  at: z.string()
})

/** Where the writer was in a document: the text at the top of the view and the cursor (UTF-16 offsets). */
export const documentPlaceSchema = z.object({
  document: documentPath,
  top: z.number().int().min(0),
  anchor: z.number().int().min(0),
  head: z.number().int().min(0)
})

/** A recent workspace folder and whether it is still there. */
export const recentFolderSchema = z.object({ folder: z.string(), exists: z.boolean() })

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
