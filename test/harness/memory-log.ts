import type { Log, LogFields, LogLevel } from '../../electron/services/log/log'

/** One line kept by {@link MemoryLog}. */
export interface MemoryLine {
  level: LogLevel
  message: string
  fields: LogFields
}

/** The in-memory log sink tests inject: every line is kept, in order. */
export class MemoryLog implements Log {
  readonly lines: MemoryLine[] = []

  info(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'info', message, fields })
  }

  warn(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'warn', message, fields })
  }

  error(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'error', message, fields })
  }

  /** The lines of one level. */
  at(level: LogLevel): MemoryLine[] {
    return this.lines.filter((l) => l.level === level)
  }
}
