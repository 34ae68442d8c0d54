/**
 * The documents the browser benchmarks open and type into: the generated large documents of
 * benchmark 5 and the real markdown concatenated from node_modules (full run only).
 */
import { largeCases, writeLargeDoc } from './bench-large-docs'
import { realCases, REAL_FIRST_LINE, writeRealDoc } from './real-docs'

/** The first line of the generated documents (see docs.ts largeDoc). */
const GENERATED_FIRST_LINE = 'Front text of a long manuscript.'

/** A document in the browser benchmarks, written into a benchmark's folder on demand. */
export interface BrowserDoc {
  /** '1 MB', '20 MB', 'real 1 MB'. */
  label: string
  kind: 'generated' | 'real'
  bytes: number
  /** Its first line: once that is on screen, the text is shown. */
  firstLine: string
  /** Writes it into `dir`; returns its file name and what a row's name says about it besides the label. */
  write(dir: string): Promise<{ name: string; about: string }>
}

/** The generated documents (quick: 1 and 5 MB; full: also 20 MB), then the real ones (full run). */
export function browserDocs(quick: boolean): BrowserDoc[] {
  const generated = largeCases(quick).map((c): BrowserDoc => ({
    label: c.label,
    kind: 'generated',
    bytes: c.bytes,
    firstLine: GENERATED_FIRST_LINE,
    write: async (dir) => ({ name: await writeLargeDoc(dir, c), about: `${c.sections} sections` })
  }))
  const real = realCases(quick).map((c): BrowserDoc => ({
    label: c.label,
    kind: 'real',
    bytes: c.bytes,
    firstLine: REAL_FIRST_LINE,
    write: async (dir) => {
      const { name, files, repeated } = await writeRealDoc(dir, c)
      const again = repeated ? ', then again from the first' : ''
      return { name, about: `${files} markdown files of node_modules${again}` }
    }
  }))
  return [...generated, ...real]
}
