/**
 * Checks one document's data folder (`.sectioned/docs/<docKey>/`) for everything the app relies on:
 * its folders are folders, every lock has a readable record (or none at all), no claim was left
 * half-done, every history version is intact and in its own folder, the index and drafts are
 * readable, and no temp file of an interrupted write is left. Read-only; each finding names the
 * file and what to do. Finding damage never stops at the first: every file is looked at.
 */
import path from 'node:path'
import { CLAIM_PREFIX, genName, readListedLockDir } from '../locks/lock-dir'
import { inspectVersion, parseVersionFileName } from '../history/version-file'
import { findDamagedDocumentFiles } from './share-damage'
import { errCode, listEntries, lstatOrNull, readFileOrNull, READ_LIMITS, ShareFileError } from './share-fs'
import {
  LOCK_LEFTOVER_GRACE_MS,
  TEMP_FILE_GRACE_MS,
  type DocumentContext,
  type Finding
} from './verify-findings'
import { idComponent } from './workspace'

const GEN = /^g\d{9}$/
/** `writeFileAtomic`'s temp: `<name>.<up to 10 digits>`. */
const TEMP = /^.+\.\d{1,10}$/
/** `replaceSmallFile`'s temp (lock records): `<name>.<pid>.<base36>.tmp`. */
const SMALL_TEMP = /^.+\.\d+\.[0-9a-z]+\.tmp$/

/** True for the name of a temp file an atomic write of the app makes beside its target. */
export function isTempName(name: string): boolean {
  return TEMP.test(name) || SMALL_TEMP.test(name)
}

type Kind = 'absent' | 'folder' | 'other'

async function kindOf(p: string): Promise<Kind> {
  const st = await lstatOrNull(p)
  return st === null ? 'absent' : st.isDirectory() ? 'folder' : 'other'
}

/** Age of `file` on the share's clock; undefined when it is gone (it was work in progress). */
export async function ageOf(
  ctx: Pick<DocumentContext, 'shareNow'>,
  file: string
): Promise<number | null | undefined> {
  const st = await lstatOrNull(file).catch(() => null)
  if (st === null) return undefined
  const now = await ctx.shareNow()
  return now === null ? null : now - st.mtimeMs
}

/** A leftover temp file or claim folder, with its age; null when it vanished meanwhile. */
export async function leftover(
  ctx: Pick<DocumentContext, 'shareNow'>,
  file: string,
  claim: boolean
): Promise<Finding | null> {
  const ageMs = await ageOf(ctx, file)
  if (ageMs === undefined) return null
  return claim
    ? {
        file,
        problem: 'an unfinished lock claim (a claim folder that was never put in place)',
        advice: 'harmless to the lock; `sectioned verify --repair` removes it',
        fix: 'remove-claim-folder',
        ageMs,
        graceMs: LOCK_LEFTOVER_GRACE_MS
      }
    : {
        file,
        problem: 'a temp file of an interrupted save (never renamed into place)',
        advice: 'its content never became the file; `sectioned verify --repair` removes it',
        fix: 'remove-temp-file',
        ageMs,
        graceMs: TEMP_FILE_GRACE_MS
      }
}

function notAFolder(file: string, what: string, consequence: string): Finding {
  return {
    file,
    problem: `is a file (or link) where ${what} was expected`,
    advice: `move it out of .sectioned/ (${consequence} until then)`
  }
}

/** Runs one part of the check; an unreadable folder becomes a finding instead of ending the run. */
async function guarded(out: Finding[], where: string, part: () => Promise<void>): Promise<void> {
  try {
    await part()
  } catch (err) {
    if (!(err instanceof ShareFileError) && errCode(err) === undefined) throw err
    const problem = err instanceof ShareFileError ? err.problem : `could not be read (${errCode(err)})`
    out.push({
      file: err instanceof ShareFileError ? err.file : where,
      problem,
      advice: 'check its permissions'
    })
  }
}

/** Every problem of one lock folder (a section's, the document lock or the write mutex). */
async function checkLockFolder(ctx: DocumentContext, dir: string, out: Finding[]): Promise<void> {
  if ((await kindOf(dir)) === 'other')
    return void out.push(notAFolder(dir, 'a lock folder', 'this lock can never be taken'))
  const state = await readListedLockDir(dir)
  if (state.kind === 'absent') return
  const top = 'top' in state ? state.top : 0
  if (state.kind === 'corrupt') {
    out.push({
      file: dir,
      problem: `damaged lock record (${state.problem})`,
      advice:
        'the app refuses this lock as held by an unknown writer until it stays unchanged for 3 heartbeats; make sure no one is editing, then `sectioned force-release <file> <section> --force --reason …`'
    })
  } else if (state.kind === 'claiming') {
    const gen = path.join(dir, genName(top))
    const ageMs = await ageOf(ctx, gen)
    if (ageMs !== undefined)
      out.push({
        file: gen,
        problem:
          'half-claimed lock: the generation folder has no record (a crash of an older version, or made by hand)',
        advice: 'the app takes it over after a 2 s grace; `sectioned verify --repair` clears it',
        fix: 'clear-unfinished-lock',
        ageMs,
        graceMs: LOCK_LEFTOVER_GRACE_MS
      })
  }
  for (const e of (await listEntries(dir)) ?? []) {
    const file = path.join(dir, e.name)
    if (e.name.startsWith(CLAIM_PREFIX)) {
      const f = await leftover(ctx, file, true)
      if (f) out.push(f)
    } else if (GEN.test(e.name) && !e.isDirectory()) {
      // The top one is reported as the lock's damage above.
      if (e.name !== genName(top))
        out.push({
          file,
          problem: 'is a file named like a lock generation folder',
          advice: 'remove it (it decides nothing while a higher generation exists)'
        })
    } else if (GEN.test(e.name)) {
      for (const inner of (await listEntries(file)) ?? []) {
        if (!isTempName(inner.name)) continue
        const f = await leftover(ctx, path.join(file, inner.name), false)
        if (f) out.push(f)
      }
    }
  }
}

