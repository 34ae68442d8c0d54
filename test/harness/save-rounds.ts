/** The texts the group-commit crash test's worker (save-worker.ts) saves: the test knows every one. */

/** The text of section `id` in round `round` (padding varies so batches differ in length). */
export function roundText(id: string, round: number): string {
  return `# ${id}\n\nround ${round} of ${id}: ${'x'.repeat((round * 37 + id.length * 11) % 200)}\n`
}
