/**
 * The log file of one host instance, on this machine (Electron's user-data folder, the web
 * host's config folder — never the shared folder, whose trouble is often what is being logged):
 * `logs/<kind>-<instanceId>.log`, rotated by size to `.1`, `.2`, and only the last few
 * instances' files are kept.
 *
 * Written here rather than with rotating-file-stream (checked: 3.2.x installs and rotates on
 * Node 20): that library buffers behind an async stream, and lines written just before
 * `process.exit` / `app.exit` were lost in a trial — exactly the lines ("gave up releasing locks")
 * this log is for. Lines here are few (failures, start and stop), so a synchronous append costs
 * nothing noticeable and is on disk before the next statement runs.
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync
} from 'node:fs'
import path from 'node:path'
import { errorText, formatLine, type Log, type LogFields, type LogLevel } from './log'

/** Rotation limits: the current file reaches at most `maxBytes` (one line over), `files` in all. */
export interface RotationLimits {
  maxBytes: number
  files: number
}

/** 1 MiB × 3 files per instance: weeks of failures, small enough to attach to a bug report. */
export const DEFAULT_ROTATION: RotationLimits = { maxBytes: 1024 * 1024, files: 3 }

/** How to open a rotating log file. */
export interface RotatingFileLogOptions extends Partial<RotationLimits> {
  /** The current file; older ones are `file.1` (newest) … `file.<files-1>`. */
  file: string
  /** Wall-clock time for each line (the host's injected clock). */
  now: () => number
  /** Where a failure of the log file itself is reported, once (default: stderr). */
  report?: (message: string) => void
}

/** A log appending JSON lines to a file, rotated by size. `close` releases the file. */
export class RotatingFileLog implements Log {
  private readonly limits: RotationLimits
  private fd: number | null = null
  private size = 0
  private closed = false
  private reported = false

  constructor(private readonly opts: RotatingFileLogOptions) {
    this.limits = {
      maxBytes: Math.max(1, opts.maxBytes ?? DEFAULT_ROTATION.maxBytes),
      files: Math.max(1, Math.floor(opts.files ?? DEFAULT_ROTATION.files))
    }
  }

  /** The current file's path. */
  get file(): string {
    return this.opts.file
  }

  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields)
  }

  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields)
  }

  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields)
  }

  /** Closes the file; later lines are dropped. Safe to call twice. */
  close(): void {
    this.closed = true
    this.closeFile()
  }

  private write(level: LogLevel, message: string, fields?: LogFields): void {
    if (this.closed) return
    const line = Buffer.from(formatLine(this.opts.now(), level, message, fields), 'utf8')
    try {
      // Opened first: what an earlier run of this instance's file left counts towards the limit.
      let fd = this.open()
      if (this.size > 0 && this.size + line.length > this.limits.maxBytes) {
        this.rotate()
        fd = this.open()
      }
      writeSync(fd, line)
      this.size += line.length
    } catch (err) {
      // Logging must never fail what it describes: the line goes to stderr instead, and the next
      // line tries the file again (a full disk may have room by then).
      this.closeFile()
      this.fail(err, line.toString('utf8'))
    }
  }

  private open(): number {
    if (this.fd !== null) return this.fd
    mkdirSync(path.dirname(this.opts.file), { recursive: true, mode: 0o700 })
    const fd = openSync(this.opts.file, 'a', 0o600)
    this.fd = fd
    this.size = fstatSync(fd).size
    return fd
  }

  /** `file.(n-2)` → `file.(n-1)` … `file` → `file.1`; the oldest is overwritten by the rename. */
  private rotate(): void {
    this.closeFile()
    const { file } = this.opts
    if (this.limits.files === 1) rmSync(file, { force: true })
    for (let i = this.limits.files - 1; i >= 1; i--) {
      const from = i === 1 ? file : `${file}.${i - 1}`
      try {
        renameSync(from, `${file}.${i}`)
      } catch (err) {
        // A gap in the numbering (a file removed by hand) is not a failure.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
    }
    this.size = 0
  }

  private closeFile(): void {
    if (this.fd === null) return
    const fd = this.fd
    this.fd = null
    try {
      closeSync(fd)
    } catch {
      // Nothing left to do with a descriptor that will not close; the next line opens a new one.
    }
  }

  private fail(err: unknown, line: string): void {
    const report = this.opts.report ?? ((m: string) => process.stderr.write(`${m}\n`))
    try {
      if (!this.reported)
        report(`Sectioned could not write its log file ${this.opts.file}: ${errorText(err)}`)
      this.reported = true
      report(line.trimEnd())
    } catch {
      // stderr closed as well: the line is lost, the app carries on.
    }
  }
}

/** The log file name of one instance (instance ids are ULIDs: the names sort by start time). */
export function instanceLogName(kind: string, instanceId: string): string {
  return `${kind}-${instanceId}.log`
}

/**
 * Removes the log files of all but the `keep` most recently written instances of `kind` in `dir`
 * (the current one included, once it wrote). By last write, not by name, so a long-running
 * instance's file is never taken from under it. Best effort: a file that cannot go stays.
 */
export function pruneInstanceLogs(dir: string, kind: string, keep: number): void {
  const pattern = new RegExp(`^${kind.replace(/[^\w-]/g, '')}-([\\w-]+)\\.log(?:\\.\\d+)?$`)
  const newest = new Map<string, number>()
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return // no logs folder yet
  }
  const files: { name: string; instance: string }[] = []
  for (const name of names) {
    const instance = pattern.exec(name)?.[1]
    if (instance === undefined) continue
    try {
      const mtime = statSync(path.join(dir, name)).mtimeMs
      newest.set(instance, Math.max(newest.get(instance) ?? 0, mtime))
      files.push({ name, instance })
    } catch {
      // gone meanwhile (another instance pruning): nothing to do
    }
  }
  const kept = new Set(
    [...newest]
      .sort((a, b) => b[1] - a[1])
      .slice(0, Math.max(0, keep))
      .map(([id]) => id)
  )
  for (const f of files) {
    if (kept.has(f.instance)) continue
    try {
      rmSync(path.join(dir, f.name), { force: true })
    } catch {
      // Left for the next start: an old log file in the way costs nothing.
    }
  }
}

/** How many instances' log files a host keeps (each at most {@link DEFAULT_ROTATION} in size). */
export const KEPT_INSTANCE_LOGS = 5

/**
 * Opens this instance's log file in `<dir>/logs/` after removing those of older instances beyond
 * {@link KEPT_INSTANCE_LOGS}. Opens nothing until the first line: a host that never logs leaves
 * no file behind.
 */
export function openInstanceLog(opts: {
  dir: string
  kind: string
  instanceId: string
  now: () => number
  rotation?: Partial<RotationLimits>
}): RotatingFileLog {
  const logs = logsDirIn(opts.dir)
  // One less than kept: the new instance's file is the last of them.
  pruneInstanceLogs(logs, opts.kind, KEPT_INSTANCE_LOGS - 1)
  return new RotatingFileLog({
    file: path.join(logs, instanceLogName(opts.kind, opts.instanceId)),
    now: opts.now,
    ...opts.rotation
  })
}

/** The logs folder inside a host's own folder (Electron's userData, the web host's config folder). */
export function logsDirIn(hostDir: string): string {
  return path.join(hostDir, 'logs')
}