async function checkLocks(ctx: DocumentContext, out: Finding[]): Promise<void> {
  const locks = path.join(ctx.docDir, 'locks')
  const kind = await kindOf(locks)
  if (kind === 'other')
    return void out.push(
      notAFolder(locks, "the document's lock folder", 'nothing in this document can be locked')
    )
  if (kind === 'absent') return
  for (const name of ['document', 'write'])
    await guarded(out, path.join(locks, name), () => checkLockFolder(ctx, path.join(locks, name), out))
  const sections = path.join(locks, 'sections')
  const sk = await kindOf(sections)
  if (sk === 'other')
    return void out.push(
      notAFolder(sections, "the folder of the document's section locks", 'no section of it can be locked')
    )
  for (const e of (await listEntries(sections)) ?? []) {
    const dir = path.join(sections, e.name)
    await guarded(out, dir, () => checkLockFolder(ctx, dir, out))
  }
}

/** One version file: readable, valid, its checksum right, and in its own document's and section's folder. */
async function checkVersion(
  ctx: DocumentContext,
  sectionKey: string,
  file: string,
  version: number
): Promise<Finding | null> {
  const damaged = (problem: string): Finding => ({
    file,
    problem,
    advice:
      'restore this file from a backup of the share, or delete it (`history` refuses the section until then)'
  })
  let text: string
  try {
    const buf = await readFileOrNull(file, READ_LIMITS.version)
    if (!buf) return null // removed meanwhile (pruned)
    text = buf.toString('utf8')
  } catch (err) {
    if (err instanceof ShareFileError) return damaged(err.problem)
    return damaged(`it could not be read (${errCode(err) ?? String(err)})`)
  }
  const res = inspectVersion(text, version)
  if (!res.ok) return damaged(res.problem)
  const { document, sectionId } = res.record
  if (ctx.ws.docKey(document) !== ctx.docKey || idComponent(sectionId) !== sectionKey)
    return damaged(`it belongs to section “${sectionId}” of ${document}, which is kept in another folder`)
  return null
}

async function checkHistory(ctx: DocumentContext, out: Finding[]): Promise<void> {
  const history = path.join(ctx.docDir, 'history')
  const kind = await kindOf(history)
  if (kind === 'other')
    return void out.push(
      notAFolder(history, "the document's history folder", 'saves of this document keep no history')
    )
  for (const e of (await listEntries(history)) ?? []) {
    const dir = path.join(history, e.name)
    if (!e.isDirectory()) {
      out.push(notAFolder(dir, "a section's history folder", 'saves of that section keep no history'))
      continue
    }
    await guarded(out, dir, async () => {
      for (const v of ((await listEntries(dir)) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
        const file = path.join(dir, v.name)
        const version = parseVersionFileName(v.name)
        const found =
          version !== null
            ? await checkVersion(ctx, e.name, file, version)
            : isTempName(v.name)
              ? await leftover(ctx, file, false)
              : null
        if (found) out.push(found)
      }
    })
  }
}

/** Temp files left in the document folder itself (the index) and in its drafts and backups folders. */
async function checkTemps(ctx: DocumentContext, out: Finding[]): Promise<void> {
  for (const dir of [ctx.docDir, path.join(ctx.docDir, 'drafts'), path.join(ctx.docDir, 'backups')]) {
    for (const e of (await listEntries(dir)) ?? []) {
      if (!e.isFile() || !isTempName(e.name)) continue
      const f = await leftover(ctx, path.join(dir, e.name), false)
      if (f) out.push(f)
    }
  }
}

/** Every problem of one document's data folder (nothing when it does not exist). */
export async function checkDocumentData(ctx: DocumentContext): Promise<Finding[]> {
  const out: Finding[] = []
  const kind = await kindOf(ctx.docDir)
  if (kind === 'absent') return out
  if (kind === 'other')
    return [notAFolder(ctx.docDir, "a document's data folder", 'that document keeps no locks or history')]
  for (const [name, consequence] of [
    ['drafts', 'refused saves cannot be kept as drafts'],
    ['backups', 'structure operations cannot back the document up']
  ]) {
    const p = path.join(ctx.docDir, name)
    if ((await kindOf(p)) === 'other') out.push(notAFolder(p, `the document's ${name} folder`, consequence))
  }
  await guarded(out, path.join(ctx.docDir, 'locks'), () => checkLocks(ctx, out))
  await guarded(out, path.join(ctx.docDir, 'history'), () => checkHistory(ctx, out))
  await guarded(out, ctx.docDir, () => checkTemps(ctx, out))
  for (const d of await findDamagedDocumentFiles(ctx.docDir)) {
    const index = path.basename(d.file) === 'index.json'
    out.push({
      file: d.file,
      problem: d.problem,
      advice: index
        ? 'the app does not trust it and rebuilds it from the document; delete it to clear this report'
        : 'look at it (it may hold text of a refused save) and delete it'
    })
  }
  return out
}
