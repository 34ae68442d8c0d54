import { useDeferredValue, useEffect, useMemo, useRef, useState } from 'react'
import 'katex/dist/katex.min.css'
import '../preview/preview.css'
import { renderPreview } from '../preview/render-preview'
import { documentLink, showImages, type AssetCache } from '../preview/preview-images'
import { followEditorScroll, syncToEditorNow } from '../preview/scroll-sync'
import { useApp } from '../state/use-app'
import { ExportMenu } from './ExportMenu'

/**
 * The document rendered, sanitized (DOMPurify): scripts, event handlers and `javascript:` links are
 * removed before the HTML reaches the page, and the page's CSP forbids inline scripts besides.
 * Workspace images come through the services (preview-images.ts), remote ones wait for a click;
 * links to other documents open them here, other links outside the app (the Electron shell hands
 * http(s) to the system browser). The preview follows the editor's scrolling (scroll-sync.ts).
 */
export function PreviewPane() {
  const setShown = useApp((s) => s.setPreviewShown)
  const client = useApp((s) => s.client)
  const current = useApp((s) => s.current)
  const goToAnchor = useApp((s) => s.goToAnchor)
  useEffect(() => {
    // The editor hands over its text only while a preview is on screen (see EditorPane).
    setShown(true)
    return () => setShown(false)
  }, [setShown])
  // What the editor shows, unsaved typing included (nothing until the preview is marked shown).
  const text = useApp((s) => (s.previewShown ? (s.liveText ?? s.snapshot?.text ?? '') : ''))
  const deferred = useDeferredValue(text)
  const html = useMemo(() => renderPreview(deferred), [deferred])
  const doc = useRef<HTMLDivElement>(null)
  const pane = useRef<HTMLElement>(null)
  const opened = useApp((s) => s.opened)
  // A document's images are read again when it is opened again (they may have changed).
  const [images, setImages] = useState<{ opened: number; cache: AssetCache }>(() => ({
    opened,
    cache: new Map()
  }))
  if (images.opened !== opened) setImages({ opened, cache: new Map() })
  const cache = images.cache
  useEffect(() => {
    if (doc.current && current) void showImages(doc.current, current, client, cache)
    if (pane.current) syncToEditorNow(pane.current)
  }, [html, current, client, cache])
  useEffect(() => (pane.current ? followEditorScroll(pane.current) : undefined), [])

  const onClick = (e: React.MouseEvent) => {
    const target = e.target as HTMLElement
    const remote = target.closest<HTMLElement>('button.remote-image')
    if (remote) {
      // The page loads no remote image (CSP); the writer's click opens it outside the app.
      const src = remote.dataset.remoteSrc ?? ''
      if (/^https?:\/\//i.test(src)) window.open(src, '_blank', 'noopener,noreferrer')
      return
    }
    const a = target.closest('a')
    if (!a) return
    e.preventDefault()
    const href = a.getAttribute('href') ?? ''
    if (/^https?:\/\//i.test(href)) window.open(href, '_blank', 'noopener,noreferrer')
    else if (href.startsWith('#')) {
      // Footnotes and in-page anchors: scroll the preview, not the app.
      // The sanitiser prefixes every id of the document (SANITIZE_NAMED_PROPS in render-preview.ts).
      const id = decodeURIComponent(href.slice(1))
      const target =
        doc.current?.querySelector(`[id="${CSS.escape(`user-content-${id}`)}"]`) ??
        doc.current?.querySelector(`[id="${CSS.escape(id)}"]`)
      target?.scrollIntoView({ block: 'start' })
    } else if (current) {
      const link = documentLink(current, href)
      if (link) void goToAnchor(link.document, link.anchor)
    }
  }
  return (
    <section ref={pane} className="preview" aria-label="Preview" onClick={onClick}>
      <ExportMenu cache={cache} />
      <div
        ref={doc}
        className="preview-doc"
        data-testid="preview"
        // Sanitized by renderPreview (DOMPurify), tested against script, handler and URL payloads.
        dangerouslySetInnerHTML={{ __html: html }}
      />
    </section>
  )
}
