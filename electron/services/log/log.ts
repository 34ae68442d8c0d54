/**
 * The diagnostics log of one host: what went wrong in the background and was handled — a
 * broadcast that reached no one, a release or a clean-up that failed — so that "my lock stayed"
 * can be traced afterwards. Not the audit trail (SPEC H6, in the share, for every writer to read):
 * this stays on the machine and is for whoever supports this one instance.
 */

/** Structured details of a line: flat values only, so every line stays one readable JSON object. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>

/** Where a host's services write their diagnostics. Writing never throws and never waits. */
export interface Log {
  info(message: string, fields?: LogFields): void
  /** Something failed and was handled (dropped, retried later, left for staleness to clean up). */
  warn(message: string, fields?: LogFields): void
  /** Something failed that the writer will notice (the host could not start or stop cleanly). */
  error(message: string, fields?: LogFields): void
}

/** The levels of a line, in order. */
export type LogLevel = 'info' | 'warn' | 'error'

/** A log that keeps nothing: the CLI's default and the services' default when none is injected. */
export const silentLog: Log = Object.freeze({
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined
})

/** The message of anything thrown, for a log field (a stack would make the line unreadable). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** One line of text for a log entry: `{"ts":…,"level":…,"msg":…, …fields}` and a newline. */
export function formatLine(ts: number, level: LogLevel, message: string, fields: LogFields = {}): string {
  const line: Record<string, unknown> = { ts: new Date(ts).toISOString(), level, msg: message }
  // Fields come after the three every line has, and cannot overwrite them.
  for (const [key, value] of Object.entries(fields)) if (!(key in line)) line[key] = value
  return `${JSON.stringify(line)}\n`
}

/** A log that writes each line through `write` (the CLI's stderr when asked for with SECTIONED_DEBUG). */
export function lineLog(write: (line: string) => void, now: () => number = Date.now): Log {
  const at =
    (level: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      try {
        write(formatLine(now(), level, message, fields))
      } catch {
        // A closed stderr must not turn a handled failure into a crash.
      }
    }
  return { info: at('info'), warn: at('warn'), error: at('error') }
}

/** Writes each line to every one of `logs` (Electron: its console and its log file). */
export function teeLog(...logs: Log[]): Log {
  return {
    info: (message, fields) => logs.forEach((l) => l.info(message, fields)),
    warn: (message, fields) => logs.forEach((l) => l.warn(message, fields)),
    error: (message, fields) => logs.forEach((l) => l.error(message, fields))
  }
}

/** `message (key=value, …)` for a console, where JSON would be hard to read. */
function consoleText(message: string, fields: LogFields = {}): string {
  const details = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${String(v)}`)
  return details.length ? `Sectioned: ${message} (${details.join(', ')})` : `Sectioned: ${message}`
}

/** The process console, as Electron's main process printed its lines before there was a log file. */
export const consoleLog: Log = Object.freeze({
  info: (message: string, fields?: LogFields) => console.log(consoleText(message, fields)),
  warn: (message: string, fields?: LogFields) => console.warn(consoleText(message, fields)),
  error: (message: string, fields?: LogFields) => console.error(consoleText(message, fields))
})
