/** Milliseconds one call of `fn` takes. */
export async function timeOnce(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

/**
 * Runs several operations `n` times each, interleaved (one of each per round, the order rotating
 * every round) so that a noisy neighbour slows subject and anchors alike and their ratios hold.
 * Returns the samples of each operation by name.
 */
export async function sideBySide(
  n: number,
  operations: Record<string, (i: number) => Promise<unknown>>
): Promise<Record<string, number[]>> {
  const names = Object.keys(operations)
  const samples: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]))
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length]
      samples[name].push(await timeOnce(() => operations[name](i)))
    }
  }
  return samples
}

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now()
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
