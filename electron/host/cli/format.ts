import { escapeControl } from '../../../shared/escape-control'

/**
 * Formats rows as a plain-text table with aligned columns. Every cell is passed through
 * escapeControl: cells hold names and headings from the share, and a control character in one
 * (an ESC sequence, a CR or LF) must not rewrite the screen or forge a row.
 */
export function table(headers: string[], rows: string[][]): string {
  const safeRows = rows.map((r) => r.map(escapeControl))
  const widths = headers.map((h, i) => Math.max(h.length, ...safeRows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(headers), ...safeRows.map(line)].join('\n') + '\n'
}
