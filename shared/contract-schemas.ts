/**
 * The value shapes of the IPC contract (contract.ts): sections, locks, snapshots, settings and the
 * small field rules (paths, ids, checksums) the channels' requests are built from. Split out of
 * contract.ts, which holds the channel and event maps and re-exports the shapes.
 */
import { z } from 'zod'

export const text = (max: number) => z.string().max(max)
/** Workspace-relative document path as the renderer knows it (confined again on the main side). */
export const documentPath = text(4096).min(1)
export const sectionId = text(256).min(1)
export const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 checksum in hex')
/** Documents up to 64 MiB of text may be saved section by section. */
export const sectionText = z.string().max(64 * 1024 * 1024)

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

/**
 * What `z.object` checks of a section, in one plain loop over its fields: these strings and safe
 * integers (tested to accept and refuse exactly what the zod schemas do; see sectionListSchema).
 */
function hasFields(v: unknown, strings: readonly string[], integers: readonly string[]): boolean {
  if (typeof v !== 'object' || v === null) return false
  const s = v as Record<string, unknown>
  return strings.every((k) => typeof s[k] === 'string') && integers.every((k) => Number.isSafeInteger(s[k]))
}

const SECTION_STRINGS = ['id', 'heading', 'sha256'] as const
const SECTION_INTEGERS = ['level', 'startLine', 'endLine', 'start', 'end'] as const
const isSection = (v: unknown) => hasFields(v, SECTION_STRINGS, SECTION_INTEGERS)

/**
 * A document's sections: the rules of `sectionSchema`, checked by one plain loop. zod took 270 ms
 * over the 25,000 sections of a 5 MB document in the page — the largest part of opening it after
 * the services' answer (tested to accept and refuse exactly what `z.array(sectionSchema)` does).
 */
export const sectionListSchema = z.custom<z.infer<typeof sectionSchema>[]>(
  (v) => Array.isArray(v) && v.every(isSection),
  { message: 'Expected a list of sections.' }
)

/**
 * A section of a document as a window gets it with the whole text (`documents:open`): where it is
 * in that text in the editor's own unit — `from`/`to` are UTF-16 code-unit offsets into the
 * snapshot's `text`, [from, to) — counted by the services, which have the text's bytes at hand. A
 * window no longer converts 25,000 UTF-8 byte offsets when it opens a document, and the answer
 * carries no byte offsets or line numbers it has no use for (a save's answer still does:
 * `sectionSchema`).
 */
export const snapshotSectionSchema = z.object({
  id: z.string(),
  level: z.number().int(),
  heading: z.string(),
  from: z.number().int(),
  to: z.number().int(),
  sha256: z.string()
})

const SNAPSHOT_SECTION_INTEGERS = ['level', 'from', 'to'] as const
const isSnapshotSection = (v: unknown) => hasFields(v, SECTION_STRINGS, SNAPSHOT_SECTION_INTEGERS)

/** A snapshot's sections: the rules of `snapshotSectionSchema` in one plain loop (see `sectionListSchema`). */
export const snapshotSectionListSchema = z.custom<z.infer<typeof snapshotSectionSchema>[]>(
  (v) => Array.isArray(v) && v.every(isSnapshotSection),
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
  /** In file order; offsets into `text` (see `snapshotSectionSchema`). */
  sections: snapshotSectionListSchema,
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
  reason: z.string(),
  /** The sync client that keeps the folder (OneDrive, Dropbox…): its locks are only as good as the client. */
  synced: z.string().nullable()
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
  notifications: z.boolean(),
  /** The editor's line numbers (off: a writing page, not a code editor). */
  lineNumbers: z.boolean(),
  /** The editor's fold markers beside headings. */
  foldGutter: z.boolean(),
  /** Spell checking in the editor. */
  spellcheck: z.boolean(),
  /** The spell checker's language as a BCP 47 tag ("en-GB"); '' follows the system. */
  spellLanguage: z
    .string()
    .trim()
    .max(35)
    .regex(/^$|^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language tag such as en-GB'),
  /** Where pasted and dropped images are saved, relative to the workspace folder (default `assets`). */
  assetsFolder: z.string().trim().min(1).max(200)
})

/** The settings that apply to open windows at once (the others when the folder is opened again). */
export const LIVE_SETTINGS = [
  'notifications',
  'lineNumbers',
  'foldGutter',
  'spellcheck',
  'spellLanguage',
  'assetsFolder'
] as const

/** The image types the preview shows and a paste may save (SVG only ever into an `<img>`). */
export const imageMime = z.enum(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml'])

/** Bytes as base64: at most an image of 10 MiB (the services check the decoded size again). */
export const imageBase64 = z
  .string()
  .max(Math.ceil((10 * 1024 * 1024) / 3) * 4)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64')

/** What a document can be converted to by pandoc. */
export const exportFormat = z.enum(['docx', 'odt'])

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

export const requestId = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an edit request id')

export const empty = z.object({}).strict()
export const docRequest = z.object({ document: documentPath }).strict()
export const sectionRequest = z.object({ document: documentPath, sectionId }).strict()

/** A folder path inside the workspace, as the renderer names it (checked name by name on the main side). */
export const folderPath = text(4096).min(1)
/** A document the file operations wrote: its path and the checksum of its bytes. */
export const writtenDocument = z.object({ document: z.string(), fileSha256: z.string() })

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
