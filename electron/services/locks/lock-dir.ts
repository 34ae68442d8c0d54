/**
 * The on-disk lock primitive: a lock is a folder of numbered *generation* folders.
 *
 *   <lock>/g000000007/lock.json       tenure 7: who holds it, heartbeats (rewritten only by its holder)
 *   <lock>/g000000008/released.json   tenure 8 is a tombstone: the lock is free
 *
 * Ownership is having put the highest generation folder in place, and putting generation k+1 in
 * place is the only way to change hands — an acquire after a release, a takeover of a stale holder,
 * a release, a force-release.
 *
 * **A claim is one atomic step.** The claimant writes its record into a private folder
 * `<lock>/.claim-<random>/` and renames that folder to `g<k>`: the generation and its record appear
 * together, so no reader ever sees a generation without a record, and a crash at any instant leaves
 * either nothing claimed or a complete claim (plus, at worst, an orphaned `.claim-*` folder that
 * `verify --repair` removes). Renaming a folder onto an existing non-empty folder fails (ENOTEMPTY
 * or EEXIST on Linux, macOS, sshfs's posix-rename and SMB), so when two contenders both decide that
 * generation k is stale (or free), exactly one of them puts k+1 in place. Older versions created
 * `g<k>` with mkdir and wrote the record after it; a record-less generation that such a crash (or a
 * hand) left behind is `claiming` here, and the lock service clears it after a short grace watched
 * on its own clock (see `claimGraceMs`) — it is never "another writer".
 *
 * No folder is ever removed and re-created to change hands, which is what makes proper-lockfile's
 * rmdir-then-mkdir takeover race (its issue #121) impossible here. The highest generation is never
 * deleted, so numbers never repeat; lower ones are compacted away — but only `KEEP_BEHIND` below the
 * top (in batches of `COMPACT_BATCH`). A contender acting on a stale listing (a network mount's directory cache: rclone's
 * `--dir-cache-time`, sshfs's cache) claims the number after the top it saw; if that number had
 * been compacted away its rename would succeed, and its check for a higher generation reads the
 * same stale listing — two holders. Keeping the last generations makes that rename fail on the
 * server (the name is taken) unless the listing is more than `KEEP_BEHIND` changes behind. Found by
 * the rclone suite (a double grant in one of several CI runs, when only the top was kept).
 */
import path from 'node:path'
import type { LockRecord, ReleaseRecord } from '../../../shared/types'
import { randomBytes } from 'node:crypto'
import {
  assertPlainFolder,
  listEntries,
  createExclusive,
  ensureDir,
  errCode,
  holdsExactly,
  lstatOrNull,
  makeDirExclusive,
  readdirOrNull,
  readFileOrNull,
  replaceSmallFile,
  READ_LIMITS,
  removeTree,
  renameInShare,
  ShareFileError
} from '../core/share-fs'
import { encodeLockRecord, encodeReleaseRecord, lockRecordSchema, releaseRecordSchema } from './lock-record'

const GEN = /^g(\d{9})$/
export const RECORD_FILE = 'lock.json'
export const RELEASE_FILE = 'released.json'
/** A write-queue ticket's record (write-queue.ts): claimed like a generation, in its own folder. */
export const TICKET_FILE = 'ticket.json'
/** Prefix of the private folder a claim is prepared in before it is renamed into place. */
export const CLAIM_PREFIX = '.claim-'

/** What a reader finds in a lock folder. */
export type LockDirState =
  | { kind: 'absent' }
  /** The folder exists but has no generation yet (its creator is between two mkdirs, or crashed there). */
  | { kind: 'empty' }
  /**
   * Highest generation has no record: left by an older version's crash between its mkdir and its
   * record, or made by hand (a claim of this version never shows this state).
   */
  | { kind: 'claiming'; top: number }
  | { kind: 'held'; top: number; record: LockRecord }
  | { kind: 'released'; top: number; release: ReleaseRecord | null }
  /** The record is not valid JSON of the expected shape (hand-edited or damaged). */
  | { kind: 'corrupt'; top: number; problem: string }

export function genName(k: number): string {
  return `g${String(k).padStart(9, '0')}`
}

/**
 * Generation numbers present in a lock folder, ascending; null when the folder does not exist.
 * `plain`: the caller has just checked that `dir` is a plain folder (no `lstat` before listing it).
 */
