/**
 * A standalone HTML file of a document: the preview's own sanitised output (render-preview.ts),
 * its workspace images inlined as `data:` URLs (read through the services, confined as in the
 * preview), the preview's CSS and KaTeX's inline. KaTeX's web fonts are left out (they are files of
 * the app, not of the document): formulas fall back to the reader's serif fonts.
 */
import previewCss from './preview.css?inline'
import katexCss from 'katex/dist/katex.min.css?inline'
import type { SectionedClient } from '../ipc/client'
import { renderPreview } from './render-preview'
import { showImages, type AssetCache } from './preview-images'

/** Colours for the exported page (the app's own come from its theme). */
const PAGE_CSS = `:root{--fg:#1d2330;--muted:#6b7385;--panel:#f5f6f9;--border:#dde1e8}
body{font-family:Georgia,'Times New Roman',serif;color:var(--fg);max-width:46em;margin:2em auto;padding:0 1em}
@media (prefers-color-scheme:dark){:root{--fg:#e3e6ec;--muted:#99a1b3;--panel:#1e222a;--border:#2f3542}body{background:#16191f}}`

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c)
}

/** KaTeX's CSS without its font faces (their URLs point into the app). */
function katexWithoutFonts(): string {
  return katexCss.replace(/@font-face\s*{[^}]*}/g, '')
}

/** The standalone HTML of `markdown` (the text of `document`, or one section of it). */
export async function exportHtml(
  client: SectionedClient,
  cache: AssetCache,
  document: string,
  markdown: string,
  title: string
): Promise<string> {
  const body = window.document.createElement('div')
  body.className = 'preview-doc'
  body.innerHTML = renderPreview(markdown)
  await showImages(body, document, client, cache, 'keep')
  for (const el of Array.from(body.querySelectorAll('[data-line]'))) el.removeAttribute('data-line')
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // The exported file runs no script and loads only what its reader's browser allows for images.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: https:; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${PAGE_CSS}\n${previewCss}\n${katexWithoutFonts()}</style>`,
    '</head>',
    '<body>',
    body.outerHTML,
    '</body>',
    '</html>',
    ''
  ].join('\n')
}

/** Hands `data` to the browser as a download named `fileName` (Electron asks where to save it). */
export function download(fileName: string, data: BlobPart, mime: string): void {
  const url = URL.createObjectURL(new Blob([data], { type: mime }))
  const a = window.document.createElement('a')
  a.href = url
  a.download = fileName
  a.style.display = 'none'
  window.document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** Bytes from base64 (the services send converted files that way). */
export function fromBase64(data: string): Uint8Array<ArrayBuffer> {
  const binary = atob(data)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}
