import { promises as fs } from 'node:fs'
import { ValidationError } from '../../../shared/errors'
import { escapeJsonText, safe } from '../../../shared/escape-control'
import { forceRelease } from '../../services/locks/lock-admin'
import type { AppServices } from '../../services/app-services'
import type { LockHandle } from '../../services/locks/lock-service'
import { need, UsageError, type ParsedArgs } from './args'
import { Exit, locateDocument, withServices, type CliIo } from './context'
import { explainWriteFailure } from './write-access'

function requireUser(args: ParsedArgs): void {
  if (!args.user)
    throw new UsageError(`${args.command} needs --user NAME (who is editing, shown to everyone else).`)
}

/** `edit`: lock a section, save the text of a file as its new content, release. */
export async function cmdEdit(args: ParsedArgs, io: CliIo): Promise<number> {
  const [file, sectionId] = need(args, ['file', 'sectionId'])
  requireUser(args)
  if (!args.textFile)
    throw new UsageError('edit needs --text-file F (the section’s full new text, heading included).')
  const text = await fs.readFile(args.textFile, 'utf8').catch(() => {
    throw new ValidationError(`Cannot read the text file “${args.textFile}”.`)
  })
  const { root, rel } = await locateDocument(file, args)
  return withServices(root, args, { start: true }, async (s) => {
    const current = await s.documents.section(rel, sectionId) // unknown section: refused before any lock is taken
    const label = `Section “${current.section.heading || sectionId}”`
    const lock = await s.locks.acquireSection(rel, sectionId, { label, retries: args.retries })
    try {
      const base = args.baseSha256 ?? (await s.documents.section(rel, sectionId)).section.sha256
      const result = await s.documents.saveSection(lock, base, text)
      if (args.json)
        io.out(
          escapeJsonText(
            JSON.stringify({
              saved: result.changed,
              section: result.section,
              version: result.version?.version ?? null
            })
          ) + '\n'
        )
      else
        io.out(
          result.changed
            ? safe`saved ${sectionId} v${result.version?.version}\n`
            : safe`unchanged ${sectionId}\n`
        )
      return Exit.Ok
    } finally {
      await s.locks.release(lock)
    }
  })
}

/** Keeps a lock until SIGTERM/SIGINT, `--seconds`, or until it is lost (exit 3). */
async function holdUntilDone(
  args: ParsedArgs,
  io: CliIo,
  name: string,
  lost: Promise<string>
): Promise<number> {
  const outcome = await new Promise<{ lost?: string }>((resolve) => {
    const done = () => resolve({})
    // `on`, not `once`: write-file-atomic's signal-exit re-raises a signal that no other listener
    // is left to handle, which would kill us before the lock is released.
    process.on('SIGTERM', done)
    process.on('SIGINT', done)
    if (args.seconds !== undefined) setTimeout(done, args.seconds * 1000).unref()
    void lost.then((reason) => resolve({ lost: reason }))
    // Only now: a script that stops us as soon as it reads this line must find the handlers in
    // place (printed before them, a SIGTERM in between killed us with the lock still held).
    io.out(safe`locked ${name}\n`)
  })
  if (outcome.lost !== undefined) {
    io.err(safe`sectioned: lost ${name}: ${outcome.lost}\n`)
    return Exit.Held
  }
  return Exit.Ok
}

/**
 * Releases a held lock at the end of `hold`/`lock-doc`; a release that fails is reported (exit 1)
 * instead of being left to dispose, which cannot report it.
 */
async function releaseHeld(s: AppServices, io: CliIo, name: string, lock: LockHandle): Promise<number> {
  try {
    if (await s.locks.release(lock, 'hold ended')) return Exit.Ok
    io.err(safe`sectioned: lost ${name} before it could be released (taken over or force-released)\n`)
    return Exit.Held
  } catch (err) {
    const cause = await explainWriteFailure(s.workspace.root, err)
    io.err(
      safe`sectioned: could not release ${name}: ${cause instanceof Error ? cause.message : String(cause)}; others can take it once it is seen stale (3 missed heartbeats) or force-released\n`
    )
    return Exit.Other
  }
}

/** `hold`: take a section lock and keep it alive with heartbeats. */
export async function cmdHold(args: ParsedArgs, io: CliIo): Promise<number> {
  const [file, sectionId] = need(args, ['file', 'sectionId'])
  requireUser(args)
  const { root, rel } = await locateDocument(file, args)
  return withServices(root, args, { start: true }, async (s) => {
    const current = await s.documents.section(rel, sectionId)
    const lock = await s.locks.acquireSection(rel, sectionId, {
      label: `Section “${current.section.heading || sectionId}”`,
      retries: args.retries
    })
    const code = await holdUntilDone(args, io, sectionId, lostReason(s.locks.events, lock))
    return code === Exit.Ok ? releaseHeld(s, io, sectionId, lock) : code
  })
}

/** `lock-doc`: take the document lock (structure operations) and keep it alive. */
export async function cmdLockDoc(args: ParsedArgs, io: CliIo): Promise<number> {
  const [file] = need(args, ['file'])
  requireUser(args)
  const { root, rel } = await locateDocument(file, args)
  return withServices(root, args, { start: true }, async (s) => {
    const lock = await s.locks.acquireDocument(rel, { retries: args.retries })
    const code = await holdUntilDone(args, io, rel, lostReason(s.locks.events, lock))
    return code === Exit.Ok ? releaseHeld(s, io, rel, lock) : code
  })
}

function lostReason(
  events: { on(e: 'lost', l: (p: { lock: LockHandle; reason: string }) => void): unknown },
  lock: LockHandle
): Promise<string> {
  return new Promise((resolve) => events.on('lost', (e) => e.lock.token === lock.token && resolve(e.reason)))
}

/** `force-release`: release a stale lock (watching a remote holder's heartbeats), or any lock with --force. */
export async function cmdForceRelease(args: ParsedArgs, io: CliIo): Promise<number> {
  const [file, sectionId] = args.document ? need(args, ['file']) : need(args, ['file', 'sectionId'])
  const { root, rel } = await locateDocument(file, args)
  return withServices(root, args, { start: false }, async (s) => {
    const dir = args.document ? s.workspace.documentLockDir(rel) : s.workspace.sectionLockDir(rel, sectionId)
    const ttl = s.locks.settings.heartbeatIntervalMs * s.locks.settings.staleAfterBeats
    const record = await forceRelease(s.locks, dir, {
      force: args.force,
      reason: args.reason,
      watchMs: args.watchSeconds !== undefined ? args.watchSeconds * 1000 : ttl + 1000,
      onWatch: (ms) =>
        io.err(
          `Watching the lock's heartbeat for up to ${Math.ceil(ms / 1000)} s before deciding it is stale…\n`
        )
    })
    const who = record ? `${record.holder.user} on ${record.holder.host}` : 'an unfinished lock'
    io.out(safe`released ${args.document ? rel : sectionId} (was held by ${who})\n`)
    return Exit.Ok
  })
}