export async function listGenerations(dir: string, plain = false): Promise<number[] | null> {
  const names = plain ? ((await listEntries(dir))?.map((e) => e.name) ?? null) : await readdirOrNull(dir)
  if (names === null) return null
  const gens: number[] = []
  for (const n of names) {
    const m = GEN.exec(n)
    if (m) gens.push(Number(m[1]))
  }
  return gens.sort((a, b) => a - b)
}

async function readText(file: string): Promise<string | null> {
  return (await readFileOrNull(file, READ_LIMITS.lockRecord))?.toString('utf8') ?? null
}

/**
 * Reads the state of a lock folder. Never throws for bad content or a damaged folder: one that
 * cannot be listed, or whose top generation is not a folder, is reported as `corrupt` (that lock's
 * damage, named), so a scan of every lock goes on. Something other than a folder at `dir` reads as
 * `absent` here (an acquire then names it); a scan asks {@link readListedLockDir}.
 */
export async function readLockDir(dir: string): Promise<LockDirState> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await readLockDirOnce(dir)
    } catch (err) {
      // A network client reading a record that another client replaced or compacted away that
      // moment: rclone answers EIO (for a while), NFS and sshfs ESTALE. Read it afresh for ~2.5 s.
      // Node names ESTALE only as "Unknown system error -116" (errno -116 on Linux).
      const code = (err as { errno?: number }).errno === -116 ? 'ESTALE' : (errCode(err) ?? '')
      if (!MOVED_UNDER_US.has(code)) throw err
      // Still unreadable: reported as this lock's damage, which blocks (never grants) until it
      // reads again — claims stay exclusive whatever a reader sees.
      if (attempt >= 7) return { kind: 'corrupt', top: 0, problem: `${dir} could not be read (${code})` }
      await new Promise((r) => setTimeout(r, 10 * 2 ** attempt))
    }
  }
}

const MOVED_UNDER_US = new Set(['EIO', 'ESTALE'])
/** What renaming a folder onto a taken name answers: Linux ENOTEMPTY, macOS/SMB/FUSE EEXIST. */
const TAKEN = new Set(['EEXIST', 'ENOTEMPTY'])

async function readLockDirOnce(dir: string): Promise<LockDirState> {
  let gens: number[] | null
  try {
    gens = await listGenerations(dir)
  } catch (err) {
    if (err instanceof ShareFileError) return { kind: 'corrupt', top: 0, problem: err.message }
    throw err
  }
  if (gens === null) return { kind: 'absent' }
  if (gens.length === 0) return { kind: 'empty' }
  const top = gens[gens.length - 1]
  return readGeneration(dir, top)
}

/**
 * {@link readLockDir} for an entry a scan found in a locks folder: a file, a link or anything else
 * planted there instead of a lock folder is `corrupt`, naming it, rather than silently absent.
 */
export async function readListedLockDir(dir: string): Promise<LockDirState> {
  const state = await readLockDir(dir)
  return state.kind === 'absent' ? notAFolder(dir, 0, 'a lock folder') : state
}

/**
 * `absent` when nothing is at `dir`, else `corrupt` naming what is there instead of a folder (only
 * asked when a listing or both record reads found nothing, so the common paths pay no extra stat).
 */
async function notAFolder(
  dir: string,
  top: number,
  what: string
): Promise<{ kind: 'absent' } | { kind: 'corrupt'; top: number; problem: string }> {
  let st: Awaited<ReturnType<typeof lstatOrNull>>
  try {
    st = await lstatOrNull(dir)
  } catch (err) {
    if (err instanceof ShareFileError) return { kind: 'corrupt', top, problem: err.message }
    throw err
  }
  if (st === null || st.isDirectory()) return { kind: 'absent' }
  const kind = st.isSymbolicLink() ? 'a link (not followed)' : st.isFile() ? 'a file' : 'not a folder'
  return { kind: 'corrupt', top, problem: `${dir} is ${kind} where ${what} was expected` }
}

/** Reads one generation of a lock folder. */
export async function readGeneration(dir: string, top: number): Promise<LockDirState> {
  try {
    return await readGenerationFiles(dir, top)
  } catch (err) {
    // A record that is a link, a pipe, a folder, too big or unreadable: that lock's damage, named.
    if (err instanceof ShareFileError) return { kind: 'corrupt', top, problem: err.message }
    throw err
  }
}

