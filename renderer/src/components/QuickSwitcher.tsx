import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import { switcherItems } from '../state/switcher-filter'
import { useApp } from '../state/use-app'
import { editorText } from './use-modal'
import { HeldAwayMark } from './HeldAwayMark'

/** How many matches are listed at once (the rest are a few keystrokes away). */
const MAX_ITEMS = 50

/** Ctrl+P (⌘P on macOS): also keeps the browser's print dialog away. */
function isSwitcherKey(e: globalThis.KeyboardEvent): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'p'
}

/**
 * The editor's text area, where the focus goes back to — unless a dialog is open meanwhile: a
 * switch finishes after its document is read, and a writer who pressed Ctrl+P again by then is
 * typing into the new switcher, not into the document (CI caught the focus going to the editor).
 */
function focusEditor(): void {
  if (document.querySelector('[role="dialog"]')) return
  editorText()?.focus()
}

/**
 * The quick switcher (Ctrl/⌘ P): the workspace's documents, the most recently shown first,
 * filtered as the writer types (see switcher-filter.ts); ↑/↓ choose, Enter or a click opens, Esc
 * closes and gives the focus back. Opening another document saves the sections held in this one and
 * keeps holding them (as opening from the folder tree does; held-away.ts), marked in the list; each
 * document reopens at its own scroll position and cursor, its held sections editable again.
 */
export function QuickSwitcher() {
  const shown = useApp((s) => s.switcherOpen)
  const setOpen = useApp((s) => s.setSwitcherOpen)
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (!isSwitcherKey(e)) return
      e.preventDefault()
      e.stopPropagation()
      setOpen(true)
    }
    // Capture: before the editor's own keys, and whatever has the focus.
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [setOpen])
  return shown ? <SwitcherDialog /> : null
}

function SwitcherDialog() {
  const documents = useApp((s) => s.documents)
  const recent = useApp((s) => s.recentDocuments)
  const current = useApp((s) => s.current)
  const heldCount = useApp((s) => s.held.length)
  const open = useApp((s) => s.open)
  const setOpen = useApp((s) => s.setSwitcherOpen)
  const [query, setQuery] = useState('')
  const items = useMemo(
    () => switcherItems(documents, recent, query).slice(0, MAX_ITEMS),
    [documents, recent, query]
  )
  // Null until the writer moves the choice: with nothing typed the document shown now is first,
  // and Enter goes back to the one before it.
  const [picked, setChosen] = useState<number | null>(null)
  const chosen = picked ?? (query.trim() === '' && items[0] === current && items.length > 1 ? 1 : 0)
  const list = useRef<HTMLUListElement>(null)
  /** Where the mouse was last seen over the list: the browser also sends moves when the list appears under a still mouse. */
  const pointer = useRef<{ x: number; y: number } | null>(null)
  const returnTo = useRef<Element | null>(document.activeElement)

  useEffect(() => {
    list.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' })
  }, [chosen])

  const close = () => {
    setOpen(false)
    const back = returnTo.current
    if (back instanceof HTMLElement && back.isConnected && back !== document.body) back.focus()
    else focusEditor()
  }
  const go = (document: string | undefined) => {
    if (!document) return
    setOpen(false)
    void open(document).then(() => requestAnimationFrame(focusEditor))
  }
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault()
      const step = e.key === 'ArrowDown' ? 1 : -1
      if (items.length) setChosen((chosen + step + items.length) % items.length)
    } else if (e.key === 'Enter') {
      e.preventDefault()
      go(items[chosen])
    } else if (e.key === 'Escape') {
      e.preventDefault()
      close()
    }
  }

  return (
    <div
      className="modal-backdrop switcher-backdrop"
      onMouseDown={(e) => e.target === e.currentTarget && close()}
    >
      <div className="modal switcher" role="dialog" aria-label="Open a document" data-testid="switcher">
        <input
          // Focused as it mounts (not in an effect a frame later), so the first keys typed land here.
          autoFocus
          value={query}
          placeholder="Type part of a document’s name"
          aria-label="Document name"
          aria-controls="switcher-list"
          aria-activedescendant={items[chosen] ? `switcher-${chosen}` : undefined}
          onChange={(e) => {
            setQuery(e.target.value)
            setChosen(null)
          }}
          onKeyDown={onKeyDown}
          data-testid="switcher-input"
        />
        <ul id="switcher-list" role="listbox" ref={list}>
          {items.map((d, i) => {
            const at = d.lastIndexOf('/')
            return (
              <li
                key={d}
                id={`switcher-${i}`}
                role="option"
                aria-selected={i === chosen}
                className={i === chosen ? 'chosen' : undefined}
                onMouseMove={(e) => {
                  const before = pointer.current
                  pointer.current = { x: e.clientX, y: e.clientY }
                  if (before && (before.x !== e.clientX || before.y !== e.clientY) && i !== chosen)
                    setChosen(i)
                }}
                onClick={() => go(d)}
                data-testid="switcher-item"
              >
                <span>{d.slice(at + 1)}</span>
                {at >= 0 && <small className="muted">{d.slice(0, at)}</small>}
                {d === current && <small className="muted"> · open</small>}
                <HeldAwayMark document={d} words />
              </li>
            )
          })}
          {items.length === 0 && <li className="muted empty">No document matches “{query}”.</li>}
        </ul>
        {heldCount > 0 && (
          <p className="muted switcher-note" data-testid="switcher-note">
            Opening another document saves the {heldCount === 1 ? 'section' : `${heldCount} sections`} you
            hold here; you keep holding {heldCount === 1 ? 'it' : 'them'}.
          </p>
        )}
      </div>
    </div>
  )
}
