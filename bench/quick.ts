/**
 * Quick numbers for the foundation (the full benchmark suite is its own piece of work):
 * section lock acquire+release vs raw proper-lockfile and raw mkdir/rmdir on the same folder,
 * and section save latency on a small and a 1 MB document. Prints medians and p99 and the ratios
 * against the raw primitives measured in the same run.
 *
 *   npm run bench
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import lockfile from 'proper-lockfile'
import { openWorkspace } from '../electron/services/app-services'

function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

function row(name: string, samples: number[], anchor?: number[]): string {
  const p50 = pct(samples, 50)
  const ratio = anchor ? `  ×${(p50 / pct(anchor, 50)).toFixed(1)} of anchor` : ''
  return `${name.padEnd(44)} p50 ${p50.toFixed(3).padStart(8)} ms  p99 ${pct(samples, 99).toFixed(3).padStart(8)} ms${ratio}`
}

async function time(n: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await fn(i)
    out.push(performance.now() - t)
  }
  return out
}

function doc(sections: number, linesPer: number): string {
  const parts = ['Intro.\n\n']
  for (let i = 1; i <= sections; i++)
    parts.push(`## Part ${i}\n\n${'Some text in this part of the document.\n'.repeat(linesPer)}\n`)
  return parts.join('')
}

async function main(): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-bench-'))
  const n = Number(process.env.BENCH_N ?? 500)
  try {
    await fs.writeFile(path.join(root, 'small.md'), doc(100, 5))
    await fs.writeFile(path.join(root, 'large.md'), doc(500, 50)) // ≈ 1 MB
    const s = await openWorkspace({ folder: root, user: 'bench', lockSettings: { idleTimeoutMs: 0 } })
    try {
      const raw = path.join(root, 'raw')
      const mkdirRmdir = await time(n, async () => {
        await fs.mkdir(raw)
        await fs.rmdir(raw)
      })
      const target = path.join(root, 'small.md')
      const proper = await time(n, async () => {
        const release = await lockfile.lock(target, { realpath: false, onCompromised: () => undefined })
        await release()
      })
      const acquire: number[] = []
      const release: number[] = []
      for (let i = 0; i < n; i++) {
        let t = performance.now()
        const lock = await s.locks.acquireSection('small.md', 'part-1')
        acquire.push(performance.now() - t)
        t = performance.now()
        await s.locks.release(lock)
        release.push(performance.now() - t)
      }
      const both = acquire.map((a, i) => a + release[i])
      const saves = async (file: string, id: string, count: number) => {
        const lock = await s.locks.acquireSection(file, id)
        const out = await time(count, async (i) => {
          const { section } = await s.documents.section(file, id)
          await s.documents.saveSection(lock, section.sha256, `## Part 1\n\nEdit number ${i}.\n\n`)
        })
        await s.locks.release(lock)
        return out
      }
      const small = await saves('small.md', 'part-1', Math.min(n, 200))
      const large = await saves('large.md', 'part-1', Math.min(n, 100))
      console.log(
        `Sectioned quick bench — ${os.cpus().length} cores, node ${process.version}, ${new Date().toISOString().slice(0, 10)}, n=${n}`
      )
      console.log(row('raw mkdir+rmdir (floor)', mkdirRmdir))
      console.log(row('raw proper-lockfile lock+unlock', proper))
      console.log(row('section lock acquire', acquire))
      console.log(row('section lock release', release))
      console.log(row('section lock acquire+release vs mkdir', both, mkdirRmdir))
      console.log(row('section lock acquire+release vs proper-lockfile', both, proper))
      console.log(row('save section (100-section doc, 24 KB)', small))
      console.log(row('save section (500-section doc, 1 MB)', large))
    } finally {
      await s.dispose()
    }
  } finally {
    await fs.rm(root, { recursive: true, force: true })
  }
}

void main()
