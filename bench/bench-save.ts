/**
 * Benchmark 3: saving one section into a 1 MB and a 10 MB document (read, checksum check, splice,
 * atomic write, history, audit) — side by side with a plain write-file-atomic of the same bytes.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
// The anchor only: the app does not use write-file-atomic (it ignores short writes; see core/share-fs.ts).
import writeFileAtomic from 'write-file-atomic'
import { openWorkspace, type AppServices } from '../electron/services/app-services'
import { withTempDir, type Benchmark, type BenchContext } from './context'
import { largeDoc } from './docs'
import { row, type ResultRow } from './results'
import { summarize } from './stats'
import { sideBySide } from './timing'

const MB = 1024 * 1024

interface SaveCase {
  label: string
  bytes: number
  sections: number
  n: number
}

function cases(quick: boolean): SaveCase[] {
  return [
    { label: '1 MB', bytes: MB, sections: 1_000, n: quick ? 15 : 60 },
    { label: '10 MB', bytes: 10 * MB, sections: 10_000, n: quick ? 5 : 20 }
  ]
}

async function measure(ctx: BenchContext, s: AppServices, dir: string, c: SaveCase): Promise<ResultRow> {
  const name = `doc-${c.label.replace(' ', '')}.md`
  const file = path.join(dir, name)
  const bytes = Buffer.from(largeDoc(c.bytes, c.sections))
  await fs.writeFile(file, bytes)
  const size = bytes.length
  const sectionId = (await s.documents.read(name)).sections[Math.floor(c.sections / 2)].id
  const { section, text } = await s.documents.section(name, sectionId)
  const lock = await s.locks.acquireSection(name, sectionId)
  let base = section.sha256
  try {
    ctx.log(`save: ${c.n} saves into a ${c.label} document, interleaved with plain atomic writes`)
    const samples = await sideBySide(c.n + 1, {
      save: async (i) => {
        const result = await s.documents.saveSection(lock, base, `${text.trimEnd()} Edit ${i}.\n\n`)
        base = result.section.sha256
      },
      // Beside the document, not over it: the service's index of the document stays valid.
      plain: () => writeFileAtomic(`${file}.anchor`, bytes)
    })
    // The first save also records the section's baseline version: not a steady-state sample.
    const save = samples.save.slice(1)
    const plain = samples.plain.slice(1)
    const mbPerS = (ms: number[]) => size / MB / ((summarize(ms)?.median ?? NaN) / 1000)
    return row('3', `save a section, ${c.label} document`, save, {
      anchors: { 'plain write-file-atomic of the same bytes': plain },
      extra: {
        'doc MB': size / MB,
        sections: c.sections,
        'MB/s': mbPerS(save),
        'anchor MB/s': mbPerS(plain)
      }
    })
  } finally {
    await s.locks.release(lock)
  }
}

/** Benchmark 3, `--only save`. */
export const saveBenchmark: Benchmark = {
  number: '3',
  id: 'save',
  title: 'section save into 1 MB and 10 MB documents vs write-file-atomic',
  run: (ctx) =>
    withTempDir('save', async (dir) => {
      const s = await openWorkspace({ folder: dir, user: 'bench', lockSettings: { idleTimeoutMs: 0 } })
      try {
        const rows: ResultRow[] = []
        for (const c of cases(ctx.quick)) rows.push(await measure(ctx, s, dir, c))
        return rows
      } finally {
        await s.dispose()
      }
    })
}
