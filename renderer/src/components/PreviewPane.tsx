import { useDeferredValue, useEffect, useMemo } from 'react'
import { renderPreview } from '../preview/render-preview'
import { useApp } from '../state/use-app'

/**
 * The document rendered, sanitized (DOMPurify): scripts, event handlers and `javascript:` links are
 * removed before the HTML reaches the page, and the page's CSP forbids inline scripts besides.
 * Links open outside the app (the Electron shell hands http(s) to the system browser).
 */
export function PreviewPane() {
  const setShown = useApp((s) => s.setPreviewShown)
  useEffect(() => {
    // The editor hands over its text only while a preview is on screen (see EditorPane).
    setShown(true)
    return () => setShown(false)
  }, [setShown])
  // What the editor shows, unsaved typing included (nothing until the preview is marked shown).
  const text = useApp((s) => (s.previewShown ? (s.liveText ?? s.snapshot?.text ?? '') : ''))
  const deferred = useDeferredValue(text)
  const html = useMemo(() => renderPreview(deferred), [deferred])
  return (
    <section
      className="preview"
      aria-label="Preview"
      data-testid="preview"
      onClick={(e) => {
        const a = (e.target as HTMLElement).closest('a')
        if (!a) return
        e.preventDefault()
        const href = a.getAttribute('href') ?? ''
        if (/^https?:\/\//i.test(href)) window.open(href, '_blank', 'noopener,noreferrer')
      }}
      // Sanitized by renderPreview (DOMPurify), tested against script, handler and URL payloads.
      dangerouslySetInnerHTML={{ __html: html }}
    />
  )
}