async function readGenerationFiles(dir: string, top: number): Promise<LockDirState> {
  const genDir = path.join(dir, genName(top))
  const released = await readText(path.join(genDir, RELEASE_FILE))
  if (released !== null) {
    const parsed = safeParse(released, releaseRecordSchema)
    return { kind: 'released', top, release: parsed.ok ? parsed.value : null }
  }
  const text = await readText(path.join(genDir, RECORD_FILE))
  if (text === null) {
    // Nothing read: a generation being claimed — or an entry planted with a generation's name.
    const odd = await notAFolder(genDir, top, 'a lock generation folder')
    return odd.kind === 'corrupt' ? odd : { kind: 'claiming', top }
  }
  const parsed = safeParse(text, lockRecordSchema)
  if (!parsed.ok) return { kind: 'corrupt', top, problem: parsed.problem }
  return { kind: 'held', top, record: parsed.value }
}

function safeParse<T>(
  text: string,
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } }
  }
): { ok: true; value: T } | { ok: false; problem: string } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { ok: false, problem: 'not valid JSON' }
  }
  const r = schema.safeParse(json)
  return r.success ? { ok: true, value: r.data } : { ok: false, problem: 'unexpected content' }
}

/** What a claim puts into its generation folder: the holder's record or a tombstone. */
export interface ClaimContent {
  file: typeof RECORD_FILE | typeof RELEASE_FILE | typeof TICKET_FILE
  text: string
}

/**
 * Atomically claims generation `k` of a lock folder (creating the folder when needed) with its
 * record already inside (see the module comment). Returns false when someone else put generation k
 * in place first — or when a higher generation already exists: compaction deletes old generation
 * folders, so a contender acting on an old view could re-create a number that was compacted away.
 * The highest generation is never deleted, so the highest number only grows; if none above `k`
 * exists right after our rename, `k` is the top.
 *
 * A failure before the rename (e.g. a full disk) claims nothing and leaves nothing: the private
 * folder is removed and the error thrown.
 */
export async function claimGeneration(
  dir: string,
  k: number,
  content: ClaimContent,
  /**
   * `onlyTop: false` keeps the claim even when a higher generation appeared (write-queue tickets).
   * `exists`: the caller just found the lock folder there (no mkdir; it is still checked for links).
   * `beforeRename`: awaited once the claim is prepared; a rejection claims nothing and is thrown.
   * `onRenamed`: called as soon as the claim is in place, before it is known to be the top.
   */
  opts: {
    onlyTop?: boolean
    exists?: boolean
    beforeRename?: Promise<unknown>
    onRenamed?: () => void
  } = {}
): Promise<boolean> {
  // Not through a link planted in .sectioned/; a folder gone meanwhile is made by prepareClaim.
  if (opts.exists) await assertPlainFolder(dir)
  else await ensureDir(dir)
  const draft = path.join(dir, `${CLAIM_PREFIX}${randomBytes(9).toString('hex')}`)
  const mine = path.join(dir, genName(k))
  try {
    await prepareClaim(dir, draft, content, opts.beforeRename)
    await opts.beforeRename
  } catch (err) {
    await removeTree(draft).catch(() => undefined)
    throw err
  }
  if (!(await renameClaim(draft, mine, k, content))) return false
  opts.onRenamed?.()
  if (opts.onlyTop === false) return true
  // The folder was checked for links just before the rename (renameInShare).
  const gens = (await listGenerations(dir, true)) ?? []
  if (gens.some((g) => g > k)) {
    // Ours but not the top: it decides nothing. Removing it is tidiness — on sshfs the other mount's
    // compaction can remove it first (ESTALE), and compaction takes it later anyway.
    await removeTree(mine).catch(() => undefined)
    return false
  }
  claimedListing.set(dir, { top: k, gens })
  return true
}

/**
 * The listing a successful claim just read, by folder, for the {@link compact} that follows it (it
 * was a second listing of the same folder in every acquire and release). Taken once.
 */
const claimedListing = new Map<string, { top: number; gens: number[] }>()

