/**
 * DOCX and ODT export through pandoc, when it is installed. pandoc is run with `spawn` (no shell),
 * the input on stdin, a timeout and a cap on what it writes. It runs twice: markdown → pandoc's
 * JSON tree (reading markdown does no I/O), then the tree → DOCX/ODT. In between every image is
 * replaced by its bytes as a `data:` URL, read through the workspace's confinement by the caller,
 * or by its description when that refuses it — so the writer fetches no URL and reads no file a
 * document names (`/etc/…`, `../../x.png`, `https://…`). (`--sandbox` would say the same, but
 * pandoc 2.17, Debian 12's, then cannot read its own DOCX template.)
 */
import { spawn } from 'node:child_process'
import { ValidationError } from '../../../shared/errors'

/** The formats pandoc makes here, with their mime types (HTML for the CLI; the app exports the preview's). */
export const PANDOC_FORMATS = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  odt: 'application/vnd.oasis.opendocument.text',
  html: 'text/html'
} as const

/**
 * The writer's options per format. HTML is a standalone page with MathML (no script) that drops the
 * document's raw HTML (no sanitiser runs here) and carries a CSP that runs no script at all, so a
 * `javascript:` link written in the markdown does nothing either.
 */
function writerArgs(to: PandocFormat, title: string): string[] {
  if (to !== 'html') return ['-t', to]
  return [
    '-t',
    'html5',
    '--standalone',
    '--mathml',
    '--metadata',
    `pagetitle=${title}`,
    '--variable',
    `header-includes=<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: https:; style-src 'unsafe-inline'">`
  ]
}

/** A format pandoc exports to. */
export type PandocFormat = keyof typeof PANDOC_FORMATS

/** Whether pandoc can be run, its version, and why not. */
export interface PandocStatus {
  available: boolean
  version: string | null
  reason: string | null
}

/** The longest a conversion may take, and the largest file it may write. */
const CONVERT_TIMEOUT_MS = 60_000
const MAX_OUTPUT_BYTES = 128 * 1024 * 1024

interface RunResult {
  code: number | null
  stdout: Buffer
  stderr: string
}

/** Runs `command args` without a shell, feeding `input`; kills it after `timeoutMs`. */
function run(command: string, args: string[], input: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { shell: false, stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    let size = 0
    let stderr = ''
    let failed: Error | null = null
    const timer = setTimeout(() => {
      failed = new ValidationError(`pandoc took longer than ${timeoutMs / 1000} s and was stopped.`)
      child.kill('SIGKILL')
    }, timeoutMs)
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_OUTPUT_BYTES) {
        failed = new ValidationError('pandoc wrote more than 128 MiB; the export was stopped.')
        child.kill('SIGKILL')
      } else out.push(chunk)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8')
    })
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      if (failed) reject(failed)
      else resolve({ code, stdout: Buffer.concat(out), stderr })
    })
    child.stdin.on('error', () => undefined) // pandoc may exit before reading everything (a bad option)
    child.stdin.end(input, 'utf8')
  })
}

/** The pandoc found here, asked once per process (installing it needs a restart of the app to show). */
let status: Promise<PandocStatus> | null = null

/** Whether pandoc is installed (on PATH) and which version. */
export function pandocStatus(command = 'pandoc'): Promise<PandocStatus> {
  const ask = async (): Promise<PandocStatus> => {
    try {
      const r = await run(command, ['--version'], '', 5000)
      if (r.code !== 0) return { available: false, version: null, reason: 'pandoc did not start.' }
      const version = r.stdout.toString('utf8').split('\n')[0]?.trim() ?? 'pandoc'
      return { available: true, version, reason: null }
    } catch {
      return {
        available: false,
        version: null,
        reason:
          'DOCX and ODT export need pandoc, which is not installed (https://pandoc.org, or `apt install pandoc`).'
      }
    }
  }
  if (command !== 'pandoc') return ask()
  status ??= ask()
  return status
}

/** A document without its front matter: that is metadata for the app, and pandoc's YAML reader refuses what it cannot parse. */
function withoutFrontMatter(markdown: string): string {
  return markdown.replace(/^---\r?\n[\s\S]*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/, '')
}

/** An image's bytes for the export, or null when it may not be read (outside the workspace, remote, not an image). */
export type ImageReader = (src: string) => Promise<{ mime: string; data: Buffer } | null>

/** A node of pandoc's JSON tree, as far as the image walk needs to know it. */
type PandocNode = { t?: unknown; c?: unknown } | PandocNode[] | string | number | boolean | null

/** Every Image node of the tree (in document order), with a way to replace it. */
function collectImages(node: PandocNode, found: { node: { t: string; c: unknown[] } }[]): void {
  if (Array.isArray(node)) {
    for (const child of node) collectImages(child, found)
    return
  }
  if (node === null || typeof node !== 'object') return
  if (node.t === 'Image' && Array.isArray(node.c)) found.push({ node: node as { t: string; c: unknown[] } })
  if (node.c !== undefined) collectImages(node.c as PandocNode, found)
  for (const [key, value] of Object.entries(node))
    if (key !== 'c' && key !== 't') collectImages(value as PandocNode, found)
}

/** Converts markdown to `to` with pandoc; throws a ValidationError a writer can read when it fails. */
export async function convertWithPandoc(
  markdown: string,
  to: PandocFormat,
  readImage: ImageReader,
  opts: { title?: string; command?: string } = {}
): Promise<Buffer> {
  const command = opts.command ?? 'pandoc'
  const st = await pandocStatus(command)
  if (!st.available) throw new ValidationError(st.reason ?? 'pandoc is not available.')
  const failed = (r: RunResult) =>
    new ValidationError(`pandoc could not convert the document: ${r.stderr.trim().slice(0, 500)}`)
  const parsed = await run(
    command,
    ['-f', `markdown-yaml_metadata_block${to === 'html' ? '-raw_html-raw_attribute' : ''}`, '-t', 'json'],
    withoutFrontMatter(markdown),
    CONVERT_TIMEOUT_MS
  )
  if (parsed.code !== 0) throw failed(parsed)
  const tree = JSON.parse(parsed.stdout.toString('utf8')) as PandocNode
  const images: { node: { t: string; c: unknown[] } }[] = []
  collectImages(tree, images)
  for (const { node } of images) {
    const [attr, alt, target] = node.c as [unknown, unknown, [string, string]]
    const image = await readImage(target[0]).catch(() => null)
    if (image) node.c = [attr, alt, [`data:${image.mime};base64,${image.data.toString('base64')}`, target[1]]]
    else {
      // What the image showed, in words: the same as a reader without the picture would get.
      node.t = 'Span'
      node.c = [attr, alt]
    }
  }
  const args = ['-f', 'json', ...writerArgs(to, opts.title ?? 'Document'), '-o', '-']
  const r = await run(command, args, JSON.stringify(tree), CONVERT_TIMEOUT_MS)
  if (r.code !== 0) throw failed(r)
  return r.stdout
}
