import path from 'node:path'
import { idComponent } from '../../services/core/workspace'
import { readLockDir } from '../../services/locks/lock-dir'
import { inspectLocks, type LockView } from '../../services/locks/lock-admin'
import { readSnapshots, aggregate } from '../../services/metrics/metrics-store'
import { need, type ParsedArgs } from './args'
import { Exit, locateDocument, locateFolder, withServices, type CliIo } from './context'
import { escapeJsonText, safe } from '../../../shared/escape-control'
import { table } from './format'

function json(io: CliIo, value: unknown): number {
  io.out(escapeJsonText(JSON.stringify(value, null, 2)) + '\n')
  return Exit.Ok
}

/** `sections`: the sections of a document with ids and checksums. */
export async function cmdSections(args: ParsedArgs, io: CliIo): Promise<number> {
  const [file] = need(args, ['file'])
  const { root, rel } = await locateDocument(file, args)
  return withServices(root, args, { start: false, readOnly: true }, async (s) => {
    const doc = await s.documents.read(rel)
    if (args.json) return json(io, { document: rel, fileSha256: doc.fileSha256, sections: doc.sections })
    io.out(
      table(
        ['ID', 'LEVEL', 'LINES', 'SHA256', 'HEADING'],
        doc.sections.map((x) => [
          x.id,
          String(x.level),
          `${x.startLine + 1}-${x.endLine}`,
          x.sha256.slice(0, 12),
          x.heading
        ])
      )
    )
    return Exit.Ok
  })
}

function lockRow(v: LockView): string[] {
  const r = v.record
  const state =
    v.state === 'corrupt' ? `damaged (${v.problem})` : v.stale ? `stale: ${v.staleReason}` : v.state
  return [
    r?.document ?? `(${v.docKey})`,
    v.kind === 'section' ? (r?.sectionId ?? '?') : `[${v.kind}]`,
    r ? `${r.holder.user} on ${r.holder.host}` : '?',
    r?.acquiredAt ?? '',
    r ? `#${r.heartbeatSeq} ${r.lastHeartbeat}` : '',
    state
  ]
}

/** `status`: every lock in the workspace. */
export async function cmdStatus(args: ParsedArgs, io: CliIo): Promise<number> {
  const [folder] = need(args, ['folder'])
  const root = locateFolder(folder)
  return withServices(root, args, { start: false, readOnly: true }, async (s) => {
    const locks = (await inspectLocks(s.locks, s.workspace)).filter((l) => l.kind !== 'write' || l.stale)
    const documents = await s.documents.listDocuments()
    if (args.json) return json(io, { workspace: root, documents: documents.length, locks })
    io.out(safe`${root}: ${documents.length} documents, ${locks.length} locks held\n`)
    if (locks.length)
      io.out(table(['DOCUMENT', 'SECTION', 'HOLDER', 'SINCE', 'LAST HEARTBEAT', 'STATE'], locks.map(lockRow)))
    io.out(
      'Staleness of holders on other computers is judged by watching their heartbeat (force-release does).\n'
    )
    return Exit.Ok
  })
}

/** `inspect`: a document's sections with their locks, or one section's lock record in full. */
export async function cmdInspect(args: ParsedArgs, io: CliIo): Promise<number> {
  const [file, sectionId] = need(args, ['file'], ['sectionId'])
  const { root, rel } = await locateDocument(file, args)
  return withServices(root, args, { start: false, readOnly: true }, async (s) => {
    if (sectionId !== undefined) {
      const { section } = await s.documents.section(rel, sectionId)
      const dir = s.workspace.sectionLockDir(rel, sectionId)
      const state = await readLockDir(dir)
      const versions = await s.history.versions(rel, sectionId)
      const view = { document: rel, section, lockFolder: dir, lock: state, versions: versions.length }
      if (args.json) return json(io, view)
      io.out(safe`${rel} › ${section.heading || '(preamble)'} [${section.id}]\n`)
      io.out(
        `lines ${section.startLine + 1}-${section.endLine}, sha256 ${section.sha256}, ${versions.length} versions\n`
      )
      io.out(safe`lock (${dir}):\n` + escapeJsonText(JSON.stringify(state, null, 2)) + '\n')
      return Exit.Ok
    }
    const doc = await s.documents.read(rel)
    const locks = await inspectLocks(s.locks, s.workspace, rel)
    // Keyed by folder name: a damaged lock has no readable section id, but its folder is the id's.
    const bySection = new Map(locks.filter((l) => l.kind === 'section').map((l) => [path.basename(l.dir), l]))
    const docLock = locks.find((l) => l.kind === 'document')
    if (args.json)
      return json(io, {
        document: rel,
        fileSha256: doc.fileSha256,
        documentLock: docLock ?? null,
        sections: doc.sections.map((x) => ({ ...x, lock: bySection.get(idComponent(x.id)) ?? null }))
      })
    if (docLock) io.out(safe`Document lock: ${lockRow(docLock).slice(2).join('  ')}\n`)
    io.out(
      table(
        ['ID', 'HEADING', 'LOCK'],
        doc.sections.map((x) => {
          const l = bySection.get(idComponent(x.id))
          return [x.id, x.heading || '(preamble)', l ? lockRow(l).slice(2).join('  ') : 'free']
        })
      )
    )
    return Exit.Ok
  })
}

/** `history`: versions of a section (each checksum verified on read). */
export async function cmdHistory(args: ParsedArgs, io: CliIo): Promise<number> {
  const [file, sectionId] = need(args, ['file', 'sectionId'])
  const { root, rel } = await locateDocument(file, args)
  return withServices(root, args, { start: false, readOnly: true }, async (s) => {
    const versions = await s.history.list(rel, sectionId)
    if (args.json) return json(io, { document: rel, sectionId, versions })
    if (!versions.length) io.out(safe`No saved versions of “${sectionId}” yet.\n`)
    else
      io.out(
        table(
          ['VERSION', 'TIME', 'AUTHOR', 'REASON', 'SHA256', 'FLAGS'],
          versions.map((v) => [
            `v${v.version}`,
            v.timestamp,
            v.author,
            v.reason,
            v.sha256.slice(0, 12),
            [v.pinned ? 'pinned' : '', v.beforeStructure ? 'before-structure' : ''].filter(Boolean).join(',')
          ])
        )
      )
    return Exit.Ok
  })
}

/** `metrics`: aggregate metrics published by running instances, plus the locks on disk. */
export async function cmdMetrics(args: ParsedArgs, io: CliIo): Promise<number> {
  const [folder] = need(args, ['folder'])
  const root = locateFolder(folder)
  return withServices(root, args, { start: false, readOnly: true }, async (s) => {
    const snapshots = await readSnapshots(s.workspace)
    const totals = aggregate(snapshots.map((x) => x.snapshot))
    const held = (await inspectLocks(s.locks, s.workspace)).filter((l) => l.kind !== 'write')
    const value = { instances: snapshots.length, locksOnDisk: held.length, ...totals }
    if (args.json) return json(io, value)
    io.out(`${escapeJsonText(JSON.stringify(value, null, 2))}\n`)
    return Exit.Ok
  })
}
