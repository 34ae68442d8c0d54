import { useContext, useEffect, useState } from 'react'
import { StoreContext, useApp } from '../state/use-app'
import { download, exportHtml, fromBase64 } from '../preview/export-html'
import type { AssetCache } from '../preview/preview-images'

/**
 * Export of the open document: standalone HTML (the preview's sanitised output with its CSS and
 * images inline), PDF of the preview (Electron's printToPDF; in a browser its print dialog, which
 * offers "Save as PDF"), and DOCX/ODT through pandoc on the services' side — those two disabled,
 * with the reason, where pandoc is not installed. HTML, DOCX and ODT can be of one section.
 */
export function ExportMenu({ cache }: { cache: AssetCache }) {
  const store = useContext(StoreContext)
  const client = useApp((s) => s.client)
  const document = useApp((s) => s.current)
  const notify = useApp((s) => s.notify)
  const outline = useApp((s) => s.outline)
  /** The section to export ('' the whole document). */
  const [part, setPart] = useState('')
  const [pandoc, setPandoc] = useState<{ ok: boolean; reason: string | null } | null>(null)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    let live = true
    void client.call('export:formats', {}).then((r) => {
      if (live)
        setPandoc(
          r.ok ? { ok: r.value.pandoc, reason: r.value.reason } : { ok: false, reason: r.error.message }
        )
    })
    return () => {
      live = false
    }
  }, [client])
  if (!document) return null
  const sections = outline.filter((o) => o.id !== null && o.level > 0)
  const chosen = sections.some((o) => o.id === part) ? part : ''
  const stem = (document.split('/').pop() ?? document).replace(/\.(md|markdown)$/i, '')
  const name = chosen ? `${stem}-${chosen}` : stem
  /** The markdown to export: the document as the editor shows it, or the chosen section of it. */
  const markdownOf = (text: string): string => {
    const at = outline.findIndex((o) => o.id === chosen)
    return chosen && at >= 0 ? text.slice(outline[at].from, outline[at + 1]?.from ?? text.length) : text
  }
  const failed = (message: string) => notify({ kind: 'error', text: `Export failed: ${message}` })

  const toHtml = async () => {
    setBusy(true)
    try {
      // The text as the editor shows it, unsaved typing included: what the preview shows.
      const { liveText, snapshot } = store?.getState() ?? { liveText: null, snapshot: null }
      const html = await exportHtml(
        client,
        cache,
        document,
        markdownOf(liveText ?? snapshot?.text ?? ''),
        name
      )
      download(`${name}.html`, html, 'text/html')
    } catch (err) {
      failed(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }
  const toPandoc = async (to: 'docx' | 'odt') => {
    setBusy(true)
    const r = await client.call('export:convert', { document, sectionId: chosen || null, to })
    setBusy(false)
    if (!r.ok) return failed(r.error.message)
    download(r.value.fileName, fromBase64(r.value.data), r.value.mime)
  }
  const toPdf = async () => {
    // Electron prints the window to PDF in the main process; the web host makes none: the browser prints.
    setBusy(true)
    const r = await client.call('export:pdf', {})
    setBusy(false)
    if (!r.ok) return failed(r.error.message)
    if (r.value.data === null) window.print()
    else download(`${stem}.pdf`, fromBase64(r.value.data), 'application/pdf')
  }
  const pandocTitle = pandoc?.ok
    ? 'Converted by pandoc from the saved file'
    : (pandoc?.reason ?? 'Checking for pandoc…')
  return (
    <div className="preview-toolbar" role="toolbar" aria-label="Export">
      <span>Export</span>
      <select
        aria-label="What to export"
        data-testid="export-part"
        value={chosen}
        onChange={(e) => setPart(e.target.value)}
      >
        <option value="">the whole document</option>
        {sections.map((o) => (
          <option key={o.id} value={o.id ?? ''}>
            {`${'\u2003'.repeat(o.level - 1)}${o.heading}`}
          </option>
        ))}
      </select>
      <span>as</span>
      <button data-testid="export-html" disabled={busy} onClick={() => void toHtml()}>
        HTML
      </button>
      <button
        data-testid="export-pdf"
        disabled={busy}
        title="The whole preview as a PDF (in a browser: print, then choose “Save as PDF”)"
        onClick={() => void toPdf()}
      >
        PDF…
      </button>
      <button
        data-testid="export-docx"
        disabled={busy || !pandoc?.ok}
        title={pandocTitle}
        onClick={() => void toPandoc('docx')}
      >
        DOCX
      </button>
      <button
        data-testid="export-odt"
        disabled={busy || !pandoc?.ok}
        title={pandocTitle}
        onClick={() => void toPandoc('odt')}
      >
        ODT
      </button>
      {pandoc && !pandoc.ok && <small className="muted">{pandoc.reason}</small>}
    </div>
  )
}