/** `gate`: a lock folder found missing here is made only once it resolves (the caller's checks). */
async function prepareClaim(
  dir: string,
  draft: string,
  content: ClaimContent,
  gate?: Promise<unknown>
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await makeDirExclusive(draft)
      break
    } catch (err) {
      // sshfs under load answered ENOENT here although the lock folder exists (a stale cache):
      // make sure of the folder and try once more; a second ENOENT is a real I/O failure. A folder
      // really gone (deleted since it was listed) is made only once the claim's gate passes: a lost
      // guess or a refusal of the checks leaves nothing behind.
      if (errCode(err) !== 'ENOENT' || attempt > 0) throw err
      await gate
      await ensureDir(dir)
    }
  }
  // Not fsynced: ownership is the generation folder itself; after a power loss the holder is gone
  // too, and a missing or torn record is judged like any other damaged lock. The draft folder was
  // just made by an exclusive mkdir in a checked folder: nothing planted can be in its path.
  await createExclusive(path.join(draft, content.file), Buffer.from(content.text, 'utf8'), {
    fsync: false,
    freshFolder: true
  })
}

/**
 * Renames the prepared claim folder to its generation's name. True when it is in place. The error
 * a lost race gives differs by file system (ENOTEMPTY, EEXIST, EPERM on SMB, ShareFileError when the
 * target was seen first): the outcome is decided by what is on disk, not by the error — if our
 * folder is gone and the generation holds our record, the rename happened (a network client can
 * report an error for a rename the server did).
 */
async function renameClaim(draft: string, mine: string, k: number, content: ClaimContent): Promise<boolean> {
  try {
    await renameInShare(draft, mine)
    return true
  } catch (err) {
    const draftLeft = await lstatOrNull(draft).catch(() => null)
    if (draftLeft === null && (await holdsContent(mine, content))) return true
    await removeTree(draft).catch(() => undefined)
    // The target was there: generation k is someone else's (this mount's listing may not show it
    // yet, and it may already be compacted away).
    if (TAKEN.has(errCode(err) ?? '') || err instanceof ShareFileError) return false
    // Else lost when generation k or a later one is someone else's.
    const gens = (await listGenerations(path.dirname(mine)).catch(() => null)) ?? []
    if (gens.some((g) => g >= k)) return false
    throw err
  }
}

/**
 * True when generation `k` of lock folder `dir` holds exactly `content` — the very claim or tombstone
 * this instance put there, not one like it (texts carry the writer, the time and a token). Compared
 * byte for byte in three steps (share-fs `holdsExactly`): it runs beside preparing a claim.
 */
export function holdsClaim(dir: string, k: number, content: ClaimContent): Promise<boolean> {
  return holdsExactly(path.join(dir, genName(k), content.file), Buffer.from(content.text, 'utf8'))
}

/**
 * True when `record` — this instance's, exactly as it last wrote it — is still the lock's top
 * generation: no generation above it, no tombstone in it, and its record file byte for byte what
 * was written (the token included). All three are asked side by side (three steps in a row, where
 * reading the lock is eight). False decides nothing (a heartbeat rewriting the record, a network
 * mount's rename gap): the caller then reads the lock.
 */
export async function stillHolds(dir: string, record: LockRecord): Promise<boolean> {
  const gen = path.join(dir, genName(record.generation))
  const [gens, exact, tombstone] = await Promise.all([
    listGenerations(dir).catch(() => null),
    holdsExactly(path.join(gen, RECORD_FILE), Buffer.from(encodeLockRecord(record), 'utf8')),
    lstatOrNull(path.join(gen, RELEASE_FILE)).catch(() => undefined)
  ])
  return exact && tombstone === null && gens !== null && gens[gens.length - 1] === record.generation
}

/** True when generation folder `gen` holds exactly `content` (our claim, not someone else's). */
async function holdsContent(gen: string, content: ClaimContent): Promise<boolean> {
  const text = await readFileOrNull(path.join(gen, content.file), READ_LIMITS.lockRecord).catch(() => null)
  return text !== null && text.toString('utf8') === content.text
}

/**
 * Rewrites (at a heartbeat) the record of the holder's own generation. Atomic (temp + rename) but
 * not fsynced: ownership is the generation folder itself; after a power loss the holder is gone
 * too, and a missing or torn record is judged stale by observation like any other.
 */
