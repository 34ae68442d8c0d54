/**
 * A modal dialog's keyboard, as desktop apps behave: the focus moves into the dialog, Tab and
 * Shift+Tab stay inside it, Esc closes it (where closing decides nothing: `onClose` null keeps
 * a dialog that needs an answer open), and afterwards the focus goes back to the text — the editor
 * when one is open, else wherever it was.
 */
import { useEffect, useRef, type RefObject } from 'react'

/** The editor's text area (the open document's), or null. */
export function editorText(): HTMLElement | null {
  return document.querySelector<HTMLElement>('.editor-host .cm-content')
}

const FOCUSABLE =
  'button:not([disabled]), a[href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"]), [contenteditable="true"]'

/**
 * Keeps the keyboard in the dialog `box` while it is shown (`shown`, for a component that stays
 * mounted and renders nothing while closed); see the module comment.
 */
export function useModal(
  box: RefObject<HTMLElement | null>,
  onClose: (() => void) | null,
  shown = true
): void {
  // The latest close action, without re-running the effect (and moving the focus) on every render.
  const close = useRef(onClose)
  useEffect(() => {
    close.current = onClose
  }, [onClose])
  useEffect(() => {
    const el = box.current
    if (!shown || !el) return
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null
    const focusables = () =>
      [...el.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((e) => e.getClientRects().length > 0)
    if (!el.contains(document.activeElement)) (focusables()[0] ?? el).focus()
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && close.current) {
        e.preventDefault()
        e.stopPropagation()
        close.current()
        return
      }
      if (e.key !== 'Tab') return
      const list = focusables()
      const first = list[0]
      const last = list[list.length - 1]
      const active = document.activeElement
      if (!first || !last) {
        e.preventDefault()
        return
      }
      if (e.shiftKey && (active === first || !el.contains(active))) {
        e.preventDefault()
        last.focus()
      } else if (!e.shiftKey && (active === last || !el.contains(active))) {
        e.preventDefault()
        first.focus()
      }
    }
    document.addEventListener('keydown', onKey, true)
    return () => {
      document.removeEventListener('keydown', onKey, true)
      const editor = editorText()
      const back = editor ?? (before?.isConnected ? before : null)
      back?.focus()
    }
  }, [box, shown])
}
