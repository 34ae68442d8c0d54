/**
 * Real markdown for the browser benchmarks: the markdown files that ship in node_modules (READMEs,
 * changelogs, docs/…), in sorted path order, concatenated into a document of about 1 or 5 MB. What
 * a writer types into in those documents is picked from the services' own sections.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { SectionInfo } from '../shared/types'
import { REPO_ROOT } from './processes'

const MB = 1024 * 1024
/** Larger files are generated lists or licence bundles, not prose. */
const MAX_FILE_BYTES = 256 * 1024
/** The document's first line: what the benchmarks wait for to see the text on screen. */
export const REAL_FIRST_LINE = 'Markdown files of node_modules, concatenated.'

/** A real-markdown document of benchmark 5. */
export interface RealCase {
  label: string
  bytes: number
}

/** The real documents: about 1 and 5 MB (full run only; the quick run leaves them out). */
export function realCases(quick: boolean): RealCase[] {
  return quick
    ? []
    : [
        { label: 'real 1 MB', bytes: MB },
        { label: 'real 5 MB', bytes: 5 * MB }
      ]
}

/** Licence texts and third-party notices are markdown files but not writing. */
const NOT_WRITING = /^(licen[cs]e|third[-_]party|notice)/i

/** Every `.md` file under node_modules (nested packages too), by path relative to it, sorted. */
async function markdownFiles(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.md') && !NOT_WRITING.test(e.name))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** A code fence left open would swallow every file after it. */
function fencesBalanced(text: string): boolean {
  return (text.match(/^ {0,3}(```|~~~)/gm)?.length ?? 0) % 2 === 0
}

/** A file's text when it is usable: valid UTF-8, not huge, fences closed; LF line ends. */
async function usable(file: string): Promise<string | null> {
  const buf = await fs.readFile(file)
  if (buf.length === 0 || buf.length > MAX_FILE_BYTES) return null
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf)
  } catch {
    return null
  }
  text = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')
  return fencesBalanced(text) ? text.trimEnd() : null
}

let corpus: Promise<string[]> | null = null

/** The usable files' texts (in path order), read once per run. */
export function realCorpus(): Promise<string[]> {
  corpus ??= (async () => {
    const root = path.join(REPO_ROOT, 'node_modules')
    const texts = await Promise.all((await markdownFiles(root)).map((f) => usable(path.join(root, f))))
    return texts.filter((t): t is string => t !== null)
  })()
  return corpus
}

/** A built real document: its text and what went into it. */
export interface RealDoc {
  text: string
  files: number
  /** The corpus is smaller than the document: it was used again from the start. */
  repeated: boolean
}

/** Concatenates the corpus in order (again from the start when it runs out) to about `bytes`. */
export async function realDoc(bytes: number): Promise<RealDoc> {
  const texts = await realCorpus()
  if (texts.length === 0) throw new Error('no usable markdown files in node_modules')
  const parts = [`${REAL_FIRST_LINE}\n\n`]
  let size = Buffer.byteLength(parts[0])
  let i = 0
  for (; size < bytes; i++) {
    const part = `${texts[i % texts.length]}\n\n`
    parts.push(part)
    size += Buffer.byteLength(part)
  }
  return { text: parts.join(''), files: Math.min(i, texts.length), repeated: i > texts.length }
}

/** Writes a real document into `dir`; returns its file name and what went into it. */
export async function writeRealDoc(dir: string, c: RealCase): Promise<RealDoc & { name: string }> {
  const doc = await realDoc(c.bytes)
  const name = `${c.label.replace(/ /g, '-')}.md`
  await fs.writeFile(path.join(dir, name), doc.text)
  return { ...doc, name }
}

/** Where the writer clicks to take a section, and the sections instance A saves meanwhile. */
export interface EditTarget {
  sectionId: string
  /** The text of the line clicked (the whole line, on the first screen, not repeated near it). */
  line: string
  /** Sections A locks, saves and releases in turn: never the writer's. */
  others: string[]
}

/** A line of prose: starts with a letter, no markup that would make it something else. */
const PLAIN = /^[A-Za-z][^`*_<>[\]|#\\]{29,99}$/

/** Lines around a clicked line that must not repeat it (more than the page draws at once). */
const NEARBY_LINES = 500
/** The clicked line must be drawn when the document opens (the app's outline is virtualised). */
const FIRST_SCREEN_LINES = 30

/** Whether `lines[l]` occurs nowhere else within NEARBY_LINES lines of it. */
function uniqueNearby(lines: readonly string[], l: number): boolean {
  const from = Math.max(0, l - NEARBY_LINES)
  const to = Math.min(lines.length, l + NEARBY_LINES)
  for (let i = from; i < to; i++) if (i !== l && lines[i] === lines[l]) return false
  return true
}

/**
 * In a real document: the first section (after the preamble, with six sections after it for A)
 * whose body starts a paragraph with a plain line of text that no line near it repeats, on the
 * first screen; A saves the six sections after it.
 */
export function pickEditTarget(text: string, sections: readonly SectionInfo[]): EditTarget {
  const lines = text.split('\n')
  for (let s = 1; s + 6 < sections.length && sections[s].startLine < FIRST_SCREEN_LINES; s++) {
    const { startLine, endLine } = sections[s]
    for (let l = startLine + 1; l < Math.min(endLine, FIRST_SCREEN_LINES); l++) {
      const line = lines[l]
      if (lines[l - 1].trim() !== '' || !PLAIN.test(line) || !uniqueNearby(lines, l)) continue
      return { sectionId: sections[s].id, line, others: sections.slice(s + 1, s + 7).map((x) => x.id) }
    }
  }
  throw new Error(`no plain line of text in the first ${FIRST_SCREEN_LINES} lines of the real document`)
}