export async function writeRecord(dir: string, record: LockRecord): Promise<void> {
  const file = path.join(dir, genName(record.generation), RECORD_FILE)
  await replaceSmallFile(file, encodeLockRecord(record))
}

/** The content of a holder's claim. */
export function recordClaim(record: LockRecord): ClaimContent {
  return { file: RECORD_FILE, text: encodeLockRecord(record) }
}

/** The content of a tombstone claim. */
export function releaseClaim(release: ReleaseRecord): ClaimContent {
  return { file: RELEASE_FILE, text: encodeReleaseRecord(release) }
}

/**
 * Releases generation `k` where it is, for a disk with no room for a new generation folder or
 * tombstone: its record is renamed to the tombstone's name (a rename needs no new space). Safe
 * whoever else acts: if someone created a higher generation meanwhile, `k` decides nothing anyway.
 * Readers see `released` (with no release record); the next holder claims `k + 1` as usual.
 */
export async function releaseInPlace(dir: string, k: number): Promise<void> {
  const gen = path.join(dir, genName(k))
  await renameInShare(path.join(gen, RECORD_FILE), path.join(gen, RELEASE_FILE))
}

/**
 * Checks once that this share keeps claims exclusive: two prepared folders renamed onto one fresh
 * name at the same moment must leave exactly one winner, and the winner's record must be the one
 * left. Returns null when it does, else the reason, in words for an administrator. Claims never
 * rely on `mkdir` being exclusive (rclone mounts let two clients create one folder), only on this.
 */
export async function probeExclusiveClaims(hiddenDir: string): Promise<string | null> {
  const base = path.join(hiddenDir, 'probes', `claim-${randomBytes(9).toString('hex')}`)
  await ensureDir(base)
  try {
    const target = path.join(base, genName(1))
    const drafts = ['one', 'two'].map((who) => ({ who, dir: path.join(base, `${CLAIM_PREFIX}${who}`) }))
    for (const d of drafts) await prepareClaim(base, d.dir, { file: RELEASE_FILE, text: d.who })
    const won = await Promise.all(
      drafts.map((d) => renameClaim(d.dir, target, 1, { file: RELEASE_FILE, text: d.who }))
    )
    const left = (await readFileOrNull(path.join(target, RELEASE_FILE), READ_LIMITS.lockRecord))?.toString(
      'utf8'
    )
    const winners = won.filter(Boolean).length
    if (winners === 1 && left === drafts[won.indexOf(true)].who) return null
    if (winners === 0) throw new Error(`neither of two claims of a fresh lock succeeded in ${base}`)
    return winners > 1
      ? 'two folders renamed onto one name at the same moment both succeeded'
      : 'a folder renamed into place did not keep its content'
  } finally {
    await removeTree(base).catch(() => undefined)
  }
}

/**
 * How many generations below the top are kept (see the module comment): a listing must be this many
 * lock changes behind before a stale contender's claim can land on a compacted number. At the rclone
 * suite's rate (six processes, one section, ~40 changes/s) that is over 6 s of directory cache.
 */
export const KEEP_BEHIND = 256

/**
 * Generations past the window are removed in batches of this many (side by side), not one at every
 * claim: a removal was one more step in a row in every acquire and release. Keeping a few more
 * than `KEEP_BEHIND` only makes a stale contender's claim even less likely to land.
 */
export const COMPACT_BATCH = 32

/**
 * Removes generations more than `KEEP_BEHIND` below `top` (they no longer decide anything) once
 * `COMPACT_BATCH` of them have piled up. Best effort; the cost stays flat.
 */
export async function compact(dir: string, top: number): Promise<void> {
  const claimed = claimedListing.get(dir)
  claimedListing.delete(dir)
  // Tidiness only: the listing of this very claim is recent enough (a generation listed and gone
  // since is removed again harmlessly; one added since is above `top` and never removed here).
  const gens = claimed?.top === top ? claimed.gens : await listGenerations(dir)
  if (!gens || gens.length <= KEEP_BEHIND + COMPACT_BATCH) return
  const keepFrom = top - KEEP_BEHIND
  await Promise.all(
    gens.filter((g) => g < keepFrom).map((g) => removeTree(path.join(dir, genName(g))).catch(() => undefined))
  )
}
