/** Percentiles of one series of samples, in milliseconds. */
export interface Stats {
  n: number
  median: number
  p95: number
  p99: number
  max: number
}

/** The `p`th percentile (nearest rank) of samples sorted ascending. */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

/** Median, p95, p99 and max of a series; null when there are no samples. */
export function summarize(samples: readonly number[]): Stats | null {
  if (samples.length === 0) return null
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    n: sorted.length,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]
  }
}

/** How many times slower the subject's median is than the anchor's (null when either is missing). */
export function ratioOf(subject: Stats | null, anchor: Stats | null): number | null {
  if (!subject || !anchor || anchor.median <= 0) return null
  return subject.median / anchor.median
}
