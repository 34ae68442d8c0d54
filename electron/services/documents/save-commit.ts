/**
 * The steps of a save around its one deciding moment, the document's rename (see save-intent.ts):
 * before it, history is checked and the prior text kept, and the intent is written — any failure
 * refuses the save; after it, the save has succeeded, and what follows (versions, index) is done
 * from the intent, a failure there audited and left in the intent for the next save or repair.
 */
import { ValidationError } from '../../../shared/errors'
import type { Identity, SectionInfo, VersionRecord } from '../../../shared/types'
import { readFileOrNull, READ_LIMITS } from '../core/share-fs'
import type { Workspace } from '../core/workspace'
import type { AuditEvent } from '../audit/audit-event'
import type { HistoryStore } from '../history/history-store'
import { sectionText, sha256Hex, type SectionIndex } from '../sections/section-index'
import type { RunSpliceResult } from '../sections/splice'
import type { IndexStore } from './index-store'
import {
  carryOut,
  dropIntent,
  finishIntents,
  intentsDir,
  intentVersion,
  keepIntent,
  writeIntent,
  type IntentOutcome,
  type SaveIntent
} from './save-intent'

/** What the steps of a save work with. */
export interface CommitContext {
  ws: Workspace
  history: HistoryStore
  indexes: IndexStore
  self: Identity
  audit?: { record(event: AuditEvent): void }
}

/** What a save promises to do after its rename: a version of each run section whose text changed. */
export function intentOf(
  ctx: CommitContext,
  doc: string,
  before: string,
  olds: readonly SectionInfo[],
  spliced: RunSpliceResult,
  reason: string,
  time: string
): SaveIntent {
  return {
    format: 1,
    document: doc,
    before,
    after: spliced.index.fileSha256,
    time,
    versions: spliced.run
      .filter((s) => olds.find((o) => o.id === s.id)?.sha256 !== s.sha256)
      .map((s) =>
        intentVersion({
          sectionId: s.id,
          heading: s.heading,
          content: sectionText(spliced.buffer, s),
          author: ctx.self.user,
          instanceId: ctx.self.instanceId,
          reason
        })
      ),
    retired: [...spliced.retired]
  }
}

/**
 * Everything a save does to history before its rename; a failure refuses the save. Earlier saves
 * whose history could not be finished (`unfinished`) refuse a save that touches their sections:
 * its version would come before theirs. Then each replaced text not yet in history is kept (the
 * first save's baseline, an outside edit), and every section must be able to get its next number.
 */
export async function prepareHistory(
  ctx: CommitContext,
  buf: Buffer,
  olds: readonly SectionInfo[],
  intent: SaveIntent,
  unfinished: readonly IntentOutcome[]
): Promise<void> {
  const touched = new Set([...intent.versions.map((v) => v.sectionId), ...intent.retired])
  for (const u of unfinished) {
    const stuck = (u.pending ?? []).find((id) => touched.has(id))
    if (stuck !== undefined)
      throw new ValidationError(
        `An earlier save of section “${stuck}” reached the document, but ${u.detail}. Nothing was saved, ` +
          `so that history stays in order: run “sectioned verify --repair” once history can be written.`
      )
  }
  for (const old of olds) {
    const changed = intent.versions.some((v) => v.sectionId === old.id) || intent.retired.includes(old.id)
    if (changed) await keepPriorText(ctx, intent.document, old, sectionText(buf, old))
  }
  // A damaged history (a planted v999999999.json that verifies) refuses here, never after the rename.
  await ctx.history.checkAppendable(
    intent.document,
    intent.versions.map((v) => v.sectionId)
  )
}

/**
 * Keeps the text a save replaces in history when history does not already end with it: the very
 * first save records a baseline, and an edit made outside the app is recorded before it is replaced.
 */
async function keepPriorText(
  ctx: CommitContext,
  doc: string,
  section: SectionInfo,
  text: string
): Promise<void> {
  const last = await ctx.history.latestValid(doc, section.id)
  if (last && last.sha256 === sha256Hex(text)) return
  await ctx.history.append(doc, section.id, {
    heading: section.heading,
    content: text,
    author: last ? '(edited outside Sectioned)' : '(before first save)',
    instanceId: ctx.self.instanceId,
    reason: last ? 'external' : 'baseline'
  })
}

/**
 * Writes the intent, the document (`write`, the rename), the history versions and the index, and
 * finishes the save from the intent. They are written side by side, and renamed in order: the
 * document once the intent is in place (`write` awaits `intentWritten` just before its rename and
 * calls `renamed` right after it), the versions and the index once the document is. Throws only when
 * the document was not replaced (a refused save: nothing else is renamed into place, its intent is
 * removed — or kept for repair when the file cannot even be read to tell). Once it was, returns each
 * changed section's version by id — empty when history could not be written (audited; the intent
 * stays for the next save or `verify --repair`).
 */
