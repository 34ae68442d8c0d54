/**
 * The contention chart: its values come from the benchmark's rows, and it renders headless to an
 * SVG that draws both builds' curves with their axes.
 */
import { describe, expect, it } from 'vitest'
import { curvePoints, renderChart, writerCounts } from './contention-chart'
import { row } from './results'

function run(processes: number, attempts: number[], saves: number[], perSecond: number) {
  const shape = { processes, sections: 100, seconds: 15 }
  return [
    row('2', 'contention: acquire attempt (granted or refused)', attempts, { extra: shape }),
    // As the benchmark writes it: the save row names no process count (the attempt row before it does).
    row('2', 'contention: save (write mutex + save)', saves, { extra: { 'saves/s': perSecond } })
  ]
}

describe('contention chart', () => {
  const rows = [...run(10, [5, 10, 40], [100, 200, 300], 20), ...run(50, [10, 60, 900], [900, 4000, 5000], 8)]

  it('takes each measure per number of writers from the rows', () => {
    const points = curvePoints(rows, 'after')
    expect(writerCounts(points)).toEqual([10, 50])
    const at = (w: number, m: string) => points.find((p) => p.writers === w && p.measure === m)?.value
    expect(at(10, 'save median')).toBe(200)
    expect(at(50, 'acquire attempt p99')).toBe(900)
    expect(at(50, 'saves/s')).toBe(8)
    expect(points.every((p) => p.build === 'after')).toBe(true)
  })

  it('renders both builds to an SVG with its axes, legend and one line per series', async () => {
    const points = [
      ...curvePoints(rows, 'before'),
      ...curvePoints(rows, 'after').map((p) => ({ ...p, value: p.value / 2 }))
    ]
    const svg = await renderChart(points, ['Contention', 'test'])
    expect(svg.startsWith('<svg')).toBe(true)
    for (const text of ['writer processes', 'saves/s', 'save p95', 'acquire attempt p99', 'before', 'after'])
      expect(svg).toContain(text)
    // Four latency measures and one throughput, each for both builds: ten lines, the before's dashed.
    expect(svg.match(/class="mark-line role-mark/g)).toHaveLength(10)
    expect(svg).toContain('writer processes: 50; ms: 2500; measure: save p95; build: after')
    expect(svg).toContain('writer processes: 10; saves/s: 20; build: before')
  })
})
