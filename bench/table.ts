import type { ResultRow } from './results'
import type { Stats } from './stats'

const HEADER = ['benchmark', 'n', 'median', 'p95', 'p99', 'max', 'ratio', 'notes']
/** Columns right-aligned (numbers). */
const NUMERIC = new Set([1, 2, 3, 4, 5, 6])

function ms(v: number): string {
  if (v >= 100) return v.toFixed(0)
  if (v >= 10) return v.toFixed(1)
  return v.toFixed(2)
}

function statCells(stats: Stats | null): string[] {
  if (!stats) return ['0', '–', '–', '–', '–']
  return [String(stats.n), ms(stats.median), ms(stats.p95), ms(stats.p99), ms(stats.max)]
}

/** ×310, ×6.6, ×0.25: two significant digits below 10. */
function formatRatio(r: number): string {
  return r >= 10 ? r.toFixed(0) : r.toPrecision(2)
}

function formatExtra(value: number | string): string {
  if (typeof value === 'string') return value
  if (Number.isInteger(value)) return String(value)
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3)
}

function notesOf(r: ResultRow): string {
  const extras = Object.entries(r.extra).map(([k, v]) => `${k} ${formatExtra(v)}`)
  const targets = r.targets.map((t) => `${t.met ? 'meets' : 'MISSES'} ${t.text}`)
  return [...extras, ...targets].join('; ')
}

/** The cells of a row and of its anchors (one line each, anchors indented, ratio on the anchor line). */
function linesOf(r: ResultRow): string[][] {
  const missing = r.skipped ? `skipped: ${r.skipped}` : r.failed ? `FAILED: ${r.failed}` : null
  if (missing) return [[`${r.benchmark} ${r.name}`, '–', '–', '–', '–', '–', '', missing]]
  const lines = [[`${r.benchmark} ${r.name}`, ...statCells(r.stats), '', notesOf(r)]]
  for (const a of r.anchors) {
    const ratio = a.ratio === null ? '–' : `×${formatRatio(a.ratio)}`
    lines.push([`  ↳ anchor: ${a.name}`, ...statCells(a.stats), ratio, ''])
  }
  return lines
}

/**
 * The results as a Markdown table (readable in a terminal and pasteable into a README). Times are
 * milliseconds; "ratio" on an anchor line is the subject's median divided by that anchor's.
 */
export function formatTable(rows: readonly ResultRow[]): string {
  const body = rows.flatMap(linesOf)
  const widths = HEADER.map((h, i) => Math.max(3, h.length, ...body.map((cells) => cells[i].length)))
  const fmt = (cells: string[]) =>
    `| ${cells.map((c, i) => (NUMERIC.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`
  const rule = `| ${widths.map((w, i) => (NUMERIC.has(i) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`
  return [fmt(HEADER), rule, ...body.map(fmt)].join('\n')
}
