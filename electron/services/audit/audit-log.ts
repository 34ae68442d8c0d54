/**
 * SPEC H6: the audit trail, as JSON lines, one file per instance:
 * `.sectioned/audit/{YYYYMMDD}_{hostSlug}_{instanceId}.jsonl`.
 *
 * Appends from several hosts to one file are not atomic on network file systems, so no file is
 * shared. Nor is the file opened in append mode: smbnetfs answers O_APPEND with EIO. The file is
 * ours alone, so it is opened once for writing and every line goes to an explicit offset that this
 * class tracks, one line after another through a promise chain so lines never interleave.
 */
import type { FileHandle } from '../core/share-fs'
import path from 'node:path'
import type { Identity } from '../../../shared/types'
import type { Clock } from '../core/clock'
import { openOwnFile, writeAll } from '../core/share-fs'
import type { Workspace } from '../core/workspace'
import { RESERVED_FIELDS, type AuditEvent } from './audit-event'

export { readAudit, type AuditFilter } from './audit-read'
export type { AuditEntry, AuditEvent, AuditEventType } from './audit-event'

function hostSlug(host: string): string {
  return (
    host
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 32) || 'host'
  )
}

function utcDay(ms: number): string {
  const d = new Date(ms)
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/**
 * This instance's audit writer. `record` only queues (it never blocks or throws); `flush` waits for
 * the queue; `dispose` flushes, fsyncs and closes. A write that fails is dropped and remembered in
 * `lastError` rather than crashing the app: losing an audit line must not lose a writer's work.
 */
export class AuditLog {
  /** Absolute path of this instance's audit file. */
  readonly file: string
  private handle: FileHandle | null = null
  private position = 0
  /** Furthest byte ever written; beyond `position` only when a failed write left a partial line. */
  private highWater = 0
  private chain: Promise<void> = Promise.resolve()
  private disposed = false
  private error: Error | null = null
  private dropped = 0

  constructor(
    ws: Workspace,
    private readonly identity: Identity,
    private readonly clock: Clock
  ) {
    const name = `${utcDay(clock.wallNow())}_${hostSlug(identity.host)}_${identity.instanceId}.jsonl`
    this.file = path.join(ws.auditDir, name)
  }

  /** The most recent write failure, or null when every line so far was written. */
  get lastError(): Error | null {
    return this.error
  }

  /** How many lines could not be written (see {@link lastError}). */
  get droppedLines(): number {
    return this.dropped
  }

  /** Queues one event; the time is taken now, from the injected clock. */
  record(event: AuditEvent): void {
    if (this.disposed) {
      this.drop(new Error(`The audit log ${this.file} is closed; a “${event.type}” event was not recorded.`))
      return
    }
    let buf: Buffer
    try {
      buf = Buffer.from(`${JSON.stringify(this.line(event))}\n`, 'utf8')
    } catch (err) {
      this.drop(asError(err)) // details that cannot be serialised (a cycle, a BigInt)
      return
    }
    this.chain = this.chain.then(
      () => this.writeLine(buf).catch((err: unknown) => this.drop(asError(err))),
      () => undefined
    )
  }

  /** Resolves once every line recorded so far has been written (or has failed into `lastError`). */
  flush(): Promise<void> {
    return this.chain
  }

  /** Flushes, fsyncs and closes the file. Later `record` calls are dropped. Safe to call twice. */
  async dispose(): Promise<void> {
    this.disposed = true
    await this.chain
    const handle = this.handle
    if (!handle) return
    this.handle = null
    try {
      // A failed write may have left part of a line past the last good one.
      if (this.highWater > this.position) await handle.truncate(this.position)
      await handle.sync()
    } catch (err) {
      this.error = asError(err)
    } finally {
      await handle.close().catch((err: unknown) => (this.error = asError(err)))
    }
  }

  private line(event: AuditEvent): Record<string, unknown> {
    const line: Record<string, unknown> = {
      ts: new Date(this.clock.wallNow()).toISOString(),
      instanceId: this.identity.instanceId,
      user: this.identity.user,
      host: this.identity.host,
      pid: this.identity.pid,
      type: event.type
    }
    if (event.document !== undefined) line.document = event.document
    if (event.sectionId !== undefined) line.sectionId = event.sectionId
    const shadowed: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(event)) {
      if (key === 'type' || key === 'document' || key === 'sectionId') continue
      if ((RESERVED_FIELDS as readonly string[]).includes(key)) shadowed[key] = value
      else line[key] = value
    }
    if (Object.keys(shadowed).length > 0) line.shadowed = shadowed
    return line
  }

  private async open(): Promise<FileHandle> {
    if (this.handle) return this.handle
    // Only this instance writes this file; reopening it (after a dispose in the same run) must
    // continue it, not truncate it. Opened once, never through a link planted at its name (it
    // was appended to ~/.profile through one), and kept open: no stat-then-open window.
    const { handle, size } = await openOwnFile(this.file)
    this.handle = handle
    this.position = this.highWater = size
    if (size > 0) {
      const last = Buffer.alloc(1)
      await handle.read(last, 0, 1, size - 1)
      if (last[0] !== 0x0a) await this.writeAt(Buffer.from('\n')) // end a torn line before ours
    }
    return handle
  }

  private async writeLine(buf: Buffer): Promise<void> {
    await this.open()
    await this.writeAt(buf)
  }

  /** Writes all of `buf` at the tracked position; on failure the position stays at the line's start. */
  private async writeAt(buf: Buffer): Promise<void> {
    const handle = this.handle
    if (!handle) throw new Error('The audit file is not open.')
    // A failed write may have left part of the line: highWater remembers how far (see dispose).
    this.highWater = Math.max(this.highWater, this.position + buf.length)
    await writeAll(handle, buf, this.position)
    this.position += buf.length
  }

  private drop(err: Error): void {
    this.error = err
    this.dropped++
  }
}