export async function commitSave(
  ctx: CommitContext,
  abs: string,
  intent: SaveIntent,
  index: RunSpliceResult['index'],
  write: (intentWritten: Promise<unknown>, renamed: () => void, written: () => void) => Promise<void>
): Promise<Map<string, VersionRecord>> {
  // A change that promises no history (a structure operation keeps it all before) needs no intent.
  const promises = intent.versions.length > 0 || intent.retired.length > 0
  const intentFile = promises ? writeIntent(ctx.ws, intent) : Promise.resolve(null)
  intentFile.catch(() => undefined) // its failure is the write's (it rejects `intentWritten`)
  // Settled once the document's rename is decided: resolved when it happened, rejected when not.
  let landed!: () => void
  let notLanded!: (err: unknown) => void
  const landing = new Promise<void>((resolve, reject) => {
    landed = resolve
    notLanded = reject
  })
  landing.catch(() => undefined)
  let renamed = false
  // The document first: its first steps are on their way before the index's JSON is built.
  // History and the index are renamed only once the write is whole — the document's folder synced
  // too: on file systems that do not keep the order of folder changes (btrfs, NFS) a version synced
  // first could outlive a document rename lost to a power loss (a review found this).
  let bytesWritten!: () => void
  const docWritten = new Promise<void>((resolve) => (bytesWritten = resolve))
  const writing = write(
    intentFile,
    () => {
      renamed = true
    },
    () => bytesWritten()
  )
  writing.catch(() => undefined) // awaited below
  const history = carryOut(ctx.history, intent, landing).then(
    (versions) => ({ versions, err: null }),
    (err: unknown) => ({ versions: new Map<string, VersionRecord>(), err: err ?? 'failed' })
  )
  // A cache: when it cannot be stored, the next read rebuilds it by reconciliation. Its JSON (a
  // quarter of the document's size) is built once the document's bytes are written, while the disk
  // syncs them: built first, it held up the document's own steps on the main thread.
  const indexed = Promise.race([docWritten, writing.then(undefined, () => undefined)])
    .then(() => ctx.indexes.write(intent.document, index, landing))
    .then(
      () => null,
      (err: unknown) => err ?? 'failed'
    )
  let file: string | null = null
  try {
    await writing
    file = await intentFile
  } catch (err) {
    // The rename may have happened before the error (a folder sync after it, a network drive's
    // reply lost): what decides is the file. Unknown (unreadable): the intent stays for repair.
    file = await intentFile.catch(() => null)
    const replaced = renamed || (await fileIs(abs, intent.after))
    if (replaced !== true) {
      notLanded(err)
      await Promise.all([history, indexed])
      if (replaced === false && file !== null) await dropIntent(file)
      throw err
    }
    incomplete(ctx, intent.document, `the document was replaced, then: ${messageOf(err)}`)
  }
  landed()
  const [{ versions, err: historyErr }, indexErr] = await Promise.all([history, indexed])
  if (historyErr !== null) {
    incomplete(ctx, intent.document, `its history versions were not written: ${messageOf(historyErr)}`)
    // Acknowledged without its versions: the intent is now the only record of the save.
    if (file !== null) await keepIntent(file)
  }
  if (indexErr !== null)
    incomplete(ctx, intent.document, `the section index was not stored: ${messageOf(indexErr)}`)
  if (historyErr === null && file !== null) await dropIntent(file)
  return versions
}

/**
 * Finishes what earlier saves of a document promised and did not do (they died or failed after
 * their rename; see save-intent.ts), auditing each outcome. Callers hold the write mutex. Never
 * throws: an intent that could not be finished is returned as `failed` and stays.
 */
export async function finishPending(
  ctx: CommitContext,
  doc: string,
  buf: Buffer,
  index: SectionIndex
): Promise<IntentOutcome[]> {
  let done: IntentOutcome[]
  try {
    done = await finishIntents(ctx.ws, ctx.history, doc, buf, index)
  } catch (err) {
    done = [{ file: intentsDir(ctx.ws, doc), outcome: 'failed', detail: messageOf(err) }]
  }
  for (const d of done) {
    if (d.outcome === 'discarded') continue
    const type = d.outcome === 'completed' || d.outcome === 'ambiguous' ? 'save.completed' : 'save.incomplete'
    try {
      ctx.audit?.record({ type, document: doc, intent: d.file, outcome: d.outcome, reason: d.detail })
    } catch {
      // auditing never changes what was done
    }
  }
  return done
}

/** True when the file now has checksum `sha`, false when it has another, null when it cannot be read. */
async function fileIs(abs: string, sha: string): Promise<boolean | null> {
  try {
    const buf = await readFileOrNull(abs, READ_LIMITS.document)
    return buf !== null && sha256Hex(buf) === sha
  } catch {
    return null
  }
}

function incomplete(ctx: CommitContext, document: string, reason: string): void {
  try {
    ctx.audit?.record({ type: 'save.incomplete', document, reason })
  } catch {
    // The save has succeeded; an audit that cannot be written does not change that.
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
